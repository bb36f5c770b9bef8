import { SPARK_METRICS_NAMESPACE } from './platform-metrics';

/**
 * The platform's Grafana dashboards, as Grafana's dashboard JSON model. Every query uses only
 * metrics of EXPOSED_METRICS (platform-metrics.ts).
 *
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */

/** The uid of the Prometheus datasource that kube-prometheus-stack provisions (`grafana.sidecar.datasources.uid`). */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** A Grafana dashboard in its JSON model. */
export interface GrafanaDashboardModel {
  readonly uid: string;
  readonly title: string;
  readonly [key: string]: unknown;
}

/** One panel: a title, its queries (PromQL with a legend) and the unit of its values. */
interface PanelSpec {
  readonly title: string;
  readonly description?: string;
  readonly queries: readonly (readonly [expr: string, legend: string])[];
  readonly unit?: string;
  readonly type?: 'timeseries' | 'stat';
  /** Whole-width panel. */
  readonly wide?: boolean;
}

const DATASOURCE = { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID };

/** Lays panels out two by two, eight rows high, and numbers them. */
function panels(specs: readonly PanelSpec[]): unknown[] {
  let x = 0;
  let y = 0;
  return specs.map((spec, i) => {
    const w = spec.wide ? 24 : 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const panel = {
      id: i + 1,
      type: spec.type ?? 'timeseries',
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      datasource: DATASOURCE,
      gridPos: { x, y, w, h: 8 },
      fieldConfig: { defaults: { unit: spec.unit ?? 'short' }, overrides: [] },
      options: spec.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] } } : { legend: { displayMode: 'list', placement: 'bottom' } },
      targets: spec.queries.map(([expr, legendFormat], j) => ({ refId: String.fromCharCode(65 + j), datasource: DATASOURCE, expr, legendFormat })),
    };
    x += w;
    return panel;
  });
}

function dashboard(uid: string, title: string, description: string, variables: unknown[], specs: readonly PanelSpec[]): GrafanaDashboardModel {
  return {
    uid,
    title,
    description,
    tags: ['spark-platform'],
    editable: false,
    schemaVersion: 39,
    timezone: 'browser',
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    templating: { list: variables },
    panels: panels(specs),
  };
}

/** A variable to pick tenants from the platform's tenants; "All" means every one of them. */
function tenantVariable(tenants: readonly string[]): unknown {
  return {
    name: 'tenant',
    label: 'Tenant',
    type: 'custom',
    query: tenants.join(','),
    multi: true,
    includeAll: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
  };
}

/** The Spark Operator: submissions, failures, start latency, running applications and executors. */
export function operatorDashboard(operatorNamespace: string): GrafanaDashboardModel {
  const rate = (metric: string) => `sum(increase(${metric}[5m]))`;
  const mean = (metric: string) => `sum(rate(${metric}_sum[15m])) / sum(rate(${metric}_count[15m]))`;
  return dashboard('spark-operator', 'Spark Operator',
    'The Spark Operator\'s controller metrics. The operator labels them with app_type only, so they count every tenant together; per tenant, see the Spark jobs dashboard.',
    [],
    [
      { title: 'Submissions (per 5m)', queries: [[rate('spark_application_submit_count'), 'submitted'], [rate('spark_application_failed_submission_count'), 'failed submission']] },
      { title: 'Completions (per 5m)', queries: [[rate('spark_application_success_count'), 'succeeded'], [rate('spark_application_failure_count'), 'failed']] },
      { title: 'Running applications', queries: [['sum(spark_application_running_count)', 'running']] },
      { title: 'Running executors', queries: [['sum(spark_executor_running_count)', 'running'], [rate('spark_executor_failure_count'), 'failed (per 5m)'], [rate('spark_executor_success_count'), 'succeeded (per 5m)']] },
      {
        title: 'Start latency (creation to running)',
        description: 'From the SparkApplication\'s creation to its driver running, first attempts only.',
        unit: 's',
        queries: [
          ['histogram_quantile(0.5, sum by (le) (rate(spark_application_start_latency_seconds_histogram_bucket[15m])))', 'p50'],
          ['histogram_quantile(0.95, sum by (le) (rate(spark_application_start_latency_seconds_histogram_bucket[15m])))', 'p95'],
          [mean('spark_application_start_latency_seconds'), 'mean'],
        ],
      },
      {
        title: 'Execution time (mean)',
        unit: 's',
        queries: [[mean('spark_application_success_execution_time_seconds'), 'succeeded'], [mean('spark_application_failure_execution_time_seconds'), 'failed']],
      },
      { title: 'Applications created (per 5m)', queries: [[rate('spark_application_count'), 'created']] },
      { title: 'Operator pods scraped', type: 'stat', queries: [[`sum(up{namespace="${operatorNamespace}"})`, 'up']] },
    ]);
}

