import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, DependencyGraph, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { writeApplyPlan } from './apply-plan';
import { CHART_DELIVERY_CONTEXT, ChartDelivery } from './delivery';
import { ManifestFiles } from './manifest-files';
import { ObjectChecks } from './object-checks';
import { writeSynthReports } from './synth-reports';
import { documentYaml } from './yaml';

export { registerSynthReport } from './synth-reports';

/** The apps that run the whole-app checks as a validation of their root (plain cdk8s Apps). */
const CHECKED_APPS = new WeakSet<IConstruct>();

/**
 * Adds the whole-app checks (ObjectChecks: schemas, object identities, names, labels, image users)
 * to the app of `scope`, once per app. Every construct of the library calls it.
 *
 * A PlatformApp runs them itself, in its one pass over the objects. A plain cdk8s App gets them as
 * a validation of its root: cdk8s validates the root before every construct below it (in the order
 * of `node.findAll()`), so each validation pass first renders and checks every object, then reports
 * each problem through the validation of the construct that owns the object, which reads what its
 * own pass found.
 */
export function registerAppChecks(scope: IConstruct): void {
  const root = scope.node.root;
  if (root instanceof PlatformApp || CHECKED_APPS.has(root)) {
    return;
  }
  CHECKED_APPS.add(root);
  const hooked = new WeakSet<IConstruct>();
  let found = new Map<IConstruct, string[]>();
  root.node.addValidation({
    validate: () => {
      const checks = new ObjectChecks();
      for (const c of root.node.findAll()) {
        if (c instanceof ApiObject) {
          checks.check(c, c.toJson());
        }
      }
      found = checks.problems();
      for (const owner of found.keys()) {
        if (!hooked.has(owner)) {
          hooked.add(owner);
          owner.node.addValidation({ validate: () => found.get(owner) ?? [] });
        }
      }
      writeSynthReports(root);
      return [];
    },
  });
}

export interface PlatformAppProps extends AppProps {
  /**
   * How every Helm chart of the app reaches the cluster: k3s HelmChart objects, Flux HelmReleases or
   * Argo CD Applications. Everything that is not a chart is the same in every mode.
   * @default ChartDelivery.K3S_HELM_CHART
   */
  readonly chartDelivery?: ChartDelivery;
}

/** The charts of an app in the order cdk8s writes them, each with its own objects in cdk8s's order. */
interface SynthPlan {
  /** Every construct of the app, found once. */
  readonly all: IConstruct[];
  readonly charts: { readonly chart: Chart; readonly objects: ApiObject[] }[];
  /** Whether a chart depends on another, which makes cdk8s number the files in apply order. */
  readonly hasDependantCharts: boolean;
}

/**
 * A cdk8s App that synthesizes in one pass, on cdk8s's public API: it finds the constructs once,
 * resolves the dependencies once, and for each object in cdk8s's order takes its JSON
 * (`toJson()`), checks it with the whole-app checks, writes its YAML and appends it to its file;
 * then it validates every construct once (`node.validate()`), and only when the app is valid do
 * the files take their names. cdk8s's own `App.synth()` validates the app once in all and again for
 * every chart, and resolves the dependencies as often. The files, their names and their bytes are
 * cdk8s's, for every YamlOutputType. Its `chartDelivery` prop chooses how every Helm chart of the
 * app reaches the cluster (see ChartDelivery).
 */
export class PlatformApp extends App {
  /**
   * The context key that chooses how charts are delivered, for an app that is not a PlatformApp
   * (or a test): `app.node.setContext(PlatformApp.CHART_DELIVERY_CONTEXT, ChartDelivery.FLUX)`.
   */
  public static readonly CHART_DELIVERY_CONTEXT = CHART_DELIVERY_CONTEXT;

  /** Whether synth writes construct-metadata.json (cdk8s's own prop, which App does not expose). */
  private readonly recordsConstructMetadata: boolean;

  constructor(props: PlatformAppProps = {}) {
    super(props);
    if (props.chartDelivery !== undefined) {
      this.node.setContext(CHART_DELIVERY_CONTEXT, props.chartDelivery);
    }
    this.recordsConstructMetadata = props.recordConstructMetadata ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
  }

