import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { HelmChart } from '../../../imports/helm.cattle.io';
import { PodMonitor } from '../../../imports/monitoring-monitoring.coreos.com';
import { declareApplySteps } from '../../core/apply-plan';
import { Problems } from '../../core/problems';
import { monitorSelectionProblems } from './monitor-selection';
import { ChartRelease, deepMerge } from '../../helm/chart-release';
import { SparkOperatorRelease } from '../../operator/spark-operator-release';
import { SPARK_ROLE_LABEL } from '../../tenancy/tenant-namespace';
import { ApiServerEndpoint, apiServerProblems, cidrProblem, K3D_API_SERVER_ENDPOINTS } from '../../tenancy/tenant-network';
import { addSparkJobDefaults } from '../../jobs/spark-job-defaults';
import { operatorDashboard, PROMETHEUS_DATASOURCE_UID, quotaDashboard, sparkJobsDashboard } from './dashboards';
import { GrafanaDashboard } from './grafana-dashboard';
import {
  SPARK_DRIVER_METRICS_PATH,
  SPARK_EXECUTOR_METRICS_PATH,
  SPARK_PROMETHEUS_CONF,
  SPARK_UI_PORT,
} from './platform-metrics';
import { apiServerEgress, dnsEgress, kubeDnsPeer, tcpPorts } from '../../core/network-policy-kit';
import { PlatformAddon } from '../../core/platform-addon';

/** Where the kube-prometheus-stack chart is published. */
export const KUBE_PROMETHEUS_STACK_CHART_REPO = 'https://prometheus-community.github.io/helm-charts';
/** The kube-prometheus-stack chart version whose values the platform sets (and the values schema describes). */
export const KUBE_PROMETHEUS_STACK_CHART_VERSION = '88.5.3';
/**
 * The node network of the k3d cluster of k3d/k3d-config.yaml (`subnet`), where Prometheus reaches
 * the kubelets on 10250 for their container metrics.
 */
export const K3D_NODE_CIDR = '172.28.0.0/16';
/** The kubelet's port, where Prometheus scrapes the containers' metrics (cAdvisor). */
const KUBELET_PORT = 10250;
/** The ports of the stack's own pods. */
const PROMETHEUS_PORT = 9090;
const CONFIG_RELOADER_PORT = 8080;
const PROMETHEUS_OPERATOR_PORT = 8080;
const KUBE_STATE_METRICS_PORT = 8080;
const GRAFANA_PORT = 3000;
const COREDNS_METRICS_PORT = 9153;

export interface PlatformMonitoringProps {
  /**
   * The Spark Operator: its metrics are scraped with the chart's own PodMonitor, and the Spark
   * drivers of every tenant it watches with one PodMonitor per tenant.
   */
  readonly operator: SparkOperatorRelease;
  /**
   * Namespace of the stack (Prometheus, its operator, Grafana, kube-state-metrics); the construct
   * creates it at the Pod Security level `restricted`, isolated by NetworkPolicies.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Helm release name of kube-prometheus-stack.
   * @default 'kube-prometheus-stack'
   */
  readonly releaseName?: string;
  /**
   * Chart version; the values are checked against 88.5.3's.
   * @default '88.5.3'
   */
  readonly version?: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * Where the stack's pods reach the Kubernetes API server (they watch it) and Prometheus scrapes it.
   * @default K3D_API_SERVER_ENDPOINTS
   */
  readonly apiServer?: ApiServerEndpoint[];
  /**
   * The nodes' address range, where Prometheus scrapes the kubelets on 10250.
   * @default K3D_NODE_CIDR ('172.28.0.0/16')
   */
  readonly nodeCidr?: string;
  /**
   * How long Prometheus keeps samples (its `retention`), for example `1d` or `12h`.
   * @default '1d'
   */
  readonly retention?: string;
  /**
   * Chart values merged over the platform's, checked against the chart's values.yaml at synth.
   * @default - none
   */
  readonly values?: Record<string, unknown>;
}

const RETENTION = /^[0-9]+(ms|s|m|h|d|w|y)$/;

