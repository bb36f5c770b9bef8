import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { EXPOSED_METRICS, MetricSource, SPARK_DRIVER_METRICS_PATH, SPARK_EXECUTOR_METRICS_PATH, SPARK_PROMETHEUS_CONF } from '../../../lib/addons/monitoring/platform-metrics';
import { distDocs } from '../../support/dist-docs';
import { ofKind } from '../../support/synth';

// The dashboards of dist/: valid JSON that the Grafana sidecar picks up, and panels whose every query
// is PromQL (parsed with Prometheus' own grammar) over metrics that the platform in dist/ exposes.
const docs = distDocs();
const helmValues = (chart: string) => parse(docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === chart).spec.valuesContent);
const stack = helmValues('kube-prometheus-stack');
const operator = helmValues('spark-operator');
const tenants: string[] = operator.spark.jobNamespaces;

const dashboardMaps = ofKind(docs, 'ConfigMap').filter((c) => c.metadata.labels?.[stack.grafana.sidecar.dashboards.label] === stack.grafana.sidecar.dashboards.labelValue);
const dashboards = dashboardMaps.flatMap((c) => Object.entries(c.data as Record<string, string>).map(([file, text]) => ({ file, text, namespace: c.metadata.namespace })));

/** The queries of a dashboard: every panel target, and the query variables' selectors. */
function queries(dashboard: any): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      out.push({ where: `${dashboard.uid} panel "${panel.title}" ${target.refId}`, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating.list.filter((v: any) => v.type === 'query')) {
    // label_values(<selector>, <label>) is Grafana's, not PromQL; its selector is.
    const selector = /^label_values\((.*), *[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(variable.query.query)?.[1];
    out.push({ where: `${dashboard.uid} variable ${variable.name}`, expr: selector ?? variable.query.query });
  }
  return out;
}

/** The metric names a PromQL expression selects, and its syntax errors. */
function analyse(expr: string): { metrics: string[]; errors: string[] } {
  const metrics: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) {
        errors.push(`syntax error at ${node.from}: ${expr.slice(Math.max(0, node.from - 20), node.to + 20)}`);
      }
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) metrics.push(expr.slice(id.from, id.to));
      }
    },
  });
  return { metrics, errors };
}

