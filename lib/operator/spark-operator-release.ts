import { k8s } from 'cdk8s-plus-30';
import { Construct, IConstruct } from 'constructs';
import { HelmChart } from '../../imports/helm.cattle.io';
import { declareApplySteps } from '../core/apply-plan';
import { chartValuesProblems } from '../core/schema';
import { ChartRelease, deepMerge } from '../helm/chart-release';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { ApiServerEndpoint, apiServerProblems, ingressPolicySpec, ingressProblems, K3D_API_SERVER_ENDPOINTS, TenantIngressRule } from '../tenancy/tenant-network';
import { SparkOperatorValues, unknownValuePaths } from './spark-operator-values';
import { TenantAdmissionPolicy } from './tenant-admission-policy';
import { apiServerEgress, dnsEgress, tcpPorts } from '../core/network-policy-kit';
import { PlatformAddon } from '../core/platform-addon';
import { ConstructIndex } from '../core/construct-index';

/** Where the Kubeflow Spark Operator chart is published. */
export const SPARK_OPERATOR_CHART_REPO = 'https://kubeflow.github.io/spark-operator';
/** The chart version the typed values describe. */
export const SPARK_OPERATOR_CHART_VERSION = '2.3.0';
/** The Spark version of the operator's image, whose spark-submit submits every application. */
export const SPARK_OPERATOR_SPARK_VERSION = '4.0.0';

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
   * Namespace the operator is installed into; the construct creates it at the Pod Security level
   * `restricted`, isolated by NetworkPolicies.
   * @default 'spark-operator'
   */
  readonly namespace?: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job (k3s
   * HelmChart delivery only).
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * Where the operator reaches the Kubernetes API server, its only destination.
   * @default K3D_API_SERVER_ENDPOINTS
   */
  readonly apiServer?: ApiServerEndpoint[];
  /**
   * Chart values, merged over SparkOperatorRelease.PLATFORM_VALUES.
   * @default - the platform defaults
   */
  readonly values?: SparkOperatorValues;
  /**
   * Raw values for what the typed interface cannot express, merged last. Every key path must be
   * one chart 2.3.0 defines and every value of the chart's type; otherwise synth fails naming it.
   * @default - none
   */
  readonly rawValues?: Record<string, unknown>;
}

/**
 * The defaults this platform sets over the chart's own: the webhook on, with two replicas spread
 * over nodes and a PodDisruptionBudget, so that SparkApplications are admitted while one replica is
 * down; Prometheus metrics on 8080; controller leader election; controller requests and limits;
 * and the chart's per-namespace `spark-operator-spark` account and role off, because each tenant
 * has its own.
 */
export const PLATFORM_OPERATOR_VALUES: SparkOperatorValues = {
  controller: {
    leaderElection: { enable: true },
    resources: {
      requests: { cpu: '100m', memory: '300Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
  },
  webhook: {
    enable: true,
    replicas: 2,
    podDisruptionBudget: { enable: true, minAvailable: 1 },
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/component': 'webhook' } },
          },
        }],
      },
    },
    resources: {
      requests: { cpu: '50m', memory: '100Mi' },
      limits: { cpu: '500m', memory: '300Mi' },
    },
  },
  prometheus: { metrics: { enable: true, port: 8080 } },
  spark: { serviceAccount: { create: false }, rbac: { create: false } },
};

/** The operator releases of each app, under its root (SparkOperatorRelease.releasesOf). */
const RELEASES = new ConstructIndex<SparkOperatorRelease>();

/**
 * The Kubeflow Spark Operator, released through a ChartRelease in the app's delivery mode: by
 * default installed by the k3s helm controller from a `HelmChart` object so that `kubectl apply`
 * installs it with no helm binary, or as a Flux HelmRelease or an Argo CD Application. It watches exactly the namespaces of the
 * tenants it is given, runs in its own namespace at the Pod Security level `restricted` with
 * NetworkPolicies that let it reach only the API server (and the API server reach its webhook), and
 * comes with the TenantAdmissionPolicy that stops any tenant from steering its controller.
 *
 * @see https://github.com/kubeflow/spark-operator/tree/v2.3.0/charts/spark-operator-chart
 * @see https://docs.k3s.io/helm
 */
