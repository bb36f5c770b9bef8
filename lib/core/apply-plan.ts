import * as fs from 'fs';
import { ApiObject, App, Chart, Names } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The apply plan: how a synthesized app goes onto a cluster, written by spark-platform-synth beside
 * the output folder (`dist.plan.json` beside `dist/`) and carried out by `npm run cluster:apply`.
 * The constructs that start something the next step needs declare it with `declareApplySteps`, in
 * their constructor; the plan gathers the declarations per file. It names Secrets to generate, never
 * their values.
 */
export interface ApplyPlan {
  /** The format of this plan. */
  readonly version: 1;
  /** The files of the output folder, in apply order (name order). */
  readonly files: PlanFile[];
  /** The readiness steps that wait for the whole platform, in file order of their constructs. */
  readonly readiness: ReadinessStep[];
  /** The SparkApplications the apply follows to a final state, in file order. */
  readonly applications: ObjectRef[];
  /** The data pipelines' loading Jobs and SparkApplications, in file order. */
  readonly pipelines: PipelineStep[];
  /** The Spark operator the hints point at, when the app has one. */
  readonly operator?: ObjectRef;
  /** The Grafana Service whose admin Secret has the same name, when the app has the monitoring stack. */
  readonly grafana?: ObjectRef;
  /** The Spark History Servers' Services, which the teams open with a port-forward. */
  readonly historyServers: ServiceRef[];
}

/** A Service and its port. */
export interface ServiceRef extends ObjectRef {
  readonly port: number;
}

/** A namespaced object. */
export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

/** The environment variables that bound the waits, in seconds. */
export type ApplyTimeout = 'HELM_JOB_TIMEOUT' | 'CRD_TIMEOUT' | 'OPERATOR_TIMEOUT' | 'MONITORING_TIMEOUT' | 'VOLCANO_TIMEOUT' | 'WORKLOAD_TIMEOUT' | 'JOB_TIMEOUT';

/** `kubectl wait --for=condition=<condition>` (or `--for=<condition>` when it holds `=`), once the object exists. */
export interface ConditionWait {
  readonly type: 'condition';
  /** The resource as kubectl names it: deployment, customresourcedefinition, helmreleases.helm.toolkit.fluxcd.io. */
  readonly resource: string;
  /** Undefined for a cluster-scoped object. */
  readonly namespace?: string;
  readonly name: string;
  /** A condition type (Available), or a whole --for expression (jsonpath={.status.readyReplicas}=1). */
  readonly condition: string;
  readonly timeout: ApplyTimeout;
}

/** A Job polled until it is Complete; its Failed condition is final. */
export interface JobWait {
  readonly type: 'job';
  readonly namespace: string;
  readonly name: string;
  readonly timeout: ApplyTimeout;
  /** What the Job does, for the progress line. */
  readonly what: string;
  /** What its failure means. */
  readonly failed: string;
  /** The hint for a Job that never appears. */
  readonly absentHint: string;
}

export type ApplyWait = ConditionWait | JobWait;

/** Waits that run together under one phase name. */
export interface ReadinessStep {
  /** The phase the progress lines and a failure name. */
  readonly phase: string;
  /** The line that starts the phase; none for a step that runs inside its file's phase. */
  readonly title?: string;
  /**
   * When the step runs: right after its file is applied and its charts are installed, before the
   * custom resources that waited for their CRD are applied again, or before the Spark jobs.
   */
  readonly when: 'after-file' | 'before-custom-resources' | 'before-jobs';
  readonly waits: ApplyWait[];
  /** Print how to open Grafana once the step is done. */
  readonly grafanaHowto?: boolean;
}

/**
 * A Secret that the apply creates with random keys unless it exists, and copies into a second Secret
 * (the same keys for the other side, such as the object store's identities).
 */
export interface GeneratedSecret {
  readonly namespace: string;
  readonly name: string;
  /** The data keys: the first gets 10 random bytes as upper-case hex, the others 20 as hex. */
  readonly keys: string[];
  readonly copy: ObjectRef;
}

/** A data pipeline's loading Job or SparkApplication. */
export interface PipelineStep extends ObjectRef {
  readonly pipeline: string;
  readonly kind: 'Job' | 'SparkApplication';
}

