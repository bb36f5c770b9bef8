import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, DependencyGraph, Names, YamlOutputType } from 'cdk8s';
import { IConstruct, Node } from 'constructs';
import { registerApplyPlan } from './apply-plan';
import { CHART_DELIVERY_CONTEXT, ChartDelivery } from './delivery';
import { objectNameProblems, labelsProblems } from './names';
import { namedImageUserProblems } from './pod-security';
import { Problems } from './problems';
import { renderObjects } from './render';
import { objectSchemaProblems } from './schema';
import { documentYaml } from './yaml';

/**
 * The checks that look at every object of an app, whatever construct made it: each object against
 * its schema (Kubernetes 1.31 or its vendored CRD, strictly), each object identity used once,
 * names, labels and annotations of valid syntax, and a numeric user for every container that must
 * run as non-root from an image whose user is a name. They run as a validation of the app, once
 * per synth, and report each problem on the object it concerns.
 */

/** What one synth knows of the app's objects: their YAML and their problems. */
interface SynthState {
  readonly size: number;
  /** Each object's YAML document, as written; empty when the synth streamed them to files (ChartFiles). */
  readonly yaml: Map<ApiObject, string>;
  /** Problems by the construct that reports them: an object's owner (see ownerOf) or the object. */
  readonly problems: Map<IConstruct, string[]>;
}

const STATE = Symbol.for('spark-platform.app-checks');
type Root = IConstruct & { [STATE]?: { current?: SynthState; hooked: WeakSet<IConstruct>; all?: IConstruct[]; files?: ChartFiles } };

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

/** Where constructs leave, per app, the reports that spark-platform-synth prints after a synth. */
const REPORTS = Symbol.for('spark-platform.synth-reports');
type Reports = Map<IConstruct, Map<string, () => string>>;

/**
 * Registers a report for the app of `scope`, printed by spark-platform-synth (scripts/synth.js)
 * after the app synthesized, for example the capacity table. The registry is global, so the
 * command finds the reports whichever copy of the library the app was built with.
 * @param name one report per name and app
 */
export function registerSynthReport(scope: IConstruct, name: string, report: (root: IConstruct) => string): void {
  const registry = ((globalThis as any)[REPORTS] ??= new Map()) as Reports;
  const root = scope.node.root;
  const reports = registry.get(root) ?? new Map<string, () => string>();
  registry.set(root, reports);
  reports.set(name, () => report(root));
}

/** This synth's state of the app of `scope`. */
function synthState(scope: IConstruct): SynthState {
  const root = scope.node.root as Root;
  registerAppChecks(root);
  return state(root);
}

function state(root: Root): SynthState {
  const holder = root[STATE]!;
  // PlatformApp hands over the constructs it found for this synth, so the tree is walked once.
  const all = holder.all ?? root.node.findAll();
  // cdk8s validates the app up to once per chart plus once in all during one synth: the work is
  // done once and kept until the synth call returns (the next microtask), or the tree grows.
  // PlatformApp starts each synth afresh (forgetState); with cdk8s's App, a second synth in the
  // same tick after a change that added no construct reuses the first one's checks.
  if (holder.current && holder.current.size === all.length) {
    return holder.current;
  }
  const objects = all.filter((c): c is ApiObject => c instanceof ApiObject);
  // Each object is rendered, checked and written to YAML in turn, so that its JSON is dropped at
  // once: short-lived, it costs the garbage collector little, and the synth's peak memory stays low.
  // PlatformApp.synth streams each document to its chart's file as it is made, so that the synth
  // never holds the whole output; the other callers get the documents by object.
  const checks = new ObjectChecks();
  const yaml = new Map<ApiObject, string>();
  const files = holder.files;
  renderObjects(objects, (o, json) => {
    checks.check(o, json);
    if (files) {
      files.add(o, documentYaml(json));
    } else {
      yaml.set(o, documentYaml(json));
    }
  });
  holder.current = { size: all.length, yaml, problems: checks.problems() };
  queueMicrotask(() => {
    holder.current = undefined;
  });
  return holder.current;
}