export class SparkOperatorRelease extends PlatformAddon {
  /** The chart version the typed values describe, the default of `chartVersion`. */
  public static readonly CHART_VERSION = SPARK_OPERATOR_CHART_VERSION;
  /** The chart repository, the default of `chartRepo`. */
  public static readonly CHART_REPO = SPARK_OPERATOR_CHART_REPO;
  /** The Spark version of the operator's release, which a job's sparkVersion defaults to. */
  public static readonly SPARK_VERSION = SPARK_OPERATOR_SPARK_VERSION;
  /** The platform's chart values, under `values` and `rawValues`. */
  public static readonly PLATFORM_VALUES = PLATFORM_OPERATOR_VALUES;

  /**
   * The operator releases defined in the same app as `scope`, in the order they were made; two apps
   * in one process never see each other's.
   */
  public static releasesOf(scope: IConstruct): SparkOperatorRelease[] {
    return RELEASES.get(scope.node.root);
  }

  /** The namespaces the operator watches, in the order of the tenants. */
  public readonly watchedNamespaces: string[];
  /** The tenants the operator watches. */
  public readonly tenants: readonly TenantNamespace[];
  /** The Helm release name. */
  public readonly releaseName: string;
  /** The chart's name for its objects: the release name, or `<release>-spark-operator`. */
  public readonly fullName: string;
  /** The user name of the controller's service account, which runs spark-submit for every tenant. */
  public readonly controllerUser: string;
  /** The chart version. */
  public readonly version: string;
  /** The chart release. */
  public readonly release: ChartRelease;
  /** The HelmChart object, when the app delivers charts as k3s HelmCharts (the default); see `release` for the others. */
  public readonly helmChart?: HelmChart;
  /** The admission policy that holds tenants to what they may ask of the operator. */
  public readonly admissionPolicy: TenantAdmissionPolicy;
  private readonly watched: Set<string>;
  private readonly props: SparkOperatorReleaseProps;
  private readonly addedValues: { readonly source: string; readonly values: SparkOperatorValues }[] = [];

