import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { PlatformMonitoring, PlatformMonitoringProps, SparkOperatorRelease, SparkJob, sparkoperator, SparkPiJob, SparkPiLanguage, TenantNamespace } from '../../../lib';
import { SPARK_PROMETHEUS_CONF } from '../../../lib/addons/monitoring/platform-metrics';
import { schemaErrors } from '../../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../../support/synth';

/** GIVEN two tenants, the operator watching them, a job in each and monitoring over them. */
function platform(props: Partial<PlatformMonitoringProps> = {}, operatorRaw?: Record<string, unknown>) {
  const { app, chart } = appWithChart();
  const tenants = [new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' }), new TenantNamespace(chart, 'Beta', { name: 'team-beta' })];
  const operator = new SparkOperatorRelease(chart, 'Operator', { tenants, rawValues: operatorRaw });
  const monitoring = new PlatformMonitoring(new Chart(app, 'monitoring'), 'Monitoring', { operator, ...props });
  new SparkPiJob(chart, 'Pi', { tenant: tenants[0], language: SparkPiLanguage.SCALA, name: 'spark-pi' });
  return { app, chart, tenants, operator, monitoring };
}

function docsOf(app: ReturnType<typeof platform>['app']): any[] {
  return app.charts.flatMap((c) => Testing.synth(c));
}

function values(docs: any[], chart: string): any {
  return parse(docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === chart).spec.valuesContent);
}

