import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CHART_DELIVERY_CONTEXT, ChartDelivery } from './delivery';
import { objectNameProblems, labelsProblems } from './names';
import { namedImageUserProblems } from './pod-security';
import { Problems } from './problems';
import { objectSchemaProblems } from './schema';
import { documentsYaml } from './yaml';

/**
 * The checks that look at every object of an app, whatever construct made it: each object against
 * its schema (Kubernetes 1.31 or its vendored CRD, strictly), each object identity used once,
 * names, labels and annotations of valid syntax, and a numeric user for every container that must
 * run as non-root from an image whose user is a name. They run as a validation of the app, once
 * per synth, and report each problem on the object it concerns.
 */

/** What one synth knows of the app's objects: their JSON and their problems. */
interface SynthState {
  readonly size: number;
  readonly objects: ApiObject[];
  readonly json: Map<ApiObject, any>;
  /** Problems by the construct that reports them: an object's owner (see ownerOf) or the object. */
  readonly problems: Map<IConstruct, string[]>;
}

const STATE = Symbol.for('spark-platform.app-checks');
type Root = IConstruct & { [STATE]?: { current?: SynthState; hooked: WeakSet<IConstruct> } };

/**
 * The construct that reports an object's problems: the construct whose main object it is (its
 * child with the id `Resource`, as cdk8s-plus names it), so that the path is the one the user wrote.
 */
function ownerOf(o: ApiObject): IConstruct {
  return o.node.id === 'Resource' && o.node.scope !== undefined ? o.node.scope : o;
}

/** Adds the whole-app checks to the app of `scope`, once per app. Every construct of the library calls it. */
export function registerAppChecks(scope: IConstruct): void {
  const root = scope.node.root as Root;
  if (root[STATE]) {
    return;
  }
  root[STATE] = { hooked: new WeakSet() };
  root.node.addValidation({ validate: () => prepare(root) });
}

/**
 * The JSON of every object of the app, as rendered for this synth's checks; the same objects are
 * written, so each is rendered once.
 */
export function renderedObjects(scope: IConstruct): ReadonlyMap<ApiObject, any> {
  const root = scope.node.root as Root;
  registerAppChecks(root);
  return state(root).json;
}

function state(root: Root): SynthState {
  const all = root.node.findAll();
  const holder = root[STATE]!;
  // cdk8s validates the app up to once per chart plus once in all during one synth: the work is
  // done once and kept until the synth call returns (the next microtask), or the tree grows.
  if (holder.current && holder.current.size === all.length) {
    return holder.current;
  }
  const objects = all.filter((c): c is ApiObject => c instanceof ApiObject);
  const json = new Map<ApiObject, any>();
  for (const o of objects) {
    json.set(o, o.toJson());
  }
  const problems = checkObjects(objects, json);
  holder.current = { size: all.length, objects, json, problems };
  queueMicrotask(() => {
    holder.current = undefined;
  });
  return holder.current;
}

/** The root's validation: works out the problems and hands each to its object's own validation. */
function prepare(root: Root): string[] {
  const current = state(root);
  const hooked = root[STATE]!.hooked;
  for (const c of current.problems.keys()) {
    if (!hooked.has(c)) {
      hooked.add(c);
      c.node.addValidation({ validate: () => root[STATE]!.current?.problems.get(c) ?? [] });
    }
  }
  return [];
}

function identity(json: any): string {
  const group = String(json.apiVersion).includes('/') ? String(json.apiVersion).split('/')[0] : '';
  return `${group}/${json.kind}/${json.metadata?.namespace ?? ''}/${json.metadata?.name ?? ''}`;
}

function describeObject(json: any): string {
  return `${json.kind} ${json.metadata?.namespace ? `${json.metadata.namespace}/` : ''}${json.metadata?.name}`;
}

function checkObjects(objects: ApiObject[], json: Map<ApiObject, any>): Map<IConstruct, string[]> {
  const problems = new Map<IConstruct, string[]>();
  const add = (o: ApiObject, messages: string[]) => {
    if (messages.length > 0) {
      const owner = ownerOf(o);
      problems.set(owner, [...(problems.get(owner) ?? []), ...messages]);
    }
  };
  const byIdentity = new Map<string, ApiObject[]>();
  for (const o of objects) {
    // A construct that reported bad props has said what to fix; the objects it made from them
    // would only repeat it, field by field.
    if (Problems.inOrAbove(o)) {
      continue;
    }
    const doc = json.get(o);
    const id = identity(doc);
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), o]);
    const what = describeObject(doc);
    add(o, objectSchemaProblems(doc).map((p) => `${what}: ${p}`));
    add(o, objectNameProblems(doc).map((p) => `${what}: ${p}`));
    add(o, labelsProblems(doc).map((p) => `${what}: ${p}`));
    add(o, namedImageUserProblems(doc).map((p) => `${what}: ${p}`));
  }
  const duplicated = [...byIdentity.values()].filter((same) => same.length > 1);
  // A construct defined twice duplicates every object under it: report its main object only.
  const duplicatedOwners = new Set(duplicated.flat().filter((o) => o.node.id === 'Resource').map(ownerOf));
  const underDuplicatedOwner = (o: ApiObject) => {
    for (let s = o.node.scope; s !== undefined; s = s.node.scope) {
      if (duplicatedOwners.has(s) && s !== ownerOf(o)) {
        return true;
      }
    }
    return false;
  };
  for (const same of duplicated.filter((objects) => !objects.some(underDuplicatedOwner))) {
    for (const o of same) {
      const doc = json.get(o);
      const where = doc.metadata?.namespace ? ` in namespace ${doc.metadata.namespace}` : '';
      const others = same.filter((x) => x !== o).map((x) => ownerOf(x).node.path).join(', ');
      add(o, [`name "${doc.metadata?.name}" is used by another ${doc.kind}${where} (${others}), and applying both would silently keep only one: give each its own name, or define it once`]);
    }
  }
  return problems;
}