  constructor(scope: Construct, id: string, props: SparkOperatorReleaseProps) {
    super(scope, id, { namespace: props.namespace ?? 'spark-operator', owner: "the operator's own namespace", suggestion: 'spark-operator' });
    RELEASES.add(this.node.root, this);
    const problems = this.problems;
    this.props = props;
    this.releaseName = props.releaseName ?? 'spark-operator';
    this.version = props.version ?? SPARK_OPERATOR_CHART_VERSION;
    this.tenants = [...props.tenants];
    this.watchedNamespaces = props.tenants.map((t) => t.namespaceName);
    this.watched = new Set(this.watchedNamespaces);
    this.fullName = this.releaseName.includes('spark-operator') ? this.releaseName : `${this.releaseName}-spark-operator`;
    this.controllerUser = `system:serviceaccount:${this.namespaceName}:${this.fullName}-controller`;
    const helmChartNamespace = props.helmChartNamespace ?? 'kube-system';
    const apiServer = props.apiServer ?? K3D_API_SERVER_ENDPOINTS;

    if (props.tenants.length === 0) {
      problems.add('tenants is empty: give the operator the TenantNamespace objects whose jobs it runs');
    }
    // The same tenant twice; two tenants of one namespace are reported by the app's duplicate-object check.
    const twice = props.tenants.filter((t, i) => props.tenants.indexOf(t) !== i).map((t) => t.namespaceName);
    if (twice.length > 0) {
      problems.add(`tenants lists namespace ${[...new Set(twice)].map((ns) => `"${ns}"`).join(', ')} more than once: pass each TenantNamespace once`);
    }
    // Recorded now rather than with the app's checks, so that the operator's Namespace object, which
    // duplicates the tenant's, is not reported again as a duplicate: this is the one cause.
    for (const tenant of props.tenants.filter((t) => t.namespaceName === this.namespaceName)) {
      problems.add(`tenant ${tenant.namespaceName} is the operator's own namespace: the operator would run under the tenant's quota and policies, and the tenant beside the operator's credentials; give the tenant or the operator another namespace`);
    }
    problems.addAll(apiServerProblems(apiServer, 'apiServer'));
    // The typed values are checked too: a cast or a JavaScript caller can still pass any key.
    for (const [prop, values] of [['values', props.values], ['rawValues', props.rawValues]] as const) {
      if ((values?.spark as Record<string, unknown> | undefined)?.jobNamespaces !== undefined) {
        problems.add(`${prop} key spark.jobNamespaces is derived from the tenants given to SparkOperatorRelease: remove it and pass the TenantNamespace objects as tenants`);
      }
      for (const path of unknownValuePaths(values ?? {})) {
        problems.add(`${prop} key ${path} is not a value of chart spark-operator ${SPARK_OPERATOR_CHART_VERSION}: remove it or use a key from the chart's values.yaml`);
      }
    }

    this.addRestrictedNamespace();
    this.isolate(apiServer);

    this.release = new ChartRelease(this, 'Resource', {
      chart: 'spark-operator',
      repo: SPARK_OPERATOR_CHART_REPO,
      version: this.version,
      releaseName: this.releaseName,
      namespace: this.namespaceName,
      helmChartNamespace,
      values: () => this.values,
      valuesVersion: SPARK_OPERATOR_CHART_VERSION,
    });
    this.helmChart = this.release.helmChart;

    this.admissionPolicy = new TenantAdmissionPolicy(this, 'AdmissionPolicy', {
      controllerUser: this.controllerUser,
      namespaces: this.watchedNamespaces,
      namePrefix: `${this.fullName}-tenant`,
    });

    this.node.addValidation({ validate: () => this.appProblems() });
    // The apply plan: the SparkApplication kind exists once the chart installed its CRD, and the
    // operator's webhook (failurePolicy Fail) rejects applications until it serves.
    const deployment = (component: string) => ({
      type: 'condition' as const, resource: 'deployment', namespace: this.namespaceName, name: `${this.fullName}-${component}`, condition: 'Available', timeout: 'OPERATOR_TIMEOUT' as const,
    });
    declareApplySteps(this, {
      readiness: {
        phase: 'operator',
        title: 'waiting for the Spark Operator',
        when: 'before-jobs',
        waits: [
          { type: 'condition', resource: 'customresourcedefinition', name: 'sparkapplications.sparkoperator.k8s.io', condition: 'Established', timeout: 'CRD_TIMEOUT' },
          deployment('controller'),
          deployment('webhook'),
        ],
      },
      operator: { namespace: this.namespaceName, name: this.fullName },
    });
  }

  /**
   * The values as rendered into `valuesContent`: the platform defaults, `values`, the values that
   * add-ons added, `rawValues`, and the watched namespaces.
   */
  public get values(): Record<string, unknown> {
    let merged = deepMerge(PLATFORM_OPERATOR_VALUES, this.props.values ?? {});
    for (const added of this.addedValues) {
      merged = deepMerge(merged, added.values);
    }
    merged = deepMerge(merged, this.props.rawValues ?? {});
    return deepMerge(merged, { spark: { jobNamespaces: this.watchedNamespaces } });
  }

  /**
   * Merges values into the release, after `values` and before `rawValues`; add-ons use it to turn
   * on what they need of the operator (for example its batch scheduler).
   * @param source names who adds them, in problems
   */
  public addValues(source: string, values: SparkOperatorValues): void {
    for (const path of unknownValuePaths(values)) {
      this.problems.add(`${source} adds values key ${path}, which chart spark-operator ${SPARK_OPERATOR_CHART_VERSION} does not have`);
    }
    this.addedValues.push({ source, values });
  }