/** One file of the output folder and what applying it starts. */
export interface PlanFile {
  /** The file name, e.g. 0001-object-storage.k8s.yaml. */
  readonly file: string;
  /** `jobs` when the file holds SparkApplications: it is applied once the operator serves. */
  readonly stage: 'platform' | 'jobs';
  /** The namespace of the file's first namespaced object, for the hints. */
  readonly namespace?: string;
  /** The Secrets to generate after the file's Namespaces and before the rest of it. */
  readonly secrets: GeneratedSecret[];
  /** The installs of the file's chart releases. */
  readonly releases: ApplyWait[];
  /** The steps of the file's constructs that run right after it. */
  readonly readiness: ReadinessStep[];
  /** The file's Jobs, waited for to complete (platform files only). */
  readonly jobs: ObjectRef[];
  /** The file's Deployments, waited for to be available (platform files only). */
  readonly deployments: ObjectRef[];
}

/** What one construct declares for the apply. */
export interface ApplySteps {
  /** How the construct's chart release is installed (ChartRelease). */
  readonly release?: ApplyWait;
  readonly readiness?: ReadinessStep;
  readonly secrets?: GeneratedSecret[];
  readonly pipeline?: PipelineStep;
  readonly operator?: ObjectRef;
  readonly grafana?: ObjectRef;
  readonly historyServer?: ServiceRef;
}

const APPLY_STEPS = 'spark-platform.io/apply-steps';

/** Declares what applying `scope` starts and waits for; read by `applyPlan`. */
export function declareApplySteps(scope: IConstruct, steps: ApplySteps): void {
  scope.node.addMetadata(APPLY_STEPS, steps);
}

/** The apply plan of `app`: one entry per chart with objects, in file order. */
export function applyPlan(app: App, all: IConstruct[] = app.node.findAll()): ApplyPlan {
  const byChart = new Map<Chart, { objects: ApiObject[]; steps: ApplySteps[] }>();
  const entry = (c: IConstruct) => {
    const chart = Chart.of(c);
    const found = byChart.get(chart) ?? { objects: [], steps: [] };
    byChart.set(chart, found);
    return found;
  };
  for (const c of all) {
    if (c instanceof ApiObject) {
      entry(c).objects.push(c);
    }
    const steps = c.node.metadata.filter((m) => m.type === APPLY_STEPS).map((m) => m.data as ApplySteps);
    if (steps.length > 0) {
      entry(c).steps.push(...steps);
    }
  }
  const charts = [...byChart.entries()]
    .filter(([, found]) => found.objects.length > 0)
    .map(([chart, found]) => ({ file: `${Names.toDnsLabel(chart)}${app.outputFileExtension}`, ...found }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  const refs = (objects: ApiObject[], kind: string) =>
    objects.filter((o) => o.kind === kind).map((o) => ({ namespace: o.metadata.namespace ?? 'default', name: o.name }));
  const files = charts.map(({ file, objects, steps }): PlanFile => {
    const stage = objects.some((o) => o.kind === 'SparkApplication') ? 'jobs' : 'platform';
    return {
      file,
      stage,
      namespace: objects.find((o) => o.metadata.namespace !== undefined)?.metadata.namespace,
      secrets: steps.flatMap((s) => s.secrets ?? []),
      releases: steps.flatMap((s) => (s.release ? [s.release] : [])),
      readiness: steps.flatMap((s) => (s.readiness?.when === 'after-file' ? [s.readiness] : [])),
      jobs: stage === 'platform' ? refs(objects, 'Job') : [],
      deployments: stage === 'platform' ? refs(objects, 'Deployment') : [],
    };
  });
  const steps = charts.flatMap((c) => c.steps);
  return {
    version: 1,
    files,
    readiness: steps.flatMap((s) => (s.readiness && s.readiness.when !== 'after-file' ? [s.readiness] : [])),
    applications: charts.flatMap((c) => refs(c.objects, 'SparkApplication')),
    pipelines: steps.flatMap((s) => (s.pipeline ? [s.pipeline] : [])),
    operator: steps.find((s) => s.operator)?.operator,
    grafana: steps.find((s) => s.grafana)?.grafana,
    historyServers: steps.flatMap((s) => (s.historyServer ? [s.historyServer] : [])),
  };
}

/**
 * The environment variable that names the file a PlatformApp writes its apply plan to after a
 * successful synth. spark-platform-synth (scripts/synth.js) sets it, and moves the file beside the
 * output folder (`dist.plan.json`); when it is not set, no plan is written.
 */
export const APPLY_PLAN_FILE = 'SPARK_PLATFORM_APPLY_PLAN';

/** Writes the plan of `app` to the file APPLY_PLAN_FILE names, when it is set. */
export function writeApplyPlan(app: App, all: IConstruct[]): void {
  const file = process.env[APPLY_PLAN_FILE];
  if (file === undefined || file === '') {
    return;
  }
  fs.writeFileSync(file, `${JSON.stringify(applyPlan(app, all), null, 2)}\n`);
}