/**
 * Drops what an earlier synth of the app of `root` kept, so that the next validation renders and
 * checks the objects as they are now: a synth in the same tick as the one before, after a change
 * that added no construct (a label, a container, a JSON patch), would otherwise reuse the old state.
 */
function forgetState(root: Root): void {
  if (root[STATE]) {
    root[STATE].current = undefined;
    root[STATE].all = undefined;
  }
}

/**
 * Lets this synth's validations use `all`, the app's constructs as PlatformApp found them, instead of
 * walking the tree again; forgotten with the rest of the synth's state at the next microtask.
 */
function withConstructs(root: Root, all: IConstruct[]): void {
  registerAppChecks(root);
  const holder = root[STATE]!;
  holder.all = all;
  queueMicrotask(() => {
    holder.all = undefined;
  });
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

/** The whole-app checks, fed one object at a time. */
class ObjectChecks {
  private readonly found = new Map<IConstruct, string[]>();
  /** The objects of each identity, with what the messages need of them. */
  private readonly byIdentity = new Map<string, { o: ApiObject; name: string; kind: string; namespace?: string }[]>();

  public check(o: ApiObject, doc: any): void {
    // A construct that reported bad props has said what to fix; the objects it made from them
    // would only repeat it, field by field.
    if (Problems.inOrAbove(o)) {
      return;
    }
    const id = identity(doc);
    const same = this.byIdentity.get(id);
    const entry = { o, name: doc.metadata?.name, kind: doc.kind, namespace: doc.metadata?.namespace };
    if (same) {
      same.push(entry);
    } else {
      this.byIdentity.set(id, [entry]);
    }
    const messages = [...objectSchemaProblems(doc), ...objectNameProblems(doc), ...labelsProblems(doc), ...namedImageUserProblems(doc)];
    if (messages.length > 0) {
      const what = describeObject(doc);
      this.add(o, messages.map((p) => `${what}: ${p}`));
    }
  }

  /** Every problem found, with the duplicated identities. */
  public problems(): Map<IConstruct, string[]> {
    const duplicated = [...this.byIdentity.values()].filter((same) => same.length > 1);
    // A construct defined twice duplicates every object under it: report its main object only.
    const duplicatedOwners = new Set(duplicated.flat().filter((e) => e.o.node.id === 'Resource').map((e) => ownerOf(e.o)));
    const underDuplicatedOwner = (o: ApiObject) => {
      for (let s = o.node.scope; s !== undefined; s = s.node.scope) {
        if (duplicatedOwners.has(s) && s !== ownerOf(o)) {
          return true;
        }
      }
      return false;
    };
    for (const same of duplicated.filter((entries) => !entries.some((e) => underDuplicatedOwner(e.o)))) {
      for (const { o, name, kind, namespace } of same) {
        const where = namespace ? ` in namespace ${namespace}` : '';
        const others = same.filter((x) => x.o !== o).map((x) => ownerOf(x.o).node.path).join(', ');
        this.add(o, [`name "${name}" is used by another ${kind}${where} (${others}), and applying both would silently keep only one: give each its own name, or define it once`]);
      }
    }
    return this.found;
  }

  private add(o: ApiObject, messages: string[]): void {
    const owner = ownerOf(o);
    this.found.set(owner, [...(this.found.get(owner) ?? []), ...messages]);
  }
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
 * The files of a synth, one per chart, written while the objects are rendered: each document goes
 * to a hidden partial file of its chart (`.<n>.partial` in the output folder), a few hundred at a
 * time, separated by `---` as cdk8s separates them. Only when the whole app validated are the
 * partial files renamed to the charts' file names, in chart order (so that, as with cdk8s, the last
 * of two charts with the same file name wins); otherwise they are removed, and the output folder
 * holds nothing new.
 */
class ChartFiles {
  private readonly order = new Map<Chart, number>();
  private chart: Chart | undefined;
  private fd: number | undefined;
  private pending: string[] = [];
  private started = false;

  constructor(private readonly dir: string, private readonly charts: Chart[]) {
    charts.forEach((c, i) => this.order.set(c, i));
  }

  /** Appends an object's document to its chart's file. */
  public add(o: ApiObject, document: string): void {
    const chart = o.chart;
    if (chart !== this.chart) {
      this.flush();
      this.close();
      this.chart = chart;
      this.fd = fs.openSync(this.partial(chart), 'a');
      this.started = fs.fstatSync(this.fd).size > 0;
    }
    this.pending.push(document);
    if (this.pending.length === 256) {
      this.flush();
    }
  }

  /** Gives every chart its file, an empty one for a chart without objects. */
  public commit(fileName: (chart: Chart) => string): void {
    this.flush();
    this.close();
    this.charts.forEach((chart) => {
      const partial = this.partial(chart);
      if (!fs.existsSync(partial)) {
        fs.writeFileSync(partial, '');
      }
      fs.renameSync(partial, path.join(this.dir, fileName(chart)));
    });
  }

  /** Removes what was written. */
  public discard(): void {
    this.pending = [];
    this.close();
    this.charts.forEach((chart) => fs.rmSync(this.partial(chart), { force: true }));
  }

  private partial(chart: Chart): string {
    return path.join(this.dir, `.${this.order.get(chart)}.partial`);
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) {
      return;
    }
    const chunk = this.pending.join('---\n');
    this.pending = [];
    fs.writeSync(this.fd, this.started ? `---\n${chunk}` : chunk);
    this.started = true;
  }

  private close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
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
    forgetState(this);
    const all = this.node.findAll();
    withConstructs(this, all);
    // The apply plan (lib/core/apply-plan.ts), which spark-platform-synth writes beside the output.
    registerApplyPlan(this, all);
    if (!this.isSimple(all)) {
      // Validated before anything is written: cdk8s's own synth creates the output folder first.
      validateOnce(all);
      cdk8sSynthOnce(() => super.synth());
      return;
    }
    // The validation renders every object: its documents go straight to partial files of the
    // charts, which become the charts' files only if the whole app is valid.
    const created = !fs.existsSync(this.outdir);
    fs.mkdirSync(this.outdir, { recursive: true });
    const files = new ChartFiles(this.outdir, [...chartsWithObjects(all).keys()]);
    (this as Root)[STATE]!.files = files;
    try {
      validateOnce(all);
      files.commit((chart) => `${Names.toDnsLabel(chart)}${this.outputFileExtension}`);
    } catch (error) {
      files.discard();
      if (created) {
        fs.rmSync(this.outdir, { recursive: true, force: true });
      }
      throw error;
    } finally {
      (this as Root)[STATE]!.files = undefined;
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
    forgetState(this);
    const all = this.node.findAll();
    withConstructs(this, all);
    validateOnce(all);
    if (!this.isSimple(all)) {
      return cdk8sSynthOnce(() => super.synthYaml());
    }
    const yaml = synthState(this).yaml;
    return [...chartsWithObjects(all).values()].flat().map((o) => yaml.get(o)).join('---\n');
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

/**
 * Runs `synth` (cdk8s's own) so that it validates and resolves dependencies once, not once in all
 * and again per chart: every construct's validations answer that there is no problem (the app was
 * validated just before, by validateOnce, and nothing changes it in between), and each chart's
 * objects are rendered in cdk8s's order (its `chartToKube`) without resolving the app's
 * dependencies again, which cdk8s's synth did when it started.
 */
function cdk8sSynthOnce<T>(synth: () => T): T {
  const validate = Object.getOwnPropertyDescriptor(Node.prototype, 'validate')!;
  const statics = App as unknown as { _synthChart?: (chart: Chart) => any[] };
  const synthChart = Object.getOwnPropertyDescriptor(statics, '_synthChart');
  Object.defineProperty(Node.prototype, 'validate', { ...validate, value: () => [] });
  if (typeof synthChart?.value === 'function') {
    Object.defineProperty(statics, '_synthChart', {
      ...synthChart,
      value: (chart: Chart) => new DependencyGraph(chart.node).topology()
        .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart)
        .map((x) => x.toJson()),
    });
  }
  try {
    return synth();
  } finally {
    Object.defineProperty(Node.prototype, 'validate', validate);
    if (synthChart !== undefined) {
      Object.defineProperty(statics, '_synthChart', synthChart);
    }
  }
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