  /**
   * Lets pods of another namespace connect to some of the operator's pods on some ports, as one
   * NetworkPolicy `<fullName>-<name>` in the operator's namespace; add-ons use it, for example, to
   * let Prometheus scrape the operator's metrics. `toPodLabels` selects among the operator's pods
   * (every pod of its namespace when unset).
   * @param name names the policy, for example `allow-metrics-scrape`
   */
  public allowIngress(name: string, rule: TenantIngressRule): void {
    this.problems.addAll(ingressProblems(rule, name));
    this.namespacePolicies(this.fullName).allow(`Policy-${name}`, name, ingressPolicySpec(rule));
  }

  /** Whether the operator watches the tenant's namespace. */
  public watches(tenant: TenantNamespace): boolean {
    return this.watched.has(tenant.namespaceName);
  }

  /**
   * Keeps the operator's pods to what they need: both reach the API server and DNS; the API server
   * reaches the webhook on 9443; the kubelet probes both on 8081. Nothing else comes in or goes out
   * but what add-ons open with allowIngress.
   */
  private isolate(apiServer: ApiServerEndpoint[]): void {
    const policies = this.namespacePolicies(this.fullName);
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => policies.allow(id, name, spec);
    policies.defaultDeny();
    policy('AllowApiServer', 'allow-apiserver', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [...apiServerEgress(apiServer), dnsEgress()],
    });
    // The API server calls admission webhooks from the node it runs on, an address that depends on
    // the CNI (a node address, or the node's overlay address); the webhook authenticates itself
    // with TLS, and tenants' own policies keep their pods from it.
    policy('AllowWebhook', 'allow-webhook', {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/component': 'webhook' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: tcpPorts(9443) }],
    });
    policy('AllowProbes', 'allow-probes', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ ports: tcpPorts(8081) }],
    });
  }

  /** What needs the whole app: the values with add-ons', one operator per namespace and per tenant. */
  private appProblems(): string[] {
    const problems: string[] = [];
    if (unknownValuePaths(this.props.rawValues ?? {}).length === 0 && unknownValuePaths(this.props.values ?? {}).length === 0) {
      problems.push(...chartValuesProblems('spark-operator', this.values, 'values'));
      problems.push(...disruptionBudgetProblems(this.values));
    }
    const others = SparkOperatorRelease.releasesOf(this).filter((r) => r !== this);
    for (const tenant of this.tenants) {
      const watching = others.filter((r) => r.watches(tenant));
      if (watching.length > 0) {
        problems.push(`namespace ${tenant.namespaceName} is also watched by the operator at ${watching.map((o) => o.node.path).join(', ')}: two operators would both submit its applications and race on their status; let one operator watch each tenant`);
      }
    }
    for (const other of others.filter((r) => r.namespaceName === this.namespaceName)) {
      problems.push(`namespace ${this.namespaceName} is also the namespace of the operator at ${other.node.path}: give each operator release its own namespace`);
    }
    return problems;
  }
}

/**
 * The chart's own refusal of a PodDisruptionBudget for a single replica: charts/spark-operator-chart/
 * templates/{controller,webhook}/poddisruptionbudget.yaml (v2.3.0) `fail` with
 * "<component>.replicas must be greater than 1 to enable pod disruption budget" when
 * `podDisruptionBudget.enable` is set and `replicas` is 1 or less (the chart's default is 1,
 * values.yaml lines 61 and 252), so the release never installs.
 */
function disruptionBudgetProblems(values: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const component of ['controller', 'webhook'] as const) {
    const replicas = values[component]?.replicas ?? 1;
    // No replica at all is reported with every chart's values (workload-values.ts).
    if (values[component]?.podDisruptionBudget?.enable === true && typeof replicas === 'number' && replicas === 1) {
      problems.push(`values ${component}.replicas ${replicas} with ${component}.podDisruptionBudget.enable true is refused by the chart ("${component}.replicas must be greater than 1 to enable pod disruption budget"), so the release never installs: set ${component}.replicas to 2 or more, or ${component}.podDisruptionBudget.enable to false`);
    }
  }
  return problems;
}