describe('the Grafana dashboards in dist/', () => {
  test('three dashboards, in the namespace the sidecar searches, each valid JSON with a unique uid', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['spark-operator.json', 'spark-jobs.json', 'spark-tenant-quota.json']);
    const uids = dashboards.map((d) => JSON.parse(d.text).uid);
    expect(new Set(uids).size).toBe(3);
    for (const d of dashboards) {
      expect(d.namespace).toBe(stack.grafana.sidecar.dashboards.searchNamespace);
      const model = JSON.parse(d.text);
      expect(model).toMatchObject({ title: expect.any(String), schemaVersion: expect.any(Number) });
      expect(model.panels.length).toBeGreaterThan(3);
    }
  });

  test('every panel queries the Prometheus datasource the chart provisions', () => {
    for (const d of dashboards) {
      for (const panel of JSON.parse(d.text).panels) {
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: stack.grafana.sidecar.datasources.uid });
        expect(panel.targets.length).toBeGreaterThan(0);
      }
    }
  });

  test('the operator dashboard shows submissions, failures and start latency; the jobs dashboard executors, tasks, memory and GC; the quota dashboard each resource', () => {
    const exprs = (uid: string) => queries(JSON.parse(dashboards.find((d) => JSON.parse(d.text).uid === uid)!.text)).map((q) => q.expr).join('\n');
    expect(exprs('spark-operator')).toEqual(expect.stringContaining('spark_application_submit_count'));
    expect(exprs('spark-operator')).toEqual(expect.stringContaining('spark_application_failed_submission_count'));
    expect(exprs('spark-operator')).toEqual(expect.stringContaining('spark_application_failure_count'));
    expect(exprs('spark-operator')).toEqual(expect.stringContaining('spark_application_start_latency_seconds_histogram_bucket'));
    for (const metric of ['metrics_executor_totalCores', 'metrics_executor_activeTasks', 'metrics_executor_memoryUsed_bytes', 'metrics_executor_totalGCTime_seconds_total']) {
      expect(exprs('spark-jobs')).toEqual(expect.stringContaining(metric));
    }
    for (const resource of ['requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory', 'pods']) {
      expect(exprs('spark-tenant-quota')).toEqual(expect.stringContaining(`kube_resourcequota{namespace=~"$tenant", resource="${resource}", type="used"}`));
    }
  });

  test("the per-tenant dashboards offer exactly the platform's tenants", () => {
    for (const uid of ['spark-jobs', 'spark-tenant-quota']) {
      const model = JSON.parse(dashboards.find((d) => JSON.parse(d.text).uid === uid)!.text);
      const tenant = model.templating.list.find((v: any) => v.name === 'tenant');
      expect(tenant.query.split(',')).toEqual(tenants);
    }
  });

  test('every query is PromQL over metrics the platform exposes', () => {
    const problems: string[] = [];
    const used = new Set<string>();
    for (const d of dashboards) {
      for (const { where, expr } of queries(JSON.parse(d.text))) {
        const { metrics, errors } = analyse(expr);
        problems.push(...errors.map((e) => `${where}: ${e}`));
        if (metrics.length === 0) problems.push(`${where}: selects no metric: ${expr}`);
        for (const metric of metrics) {
          used.add(metric);
          if (!(metric in EXPOSED_METRICS)) problems.push(`${where}: ${metric} is not a metric the platform exposes`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(used.size).toBeGreaterThan(20);
  });

  test('the checker finds an unknown metric and a syntax error (so the test above can fail)', () => {
    expect(analyse('sum(rate(spark_app_submitted_total[5m]))').metrics).toEqual(['spark_app_submitted_total']);
    expect(analyse('sum(rate(metrics_executor_activeTasks[5m])').errors).not.toEqual([]);
    expect(analyse('sum by (namespace) (kube_resourcequota{type="used"}) / on() up').metrics).toEqual(['kube_resourcequota', 'up']);
  });

  describe('every metric the dashboards use comes from a source that dist/ switches on', () => {
    const sources = new Set(Object.values(EXPOSED_METRICS).map((m) => m.source));

    test('the operator: metrics on, its chart PodMonitor on and labelled for this Prometheus', () => {
      expect(sources.has(MetricSource.SPARK_OPERATOR)).toBe(true);
      expect(operator.prometheus.metrics.enable).toBe(true);
      expect(operator.prometheus.podMonitor.create).toBe(true);
      // kube-prometheus-stack's Prometheus selects PodMonitors labelled release: <release> (podMonitorSelectorNilUsesHelmValues).
      const release = docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === 'kube-prometheus-stack').metadata.name;
      expect(operator.prometheus.podMonitor.labels).toEqual({ release });
      expect(stack.prometheus.prometheusSpec.podMonitorNamespaceSelector.matchExpressions[0].values).toContain('spark-operator');
    });

    test("Spark: every job's driver serves both endpoints, and a PodMonitor scrapes each tenant's drivers at both paths", () => {
      const apps = ofKind(docs, 'SparkApplication');
      expect(apps.length).toBeGreaterThan(0);
      for (const app of apps) {
        expect(app.spec.sparkConf).toMatchObject(SPARK_PROMETHEUS_CONF);
      }
      for (const tenant of tenants) {
        const monitor = ofKind(docs, 'PodMonitor').find((m) => m.spec.namespaceSelector.matchNames.includes(tenant));
        expect(monitor.spec.podMetricsEndpoints.map((e: any) => e.path)).toEqual([SPARK_DRIVER_METRICS_PATH, SPARK_EXECUTOR_METRICS_PATH]);
      }
    });

    test('kube-state-metrics: on, with the collector of each metric', () => {
      expect(stack.kubeStateMetrics.enabled).toBe(true);
      for (const [metric, { source, collector }] of Object.entries(EXPOSED_METRICS)) {
        if (source === MetricSource.KUBE_STATE_METRICS) {
          expect([metric, stack['kube-state-metrics'].collectors.includes(collector)]).toEqual([metric, true]);
        }
      }
    });
  });
});