export interface PlatformAppProps extends AppProps {
  /**
   * How every Helm chart of the app reaches the cluster: k3s HelmChart objects, Flux HelmReleases or
   * Argo CD Applications. Everything that is not a chart is the same in every mode.
   * @default ChartDelivery.K3S_HELM_CHART
   */
  readonly chartDelivery?: ChartDelivery;
}

/**
 * A cdk8s App that synthesizes in one pass: every construct's validation runs once (plain App runs
 * them once per chart and once more), each object is rendered once and checked by the whole-app
 * checks, and the YAML is written by a writer that gives cdk8s's bytes in a fraction of the time.
 * Apps whose charts or objects depend on each other, or that write other than one file per chart,
 * are synthesized by cdk8s itself, after the same checks. Its `chartDelivery` prop chooses how every
 * Helm chart of the app reaches the cluster (see ChartDelivery).
 */
export class PlatformApp extends App {
  /** Whether synth writes construct-metadata.json (cdk8s's own prop, which App keeps private). */
  private readonly recordsConstructMetadata: boolean;

  constructor(props: PlatformAppProps = {}) {
    super(props);
    if (props.chartDelivery !== undefined) {
      this.node.setContext(CHART_DELIVERY_CONTEXT, props.chartDelivery);
    }
    this.recordsConstructMetadata = props.recordConstructMetadata ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
    registerAppChecks(this);
  }

  public synth(): void {
    const all = this.node.findAll();
    if (!this.isSimple(all)) {
      super.synth();
      return;
    }
    validateOnce(all);
    fs.mkdirSync(this.outdir, { recursive: true });
    const json = renderedObjects(this);
    for (const [chart, objects] of chartsWithObjects(all)) {
      fs.writeFileSync(path.join(this.outdir, `${Names.toDnsLabel(chart)}${this.outputFileExtension}`), documentsYaml(objects.map((o) => json.get(o))));
    }
    if (this.recordsConstructMetadata) {
      const resources: Record<string, { path: string }> = {};
      for (const [, objects] of chartsWithObjects(all)) {
        for (const o of objects) {
          resources[o.name] = { path: o.node.path };
        }
      }
      fs.writeFileSync(path.join(this.outdir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources }));
    }
  }

  public synthYaml(): string {
    const all = this.node.findAll();
    if (!this.isSimple(all)) {
      return super.synthYaml();
    }
    validateOnce(all);
    const json = renderedObjects(this);
    return documentsYaml([...chartsWithObjects(all).values()].flat().map((o) => json.get(o)));
  }

  /** Whether the app has no dependencies and no nested charts, so that tree order is cdk8s's order. */
  private isSimple(all: IConstruct[]): boolean {
    return this.yamlOutputType === YamlOutputType.FILE_PER_CHART
      && all.every((c) => c.node.dependencies.length === 0 && !(c instanceof Chart && c.node.scope !== undefined && c.node.scope !== this && hasChartAbove(c)));
  }
}

function hasChartAbove(chart: Chart): boolean {
  for (let s = chart.node.scope; s !== undefined; s = s.node.scope) {
    if (s instanceof Chart) {
      return true;
    }
  }
  return false;
}

/** Runs every construct's validations, once, and throws with all problems as cdk8s does. */
function validateOnce(all: IConstruct[]): void {
  const errors: string[] = [];
  for (const c of all) {
    for (const e of c.node.validate()) {
      errors.push(`[${c.node.path}] ${e}`);
    }
  }
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

/** The charts in tree order, each with its own objects (not those of charts nested in it) in tree order. */
function chartsWithObjects(all: IConstruct[]): Map<Chart, ApiObject[]> {
  const charts = new Map<Chart, ApiObject[]>();
  for (const c of all) {
    if (c instanceof Chart) {
      charts.set(c, []);
    } else if (c instanceof ApiObject) {
      charts.get(Chart.of(c))?.push(c);
    }
  }
  return charts;
}
