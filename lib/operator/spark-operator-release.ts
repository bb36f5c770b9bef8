import * as kplus from 'cdk8s-plus-30';
import { registerAppChecks } from '../core/app';
import { Construct, IConstruct } from 'constructs';
import { stringify } from 'yaml';
import { HelmChart } from '../../imports/helm.cattle.io';
import { Problems } from '../core/problems';
import { SparkOperatorValues, unknownValuePaths } from './spark-operator-values';
import { TenantNamespace } from '../tenancy/tenant-namespace';

/** Where the Kubeflow Spark Operator chart is published. */
export const SPARK_OPERATOR_CHART_REPO = 'https://kubeflow.github.io/spark-operator';
/** The chart version the typed values describe. */
export const SPARK_OPERATOR_CHART_VERSION = '2.3.0';

export interface SparkOperatorReleaseProps {
  /** The tenants whose namespaces the operator watches; `spark.jobNamespaces` is derived from them. */
  readonly tenants: TenantNamespace[];
  /**
   * Chart version. The typed values describe 2.3.0; another version is at your own risk.
   * @default '2.3.0'
   */
  readonly version?: string;
  /**
   * Helm release name; the chart names its Deployments `<release>-controller` and `<release>-webhook`.
   * @default 'spark-operator'
   */
  readonly releaseName?: string;
  /**
   * Namespace the operator is installed into; the construct creates it.
   * @default 'spark-operator'
   */
  readonly namespace?: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * Chart values, merged over the platform defaults (webhook on, Prometheus metrics on 8080,
   * controller leader election on, controller requests 100m/300Mi and limits 1/1Gi, the chart's
   * per-namespace `spark-operator-spark` account and role off because each tenant has its own).
   * @default - the platform defaults
   */
  readonly values?: SparkOperatorValues;
  /**
   * Raw values for what the typed interface cannot express, merged last. Every key path must be
   * one chart 2.3.0 defines; an unknown key is a synth error naming the key.
   * @default - none
   */
  readonly rawValues?: Record<string, unknown>;
}

/** The defaults this platform sets over the chart's own. */
export const PLATFORM_OPERATOR_VALUES: SparkOperatorValues = {
  controller: {
    leaderElection: { enable: true },
    resources: {
      requests: { cpu: '100m', memory: '300Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
  },
  webhook: { enable: true },
  prometheus: { metrics: { enable: true, port: 8080 } },
  // Each tenant brings its own service account and role; the chart's would be unused.
  spark: { serviceAccount: { create: false }, rbac: { create: false } },
};

const RELEASES = Symbol.for('spark-platform.SparkOperatorRelease');

/**
 * The Kubeflow Spark Operator, installed by the k3s helm controller from a `HelmChart` object so
 * that `kubectl apply` installs it with no helm binary. It watches exactly the namespaces of the
 * tenants it is given.
 *
 * @see https://github.com/kubeflow/spark-operator/tree/v2.3.0/charts/spark-operator-chart
 * @see https://docs.k3s.io/helm
 */
export class SparkOperatorRelease extends Construct {
  /** The operator releases defined in the same app as `scope`. */
  public static releasesOf(scope: IConstruct): SparkOperatorRelease[] {
    const root = scope.node.root as IConstruct & { [RELEASES]?: SparkOperatorRelease[] };
    return root[RELEASES] ?? [];
  }

  /** The namespaces the operator watches, in the order of the tenants. */
  public readonly watchedNamespaces: string[];
  /** The namespace the operator runs in. */
  public readonly namespaceName: string;
  /** The Helm release name. */
  public readonly releaseName: string;
  /** The chart version. */
  public readonly version: string;
  /** The values as rendered into `valuesContent`. */
  public readonly values: Record<string, unknown>;
  /** The HelmChart object. */
  public readonly helmChart: HelmChart;
  private readonly watched: Set<string>;

  constructor(scope: Construct, id: string, props: SparkOperatorReleaseProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.releaseName = props.releaseName ?? 'spark-operator';
    this.namespaceName = props.namespace ?? 'spark-operator';
    this.version = props.version ?? SPARK_OPERATOR_CHART_VERSION;
    this.watchedNamespaces = props.tenants.map((t) => t.namespaceName);
    this.watched = new Set(this.watchedNamespaces);

    if (props.tenants.length === 0) {
      problems.add('tenants is empty: give the operator the TenantNamespace objects whose jobs it runs');
    }
    if (this.watched.size < this.watchedNamespaces.length) {
      const twice = this.watchedNamespaces.filter((ns, i) => this.watchedNamespaces.indexOf(ns) !== i);
      problems.add(`tenants lists namespace ${[...new Set(twice)].map((ns) => `"${ns}"`).join(', ')} more than once: pass each TenantNamespace once`);
    }
    // The typed values are checked too: a cast or a JavaScript caller can still pass any key.
    for (const [prop, values] of [['values', props.values], ['rawValues', props.rawValues]] as const) {
      if ((values?.spark as Record<string, unknown> | undefined)?.jobNamespaces !== undefined) {
        problems.add(`${prop} key spark.jobNamespaces is derived from the tenants given to SparkOperatorRelease: remove it and pass the TenantNamespace objects as tenants`);
      }
      for (const path of unknownValuePaths(values ?? {})) {
        problems.add(`${prop} key ${path} is not a value of chart spark-operator ${SPARK_OPERATOR_CHART_VERSION}: remove it or use a key from the chart's values.yaml`);
      }
    }

    const merged = deepMerge(deepMerge(PLATFORM_OPERATOR_VALUES, props.values ?? {}), props.rawValues ?? {});
    this.values = deepMerge(merged, { spark: { jobNamespaces: this.watchedNamespaces } });

    new kplus.Namespace(this, 'Namespace', { metadata: { name: this.namespaceName } });

    this.helmChart = new HelmChart(this, 'Resource', {
      metadata: { name: this.releaseName, namespace: props.helmChartNamespace ?? 'kube-system' },
      spec: {
        chart: 'spark-operator',
        repo: SPARK_OPERATOR_CHART_REPO,
        version: this.version,
        targetNamespace: this.namespaceName,
        valuesContent: stringify(this.values, { sortMapEntries: true }),
      },
    });

    const root = this.node.root as IConstruct & { [RELEASES]?: SparkOperatorRelease[] };
    root[RELEASES] = [...(root[RELEASES] ?? []), this];
  }

  /** Whether the operator watches the tenant's namespace. */
  public watches(tenant: TenantNamespace): boolean {
    return this.watched.has(tenant.namespaceName);
  }
}

function deepMerge(base: object, override: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