  public synth(): void {
    const plan = this.plan();
    const created = !fs.existsSync(this.outdir);
    fs.mkdirSync(this.outdir, { recursive: true });
    const files = new ManifestFiles(this.outdir);
    try {
      this.write(plan, files);
      files.commit();
    } catch (error) {
      files.discard();
      if (created) {
        fs.rmSync(this.outdir, { recursive: true, force: true });
      }
      throw error;
    }
    if (this.recordsConstructMetadata) {
      const resources: Record<string, { path: string }> = {};
      for (const { objects } of plan.charts) {
        for (const o of objects) {
          resources[o.name] = { path: o.node.path };
        }
      }
      fs.writeFileSync(path.join(this.outdir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources }));
    }
    writeSynthReports(this);
    writeApplyPlan(this, plan.all);
  }

  public synthYaml(): string {
    const documents: string[] = [];
    synthesize(this.plan(), () => undefined, (_o, _json, yaml) => documents.push(yaml));
    return documents.join('---\n');
  }

  /** Finds the constructs and resolves the dependencies, once. */
  private plan(): SynthPlan {
    const all = this.node.findAll();
    const hasDependantCharts = resolveDependencies(all);
    if (all.every((c) => c.node.dependencies.length === 0)) {
      // Without dependencies (and so without nested charts), cdk8s's order is the tree's.
      const charts = new Map<Chart, ApiObject[]>();
      for (const c of all) {
        if (c instanceof Chart) {
          charts.set(c, []);
        } else if (c instanceof ApiObject) {
          charts.get(Chart.of(c))?.push(c);
        }
      }
      return { all, hasDependantCharts, charts: [...charts].map(([chart, objects]) => ({ chart, objects })) };
    }
    const charts = this.charts.map((chart) => ({
      chart,
      objects: new DependencyGraph(chart.node).topology().filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === chart),
    }));
    return { all, hasDependantCharts, charts };
  }

  /** Writes every object to its file as cdk8s names them for the app's YamlOutputType. */
  private write(plan: SynthPlan, files: ManifestFiles): void {
    const ext = this.outputFileExtension;
    const chartName = (index: number, chart: Chart) => (plan.hasDependantCharts ? `${String(index).padStart(4, '0')}-` : '') + Names.toDnsLabel(chart);
    const resourceName = (json: any) => `${json.kind}.${json.metadata?.name}`.replace(/[^0-9a-zA-Z-_.]/g, '') + ext;
    const charts = plan.charts.map(({ chart }) => chart);
    switch (this.yamlOutputType) {
      case YamlOutputType.FILE_PER_APP:
        if (charts.length > 0) {
          files.start(`app${ext}`);
        }
        return synthesize(plan, () => undefined, (_o, _json, yaml) => files.append(yaml));
      case YamlOutputType.FILE_PER_CHART:
        return synthesize(plan, (chart) => files.start(chartName(charts.indexOf(chart), chart) + ext), (_o, _json, yaml) => files.append(yaml));
      case YamlOutputType.FILE_PER_RESOURCE:
        return synthesize(plan, () => undefined, (_o, json, yaml) => {
          files.start(resourceName(json));
          files.append(yaml);
        });
      case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE: {
        let folder = '';
        return synthesize(plan, (chart) => {
          folder = chartName(charts.indexOf(chart), chart);
          files.folder(folder);
        }, (_o, json, yaml) => {
          files.start(path.join(folder, resourceName(json)));
          files.append(yaml);
        });
      }
      default:
        return synthesize(plan, () => undefined, () => undefined);
    }
  }
}

/**
 * The one pass of a synth: for each chart in order (`startChart`), for each of its objects, its
 * JSON, the whole-app checks and its YAML (`each`); then every construct's validation, once. Throws
 * with every problem, each under its construct's path, as cdk8s does.
 */
function synthesize(plan: SynthPlan, startChart: (chart: Chart) => void, each: (o: ApiObject, json: any, yaml: string) => void): void {
  const checks = new ObjectChecks();
  for (const { chart, objects } of plan.charts) {
    startChart(chart);
    for (const o of objects) {
      const json = o.toJson();
      checks.check(o, json);
      each(o, json, documentYaml(json));
    }
  }
  const problems = checks.problems();
  const errors: string[] = [];
  for (const c of plan.all) {
    for (const e of [...c.node.validate(), ...(problems.get(c) ?? [])]) {
      errors.push(`[${c.node.path}] ${e}`);
    }
  }
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

/**
 * Makes the dependencies cdk8s's synth makes before it orders anything: a chart depends on the
 * charts nested in it, a chart on the charts its constructs' dependencies are in, and every object
 * of a construct that depends on another on every object of that other in its chart. Returns whether
 * any chart depends on another.
 */
function resolveDependencies(all: IConstruct[]): boolean {
  let hasDependantCharts = false;
  for (const parent of all) {
    if (parent instanceof Chart) {
      for (const child of parent.node.children) {
        if (child instanceof Chart) {
          parent.node.addDependency(child);
          hasDependantCharts = true;
        }
      }
    }
  }
  const dependencies = () => all.flatMap((source) => source.node.dependencies.map((target) => ({ source, target })));
  for (const { source, target } of dependencies()) {
    if (Chart.of(source) !== Chart.of(target)) {
      Chart.of(source).node.addDependency(Chart.of(target));
      hasDependantCharts = true;
    }
  }
  for (const { source, target } of dependencies()) {
    const objectsOf = (c: IConstruct) => c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === Chart.of(c));
    const targets = objectsOf(target);
    for (const s of objectsOf(source)) {
      for (const t of targets) {
        if (s !== t) {
          s.node.addDependency(t);
        }
      }
    }
  }
  return hasDependantCharts;
}