/**
 * Prometheus and Grafana for the platform, from the kube-prometheus-stack chart trimmed for a
 * laptop k3d cluster, with the Spark Operator's metrics, every Spark driver's and executor's
 * metrics (Spark's PrometheusServlet on the driver UI port), the tenants' quota use, and Grafana
 * dashboards for all three. It changes the platform only through the add-on extension points: the
 * operator's values and ingress, the tenants' ingress and their jobs' Spark confs.
 *
 * The stack runs in its own namespace at the Pod Security level `restricted` (node-exporter, which
 * needs the host's network and PID namespace, is off), behind NetworkPolicies that let Prometheus
 * reach exactly its targets. Grafana's admin password is generated in the cluster by the Grafana
 * chart at install time (Secret `<release>-grafana`); nothing secret is in the manifests.
 *
 * @see https://github.com/prometheus-community/helm-charts/tree/kube-prometheus-stack-88.5.3/charts/kube-prometheus-stack
 */
export class PlatformMonitoring extends PlatformAddon {
  /** The Helm release name. */
  public readonly releaseName: string;
  /** The chart release. */
  public readonly release: ChartRelease;
  /** The HelmChart object, when the chart is delivered by the k3s helm controller. */
  public readonly helmChart?: HelmChart;
  /** The labels of the Prometheus pods, the scraper that tenants and the operator let in. */
  public readonly prometheusPodLabels: Readonly<Record<string, string>>;
  /** The Grafana Service (port 80), for `kubectl port-forward`. */
  public readonly grafanaServiceName: string;
  /** The Secret holding Grafana's generated admin credentials (keys `admin-user`, `admin-password`). */
  public readonly grafanaSecretName: string;
  /** The PodMonitors of the tenants' Spark drivers, one per tenant. */
  public readonly driverPodMonitors: readonly PodMonitor[];
  /** The dashboards. */
  public readonly dashboards: readonly GrafanaDashboard[];
  /** The port of the operator's metrics that its namespace admits Prometheus to. */
  public readonly operatorMetricsPort: number;
  private readonly props: PlatformMonitoringProps;
  private readonly operator: SparkOperatorRelease;
  private readonly retention: string;

  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id, { namespace: props.namespace ?? 'monitoring', owner: "the stack's namespace", suggestion: 'monitoring' });
    const problems = this.problems;
    this.props = props;
    this.operator = props.operator;
    this.releaseName = props.releaseName ?? 'kube-prometheus-stack';
    this.retention = props.retention ?? '1d';
    const apiServer = props.apiServer ?? K3D_API_SERVER_ENDPOINTS;
    const nodeCidr = props.nodeCidr ?? K3D_NODE_CIDR;
    const tenants = props.operator.tenants;
    const ns = this.namespaceName;

    if (ns === props.operator.namespaceName || tenants.some((t) => t.namespaceName === ns)) {
      problems.add(`namespace "${ns}" is the namespace of the operator or of a tenant: the stack would run under their policies and they beside Prometheus; give the stack a namespace of its own, for example "monitoring"`);
    }
    if (!RETENTION.test(this.retention)) {
      problems.add(`retention "${this.retention}" is not a Prometheus duration: use a number and a unit, for example "1d" or "12h"`);
    }
    problems.add(cidrProblem(nodeCidr, 'nodeCidr'));
    problems.addAll(apiServerProblems(apiServer, 'apiServer'));

    // The chart's names (kube-prometheus-stack _helpers.tpl, grafana _helpers.tpl): the full name is
    // the release name when it contains the chart's name, else `<release>-<chart>`, cut to 26.
    const fullName = (this.releaseName.includes('kube-prometheus-stack') ? this.releaseName : `${this.releaseName}-kube-prometheus-stack`).slice(0, 26).replace(/-+$/, '');
    this.grafanaServiceName = this.releaseName.includes('grafana') ? this.releaseName : `${this.releaseName}-grafana`;
    this.grafanaSecretName = this.grafanaServiceName;
    // The pods of the Prometheus custom resource `<fullname>-prometheus`, as the Prometheus operator
    // labels them (pkg/prometheus/server/operator.go makeSelectorLabels).
    this.prometheusPodLabels = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': `${fullName}-prometheus` };
    const pods = {
      prometheus: this.prometheusPodLabels,
      operator: { app: 'kube-prometheus-stack-operator', release: this.releaseName },
      grafana: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': this.releaseName },
      kubeStateMetrics: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': this.releaseName },
    };

    this.addRestrictedNamespace();

    this.release = new ChartRelease(this, 'Resource', {
      chart: 'kube-prometheus-stack',
      repo: KUBE_PROMETHEUS_STACK_CHART_REPO,
      version: props.version ?? KUBE_PROMETHEUS_STACK_CHART_VERSION,
      releaseName: this.releaseName,
      namespace: ns,
      helmChartNamespace: props.helmChartNamespace,
      values: () => this.values,
      valuesSchema: 'kube-prometheus-stack',
      valuesVersion: KUBE_PROMETHEUS_STACK_CHART_VERSION,
    });
    this.helmChart = this.release.helmChart;

    // The operator: its chart's own PodMonitor, labelled for this Prometheus, and its namespace
    // open to Prometheus on the metrics port and nothing else.
    const operatorMetrics = (props.operator.values.prometheus as { metrics?: { port?: number } } | undefined)?.metrics;
    this.operatorMetricsPort = operatorMetrics?.port ?? 8080;
    props.operator.addValues(this.node.path, {
      prometheus: { podMonitor: { create: true, labels: { release: this.releaseName }, podMetricsEndpoint: { scheme: 'http', interval: '15s' } } },
    });
    // The operator chart fails to render while the PodMonitor CRD is not served
    // (charts/spark-operator-chart/templates/prometheus/podmonitor.yaml:21-23 at v2.3.0).
    props.operator.release.addDependency(this.release);
    props.operator.allowIngress('allow-metrics-scrape', {
      fromNamespace: ns,
      fromPodLabels: { ...this.prometheusPodLabels },
      toPodLabels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/instance': props.operator.releaseName },
      ports: [this.operatorMetricsPort],
    });

    // Every tenant: its jobs expose their metrics on the driver UI port, Prometheus (and only
    // Prometheus) may reach its drivers there, and a PodMonitor scrapes them.
    const monitors: PodMonitor[] = [];
    for (const tenant of tenants) {
      // Two tenants of one namespace are reported by the app's duplicate-object check, and a refused
      // tenant where it was refused: neither gets a second PodMonitor that would only repeat that.
      if (Problems.inOrAbove(tenant) || this.node.tryFindChild(`Drivers-${tenant.namespaceName}`) !== undefined) {
        continue;
      }
      addSparkJobDefaults(tenant, this.node.path, { sparkConf: { ...SPARK_PROMETHEUS_CONF } });
      tenant.allowIngress('allow-metrics-scrape', {
        fromNamespace: ns,
        fromPodLabels: { ...this.prometheusPodLabels },
        toPodLabels: { [SPARK_ROLE_LABEL]: 'driver' },
        ports: [SPARK_UI_PORT],
      });
      // The SparkApplication's name, from the label the operator gives its driver, on every series.
      const relabelings = [{ sourceLabels: ['__meta_kubernetes_pod_label_sparkoperator_k8s_io_app_name'], targetLabel: 'spark_application' }];
      monitors.push(new PodMonitor(this, `Drivers-${tenant.namespaceName}`, {
        metadata: { name: `spark-drivers-${tenant.namespaceName}`, namespace: ns, labels: { release: this.releaseName } },
        spec: {
          selector: { matchLabels: { [SPARK_ROLE_LABEL]: 'driver' } },
          namespaceSelector: { matchNames: [tenant.namespaceName] },
          podMetricsEndpoints: [SPARK_DRIVER_METRICS_PATH, SPARK_EXECUTOR_METRICS_PATH].map((path) => ({
            portNumber: SPARK_UI_PORT,
            path,
            interval: '15s',
            relabelings,
          })),
        },
      }));
    }
    this.driverPodMonitors = monitors;

    const tenantNames = [...new Set(tenants.filter((t) => !Problems.inOrAbove(t)).map((t) => t.namespaceName))];
    this.dashboards = [operatorDashboard(props.operator.namespaceName), sparkJobsDashboard(tenantNames), quotaDashboard(tenantNames)]
      .map((dashboard) => new GrafanaDashboard(this, `Dashboard-${dashboard.uid}`, { namespace: ns, dashboard }));

    this.isolate(pods, tenantNames, apiServer, nodeCidr);
    problems.addAll(monitorSelectionProblems(this.values, { releaseName: this.releaseName, namespace: ns, operatorNamespace: props.operator.namespaceName }));
    this.node.addValidation({ validate: () => this.appProblems() });
    // The apply plan: Prometheus and Grafana serve before the jobs start, so that their metrics are kept.
    declareApplySteps(this, {
      readiness: {
        phase: 'monitoring',
        title: `waiting for Prometheus and Grafana in ${ns}`,
        when: 'before-jobs',
        waits: [
          { type: 'condition', resource: 'deployment', namespace: ns, name: `${fullName}-operator`, condition: 'Available', timeout: 'MONITORING_TIMEOUT' },
          { type: 'condition', resource: 'statefulset', namespace: ns, name: `prometheus-${fullName}-prometheus`, condition: 'jsonpath={.status.readyReplicas}=1', timeout: 'MONITORING_TIMEOUT' },
          { type: 'condition', resource: 'deployment', namespace: ns, name: this.grafanaServiceName, condition: 'Available', timeout: 'MONITORING_TIMEOUT' },
        ],
        grafanaHowto: true,
      },
      grafana: { namespace: ns, name: this.grafanaServiceName },
    });
  }

  /**
   * The values as rendered into the release: a laptop-sized stack (no Alertmanager, no
   * node-exporter, no default rules and dashboards, no scrapes of control-plane parts that k3s
   * does not expose), Grafana with the dashboard sidecar on this namespace, kube-state-metrics
   * with the collectors the dashboards use, and `values` over them.
   */
  public get values(): Record<string, unknown> {
    const ns = this.namespaceName;
    const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });
    const platform = {
      // Alerts need Alertmanager and rules; a laptop cluster has neither a receiver nor a use for them.
      defaultRules: { create: false },
      alertmanager: { enabled: false },
      // node-exporter runs with the host's network and PID namespaces, which `restricted` forbids.
      nodeExporter: { enabled: false },
      // k3s runs these inside its one server process and does not expose them where the chart looks.
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeProxy: { enabled: false },
      kubeEtcd: { enabled: false },
      prometheusOperator: {
        // The admission webhooks only validate PrometheusRules and AlertmanagerConfigs, which the
        // platform does not use; without them no certificate Jobs run, and so the operator serves
        // plain HTTP (its TLS certificate came from those Jobs).
        admissionWebhooks: { enabled: false },
        tls: { enabled: false },
        resources: resources('50m', '64Mi', '200m', '256Mi'),
      },
      prometheus: {
        prometheusSpec: {
          retention: this.retention,
          retentionSize: '2GB',
          resources: resources('100m', '400Mi', '1', '1Gi'),
          // Only the platform's monitors: those of this namespace and the operator's chart.
          podMonitorNamespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns, this.operator.namespaceName] }] },
          serviceMonitorNamespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        },
      },
      grafana: {
        enabled: true,
        // The chart's default dashboards read the recording rules of defaultRules and node-exporter.
        defaultDashboardsEnabled: false,
        testFramework: { enabled: false },
        persistence: { enabled: false },
        // A Role in this namespace instead of a ClusterRole: the sidecars read ConfigMaps here only.
        rbac: { namespaced: true },
        resources: resources('50m', '128Mi', '500m', '384Mi'),
        sidecar: {
          dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: ns },
          datasources: { uid: PROMETHEUS_DATASOURCE_UID },
        },
        // Grafana's calls home are blocked by the NetworkPolicies anyway.
        'grafana.ini': { analytics: { check_for_updates: false, check_for_plugin_updates: false, reporting_enabled: false } },
      },
      kubeStateMetrics: { enabled: true },
      'kube-state-metrics': {
        // The quota dashboard's metrics (kube_resourcequota, kube_pod_status_phase) and no others.
        collectors: ['resourcequotas', 'pods'],
        resources: resources('10m', '64Mi', '100m', '128Mi'),
      },
    };
    return deepMerge(platform, this.props.values ?? {});
  }

  /**
   * The stack's NetworkPolicies: nothing in or out but DNS and the API server for every pod;
   * Prometheus out to its targets; in, Prometheus from Grafana and itself, and the other
   * components from Prometheus on their metrics port. The kubelet's probes come from the node,
   * which NetworkPolicies always admit.
   */
  private isolate(pods: Record<'prometheus' | 'operator' | 'grafana' | 'kubeStateMetrics', Readonly<Record<string, string>>>, tenants: string[], apiServer: ApiServerEndpoint[], nodeCidr: string): void {
    const tcp = tcpPorts;
    const here = (labels: Readonly<Record<string, string>>) => ({ podSelector: { matchLabels: { ...labels } } });
    const policies = this.namespacePolicies(this.releaseName);
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => policies.allow(id, name, spec);

    policies.defaultDeny();
    policy('AllowDnsApiServer', 'allow-dns-apiserver', {
      podSelector: {},
      policyTypes: ['Egress'],
      // Every component watches the API server; Prometheus also scrapes it there.
      egress: [dnsEgress(), ...apiServerEgress(apiServer)],
    });
    policy('PrometheusEgress', 'prometheus-egress', {
      ...here(pods.prometheus),
      policyTypes: ['Egress'],
      egress: [
        ...(tenants.length === 0 ? [] : [{
          to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: tenants }] }, podSelector: { matchLabels: { [SPARK_ROLE_LABEL]: 'driver' } } }],
          ports: tcp(SPARK_UI_PORT),
        }]),
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.operator.namespaceName } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/instance': this.operator.releaseName } } }],
          ports: tcp(this.operatorMetricsPort),
        },
        { to: [here(pods.prometheus)], ports: tcp(PROMETHEUS_PORT, CONFIG_RELOADER_PORT) },
        { to: [here(pods.operator)], ports: tcp(PROMETHEUS_OPERATOR_PORT) },
        { to: [here(pods.kubeStateMetrics)], ports: tcp(KUBE_STATE_METRICS_PORT) },
        { to: [here(pods.grafana)], ports: tcp(GRAFANA_PORT) },
        { to: [kubeDnsPeer()], ports: tcp(COREDNS_METRICS_PORT) },
        { to: [{ ipBlock: { cidr: nodeCidr } }], ports: tcp(KUBELET_PORT) },
      ],
    });
    policy('PrometheusIngress', 'prometheus-ingress', {
      ...here(pods.prometheus),
      policyTypes: ['Ingress'],
      ingress: [
        { from: [here(pods.grafana)], ports: tcp(PROMETHEUS_PORT) },
        { from: [here(pods.prometheus)], ports: tcp(PROMETHEUS_PORT, CONFIG_RELOADER_PORT) },
      ],
    });
    policy('GrafanaEgress', 'grafana-egress', {
      ...here(pods.grafana),
      policyTypes: ['Egress'],
      egress: [{ to: [here(pods.prometheus)], ports: tcp(PROMETHEUS_PORT) }],
    });
    for (const [id, name, labels, port] of [
      ['ScrapeOperator', 'prometheus-operator-ingress', pods.operator, PROMETHEUS_OPERATOR_PORT],
      ['ScrapeKubeStateMetrics', 'kube-state-metrics-ingress', pods.kubeStateMetrics, KUBE_STATE_METRICS_PORT],
      ['ScrapeGrafana', 'grafana-ingress', pods.grafana, GRAFANA_PORT],
    ] as const) {
      policy(id, name, { ...here(labels), policyTypes: ['Ingress'], ingress: [{ from: [here(pods.prometheus)], ports: tcp(port) }] });
    }
  }

  /** What needs the whole app: the operator's metrics as the scrape expects them. */
  private appProblems(): string[] {
    const metrics = (this.operator.values.prometheus as { metrics?: { enable?: boolean; port?: number } } | undefined)?.metrics;
    if (metrics?.enable === false) {
      return [`operator values prometheus.metrics.enable is false, but monitoring scrapes the operator's metrics: remove that value or the monitoring add-on`];
    }
    if ((metrics?.port ?? 8080) !== this.operatorMetricsPort) {
      return [`operator values prometheus.metrics.port ${metrics?.port} was set after the monitoring add-on, which admits Prometheus on ${this.operatorMetricsPort}: set the port in the operator's values, before the add-on is created`];
    }
    return [];
  }
}