/** Spark jobs per tenant: executors, tasks, memory, GC, shuffle, and the driver's jobs and stages. */
export function sparkJobsDashboard(tenants: readonly string[]): GrafanaDashboardModel {
  const sel = (extra = '') => `{namespace=~"$tenant", spark_application=~"$application"${extra}}`;
  const executors = sel(', executor_id!="driver"');
  const byApp = 'namespace, spark_application';
  const byExecutor = 'namespace, spark_application, executor_id';
  const driver = (name: string) => `metrics_${SPARK_METRICS_NAMESPACE}_driver_DAGScheduler_${name}_Number`;
  return dashboard('spark-jobs', 'Spark jobs',
    'Every Spark job\'s driver and executors, from the PrometheusServlet on the driver UI port, by tenant (namespace) and SparkApplication.',
    [
      tenantVariable(tenants),
      {
        name: 'application',
        label: 'Application',
        type: 'query',
        datasource: DATASOURCE,
        query: { query: 'label_values(metrics_executor_totalCores{namespace=~"$tenant"}, spark_application)', refId: 'application' },
        definition: 'label_values(metrics_executor_totalCores{namespace=~"$tenant"}, spark_application)',
        refresh: 2,
        multi: true,
        includeAll: true,
        allValue: '.*',
        current: { selected: true, text: ['All'], value: ['$__all'] },
        options: [],
      },
    ],
    [
      { title: 'Executors', queries: [[`count by (${byApp}) (metrics_executor_totalCores${executors})`, '{{namespace}} {{spark_application}}']] },
      { title: 'Active tasks', queries: [[`sum by (${byApp}) (metrics_executor_activeTasks${sel()})`, '{{namespace}} {{spark_application}}']] },
      { title: 'Completed tasks (per second)', queries: [[`sum by (${byApp}) (rate(metrics_executor_completedTasks_total${sel()}[2m]))`, '{{namespace}} {{spark_application}}']] },
      { title: 'Failed tasks (per second)', queries: [[`sum by (${byApp}) (rate(metrics_executor_failedTasks_total${sel()}[2m]))`, '{{namespace}} {{spark_application}}']] },
      { title: 'JVM heap (peak) per executor', unit: 'bytes', queries: [[`max by (${byExecutor}) (metrics_executor_JVMHeapMemory_bytes${sel()})`, '{{namespace}} {{spark_application}} {{executor_id}}']] },
      {
        title: 'Storage memory used and available',
        unit: 'bytes',
        queries: [
          [`sum by (${byApp}) (metrics_executor_memoryUsed_bytes${sel()})`, '{{namespace}} {{spark_application}} used'],
          [`sum by (${byApp}) (metrics_executor_maxMemory_bytes${sel()})`, '{{namespace}} {{spark_application}} available'],
        ],
      },
      { title: 'Time in GC (share of wall time)', unit: 'percentunit', queries: [[`sum by (${byExecutor}) (rate(metrics_executor_totalGCTime_seconds_total${sel()}[2m]))`, '{{namespace}} {{spark_application}} {{executor_id}}']] },
      {
        title: 'Minor and major GC time (per second)',
        unit: 's',
        queries: [
          [`sum by (${byApp}) (rate(metrics_executor_MinorGCTime_seconds_total${sel()}[2m]))`, '{{namespace}} {{spark_application}} minor'],
          [`sum by (${byApp}) (rate(metrics_executor_MajorGCTime_seconds_total${sel()}[2m]))`, '{{namespace}} {{spark_application}} major'],
        ],
      },
      {
        title: 'Shuffle and input (bytes per second)',
        unit: 'Bps',
        queries: [
          [`sum by (${byApp}) (rate(metrics_executor_totalShuffleRead_bytes_total${sel()}[2m]))`, '{{namespace}} {{spark_application}} shuffle read'],
          [`sum by (${byApp}) (rate(metrics_executor_totalShuffleWrite_bytes_total${sel()}[2m]))`, '{{namespace}} {{spark_application}} shuffle write'],
          [`sum by (${byApp}) (rate(metrics_executor_totalInputBytes_bytes_total${sel()}[2m]))`, '{{namespace}} {{spark_application}} input'],
        ],
      },
      {
        title: 'Driver: jobs and stages',
        queries: [
          [`sum by (${byApp}) (${driver('job_activeJobs')}${sel()})`, '{{namespace}} {{spark_application}} active jobs'],
          [`sum by (${byApp}) (${driver('stage_runningStages')}${sel()})`, '{{namespace}} {{spark_application}} running stages'],
          [`sum by (${byApp}) (${driver('stage_waitingStages')}${sel()})`, '{{namespace}} {{spark_application}} waiting stages'],
          [`sum by (${byApp}) (${driver('stage_failedStages')}${sel()})`, '{{namespace}} {{spark_application}} failed stages'],
        ],
      },
    ]);
}

/** Each tenant's ResourceQuota: how much of it is in use, resource by resource, and its pods. */
export function quotaDashboard(tenants: readonly string[]): GrafanaDashboardModel {
  const share = (resource: string) =>
    `sum by (namespace) (kube_resourcequota{namespace=~"$tenant", resource="${resource}", type="used"}) / sum by (namespace) (kube_resourcequota{namespace=~"$tenant", resource="${resource}", type="hard"})`;
  const resources = ['requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory', 'pods'];
  return dashboard('spark-tenant-quota', 'Tenant quota',
    'Each tenant\'s ResourceQuota (from kube-state-metrics): the share in use per resource. A job whose executors do not appear while its tenant is at 100% waits on quota.',
    [tenantVariable(tenants)],
    [
      ...resources.map((resource): PanelSpec => ({ title: `${resource} in use (share of quota)`, unit: 'percentunit', queries: [[share(resource), '{{namespace}}']] })),
      { title: 'Pods by phase', queries: [['sum by (namespace, phase) (kube_pod_status_phase{namespace=~"$tenant"})', '{{namespace}} {{phase}}']] },
      { title: 'Quota used and hard, per resource', wide: true, queries: [['sum by (namespace, resource, type) (kube_resourcequota{namespace=~"$tenant"})', '{{namespace}} {{resource}} {{type}}']] },
    ]);
}