describe('PlatformMonitoring', () => {
  test('defaults: the chart, its trimmed values and every object valid against its schema', () => {
    const { app } = platform();
    const docs = docsOf(app);

    expect(problemsOf(app)).toEqual([]);
    expect(docs.flatMap((d) => schemaErrors(d))).toEqual([]);
    const helmChart = docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === 'kube-prometheus-stack');
    expect(helmChart.metadata).toEqual({ name: 'kube-prometheus-stack', namespace: 'kube-system' });
    expect(helmChart.spec).toMatchObject({ repo: 'https://prometheus-community.github.io/helm-charts', version: '88.5.3', targetNamespace: 'monitoring' });
    expect(values(docs, 'kube-prometheus-stack')).toMatchSnapshot();
  });

  test('trims the stack for a laptop k3d: no Alertmanager, node-exporter or control-plane scrapes k3s does not expose', () => {
    const v = values(docsOf(platform().app), 'kube-prometheus-stack');
    for (const off of ['alertmanager', 'nodeExporter', 'kubeControllerManager', 'kubeScheduler', 'kubeProxy', 'kubeEtcd']) {
      expect(v[off]).toEqual({ enabled: false });
    }
    expect(v.defaultRules.create).toBe(false);
    expect(v.prometheus.prometheusSpec).toMatchObject({ retention: '1d', resources: { limits: { memory: '1Gi' } } });
    // kube-state-metrics stays on for kube_resourcequota, with only the collectors the dashboards read.
    expect(v.kubeStateMetrics.enabled).toBe(true);
    expect(v['kube-state-metrics'].collectors).toEqual(['resourcequotas', 'pods']);
    // Grafana: on, its dashboard sidecar reading this namespace only, with a namespaced Role.
    expect(v.grafana).toMatchObject({
      enabled: true,
      persistence: { enabled: false },
      rbac: { namespaced: true },
      sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'monitoring' } },
    });
  });

  test('the stack runs in its own namespace at Pod Security restricted', () => {
    const docs = docsOf(platform().app);
    const ns = docs.find((d) => d.kind === 'Namespace' && d.metadata.name === 'monitoring');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });

  test('no secret in the manifests: Grafana generates its admin password in the cluster', () => {
    const { app, monitoring } = platform();
    const docs = docsOf(app);
    expect(ofKind(docs, 'Secret')).toEqual([]);
    const v = values(docs, 'kube-prometheus-stack');
    expect(v.grafana.adminPassword).toBeUndefined();
    expect(v.grafana.admin).toBeUndefined();
    expect(monitoring.grafanaSecretName).toBe('kube-prometheus-stack-grafana');
    expect(monitoring.grafanaServiceName).toBe('kube-prometheus-stack-grafana');
  });

  test('the operator scrapes through its own chart: its PodMonitor on, labelled for this Prometheus, and its namespace open on 8080 to Prometheus only', () => {
    const { app } = platform();
    const docs = docsOf(app);
    expect(values(docs, 'spark-operator').prometheus).toEqual({
      metrics: { enable: true, port: 8080 },
      podMonitor: { create: true, labels: { release: 'kube-prometheus-stack' }, podMetricsEndpoint: { scheme: 'http', interval: '15s' } },
    });
    const policy = docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'spark-operator-allow-metrics-scrape');
    expect(policy.metadata.namespace).toBe('spark-operator');
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/instance': 'spark-operator' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' } },
        }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      }],
    });
  });

  test("every tenant's jobs expose their metrics through Spark's PrometheusServlet, with confs the tenant policy allows", () => {
    const { app } = platform();
    const docs = docsOf(app);
    const [job] = ofKind(docs, 'SparkApplication');
    expect(job.spec.sparkConf).toMatchObject(SPARK_PROMETHEUS_CONF);
    expect(SPARK_PROMETHEUS_CONF).toEqual({
      'spark.ui.prometheus.enabled': 'true',
      'spark.executor.processTreeMetrics.enabled': 'true',
      'spark.metrics.namespace': 'spark',
      'spark.metrics.conf.driver.sink.prometheusServlet.class': 'org.apache.spark.metrics.sink.PrometheusServlet',
      'spark.metrics.conf.driver.sink.prometheusServlet.path': '/metrics/driver/prometheus/',
    });
    // The synth-time tenant policy (the one the admission policy enforces) found nothing to refuse.
    expect(problemsOf(app)).toEqual([]);
  });

  test("a job's own metrics conf wins over the add-on's", () => {
    const { app, chart, tenants } = platform();
    new SparkJob(chart, 'Own', {
      tenant: tenants[1],
      name: 'own-namespace',
      spec: {
        type: sparkoperator.SparkApplicationSpecType.SCALA,
        sparkVersion: '4.0.0',
        image: 'apache/spark:4.0.0',
        mainClass: 'com.example.Main',
        mainApplicationFile: 'local:///opt/app/app.jar',
        sparkConf: { 'spark.metrics.namespace': 'mine' },
        driver: { cores: 1, coreLimit: '1', memory: '1g' },
        executor: { instances: 1, cores: 1, coreLimit: '1', memory: '1g' },
      },
    });
    const own = ofKind(docsOf(app), 'SparkApplication').find((a) => a.metadata.name === 'own-namespace');
    expect(own.spec.sparkConf['spark.metrics.namespace']).toBe('mine');
    expect(own.spec.sparkConf['spark.ui.prometheus.enabled']).toBe('true');
  });

  test("one PodMonitor per tenant scrapes its drivers' own and executors' metrics on the UI port", () => {
    const docs = docsOf(platform().app);
    const monitors = ofKind(docs, 'PodMonitor');
    expect(monitors.map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['monitoring/spark-drivers-team-alpha', 'monitoring/spark-drivers-team-beta']);
    expect(monitors[0].metadata.labels).toEqual({ release: 'kube-prometheus-stack' });
    expect(monitors[0].spec).toEqual({
      selector: { matchLabels: { 'spark-role': 'driver' } },
      namespaceSelector: { matchNames: ['team-alpha'] },
      podMetricsEndpoints: ['/metrics/driver/prometheus/', '/metrics/executors/prometheus/'].map((path) => ({
        portNumber: 4040,
        path,
        interval: '15s',
        relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_label_sparkoperator_k8s_io_app_name'], targetLabel: 'spark_application' }],
      })),
    });
    // Prometheus picks up monitors of the platform's namespaces only, by the release label.
    const v = values(docs, 'kube-prometheus-stack');
    expect(v.prometheus.prometheusSpec.podMonitorNamespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring', 'spark-operator'] }] });
  });

  test('names follow the chart: a release name without the chart name gets it appended, cut to 26 characters', () => {
    const { app, monitoring } = platform({ releaseName: 'metrics', namespace: 'observability' });
    expect(problemsOf(app)).toEqual([]);
    expect(monitoring.prometheusPodLabels).toEqual({ 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'metrics-kube-prometheus-st-prometheus' });
    expect(monitoring.grafanaSecretName).toBe('metrics-grafana');
    const docs = docsOf(app);
    expect(ofKind(docs, 'PodMonitor').every((m) => m.metadata.namespace === 'observability' && m.metadata.labels.release === 'metrics')).toBe(true);
  });

  test('dashboards are ConfigMaps in the namespace the Grafana sidecar reads, labelled for it', () => {
    const maps = ofKind(docsOf(platform().app), 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(maps.map((c) => [c.metadata.namespace, c.metadata.name, Object.keys(c.data)])).toEqual([
      ['monitoring', 'grafana-dashboard-spark-operator', ['spark-operator.json']],
      ['monitoring', 'grafana-dashboard-spark-jobs', ['spark-jobs.json']],
      ['monitoring', 'grafana-dashboard-spark-tenant-quota', ['spark-tenant-quota.json']],
    ]);
  });

  describe('bad input fails synth naming the value and the fix', () => {
    test.each<[string, Partial<PlatformMonitoringProps>, RegExp]>([
      ['a reserved namespace', { namespace: 'kube-system' }, /namespace "kube-system" is a namespace of Kubernetes itself: .*for example "monitoring"/],
      ["the operator's namespace", { namespace: 'spark-operator' }, /namespace "spark-operator" is the namespace of the operator or of a tenant/],
      ["a tenant's namespace", { namespace: 'team-beta' }, /namespace "team-beta" is the namespace of the operator or of a tenant/],
      ['a retention that is not a duration', { retention: '1 day' }, /retention "1 day" is not a Prometheus duration: use a number and a unit, for example "1d"/],
      ['a node range that is not a CIDR', { nodeCidr: '172.28.0.1' }, /nodeCidr "172.28.0.1" is an address, not a CIDR range: .*"172.28.0.1\/32"/],
      ['no API server endpoint', { apiServer: [] }, /apiServer is empty/],
      ['a values key the chart does not have', { values: { grafana: { adminPasword: 'x' } } }, /values\.grafana\.adminPasword is not a field of the values\.yaml of chart kube-prometheus-stack/],
      ['a values value of the wrong type', { values: { prometheus: { prometheusSpec: { retention: 7 } } } }, /values\.prometheus\.prometheusSpec\.retention/],
      ['an invalid release name', { releaseName: 'Kube_Prometheus' }, /releaseName "Kube_Prometheus" is not a valid Helm release name/],
    ])('%s', (_, props, message) => {
      expect(problemsOf(platform(props).app).join('\n')).toMatch(message);
    });

    test("the operator's metrics turned off after the add-on", () => {
      const { app } = platform({}, { prometheus: { metrics: { enable: false } } });
      expect(problemsOf(app).join('\n')).toMatch(/operator values prometheus\.metrics\.enable is false, but monitoring scrapes the operator's metrics/);
    });

    test("the operator's metrics port changed after the add-on", () => {
      const { app, chart, tenants } = appWithChartAndOperator();
      const operator = new SparkOperatorRelease(chart, 'Operator', { tenants });
      new PlatformMonitoring(chart, 'Monitoring', { operator });
      operator.addValues('later', { prometheus: { metrics: { port: 9000 } } });
      expect(problemsOf(app).join('\n')).toMatch(/prometheus\.metrics\.port 9000 was set after the monitoring add-on, which admits Prometheus on 8080/);
    });
  });
});

describe('SparkOperatorRelease.allowIngress', () => {
  test('adds one NetworkPolicy in the operator namespace and checks its rule', () => {
    const { chart, tenants } = appWithChartAndOperator();
    const operator = new SparkOperatorRelease(chart, 'Operator', { tenants });
    operator.allowIngress('allow-x', { fromNamespace: 'x', ports: [9090] });
    const policy = ofKind(Testing.synth(chart), 'NetworkPolicy').find((p) => p.metadata.name === 'spark-operator-allow-x');
    expect(policy.metadata.namespace).toBe('spark-operator');
    expect(policy.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } }, podSelector: {} }], ports: [{ protocol: 'TCP', port: 9090 }] }]);
  });

  test('reports a bad rule naming the policy and the field', () => {
    const { app, chart, tenants } = appWithChartAndOperator();
    const operator = new SparkOperatorRelease(chart, 'Operator', { tenants });
    operator.allowIngress('allow-bad', { fromNamespace: 'Not_A_Namespace', ports: [] });
    const problems = problemsOf(app).join('\n');
    expect(problems).toMatch(/allow-bad\.fromNamespace "Not_A_Namespace"/);
    expect(problems).toMatch(/allow-bad\.ports is empty, which Kubernetes reads as every port/);
  });
});

function appWithChartAndOperator() {
  const { app, chart } = appWithChart();
  const tenants = [new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' })];
  return { app, chart, tenants };
}
