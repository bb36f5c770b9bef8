/**
 * What the platform's components expose to Prometheus once monitoring is on, by metric name, with
 * where each comes from. The dashboards may query these metrics and no others (a test parses every
 * query and checks), so a panel never waits for a metric nothing exports.
 */

/** The driver UI port of Spark on Kubernetes (container port `spark-ui`); the PrometheusServlet serves there. */
export const SPARK_UI_PORT = 4040;
/** Where the driver serves its own metrics (the PrometheusServlet sink of the driver instance). */
export const SPARK_DRIVER_METRICS_PATH = '/metrics/driver/prometheus/';
/** Where the driver serves the metrics of every executor, itself included (needs spark.ui.prometheus.enabled). */
export const SPARK_EXECUTOR_METRICS_PATH = '/metrics/executors/prometheus/';
/**
 * The metrics namespace of every job, the first part of the driver's metric names. Spark's default
 * is the application id, which would give every run metrics of different names.
 */
export const SPARK_METRICS_NAMESPACE = 'spark';

/**
 * The Spark confs every job of a monitored tenant gets: the driver's PrometheusServlet sink on the
 * UI port, the executors' metrics on the driver's UI (they reach the driver with the heartbeats;
 * executors run no UI of their own) and a fixed metrics namespace. Each key is on the tenant conf
 * allow-list (`spark.metrics.*`, `spark.ui.prometheus.enabled`,
 * `spark.executor.processTreeMetrics.enabled`): they act inside the tenant's own pods only.
 *
 * @see https://spark.apache.org/docs/4.0.0/monitoring.html#metrics
 * @see https://github.com/kubeflow/spark-operator/blob/v2.3.0/examples/spark-pi-prometheus-servlet.yaml
 */
export const SPARK_PROMETHEUS_CONF: Readonly<Record<string, string>> = {
  'spark.ui.prometheus.enabled': 'true',
  'spark.executor.processTreeMetrics.enabled': 'true',
  'spark.metrics.namespace': SPARK_METRICS_NAMESPACE,
  'spark.metrics.conf.driver.sink.prometheusServlet.class': 'org.apache.spark.metrics.sink.PrometheusServlet',
  'spark.metrics.conf.driver.sink.prometheusServlet.path': SPARK_DRIVER_METRICS_PATH,
};

/** Which component exposes a metric. */
export enum MetricSource {
  /** The Spark Operator's controller (`prometheus.metrics.enable`), scraped by the chart's PodMonitor. */
  SPARK_OPERATOR = 'spark-operator',
  /** A Spark driver's executor metrics, at SPARK_EXECUTOR_METRICS_PATH. */
  SPARK_EXECUTORS = 'spark-executors',
  /** A Spark driver's own metrics, at SPARK_DRIVER_METRICS_PATH. */
  SPARK_DRIVER = 'spark-driver',
  /** kube-state-metrics, with the collector named in `collector`. */
  KUBE_STATE_METRICS = 'kube-state-metrics',
  /** Prometheus itself, for every target it scrapes (`up`). */
  PROMETHEUS = 'prometheus',
}

/** A metric the platform exposes. */
export interface ExposedMetric {
  readonly source: MetricSource;
  /** For kube-state-metrics, the collector that must be on. */
  readonly collector?: string;
}

/** The driver's gauges of Spark's DAGScheduler source, as the PrometheusServlet names them. */
function driverGauge(name: string): string {
  return `metrics_${SPARK_METRICS_NAMESPACE}_driver_DAGScheduler_${name.replace(/\./g, '_')}_Number`;
}

const OPERATOR = { source: MetricSource.SPARK_OPERATOR };
const EXECUTORS = { source: MetricSource.SPARK_EXECUTORS };
const DRIVER = { source: MetricSource.SPARK_DRIVER };

/**
 * The metrics the dashboards may use.
 *
 * - Spark Operator 2.3.0, `pkg/common/metrics.go` and `internal/metrics/sparkapplication_metrics.go`
 *   (counters and gauges labelled `app_type`; the start latency also as a histogram with buckets
 *   from `prometheus.metrics.jobStartLatencyBuckets`; summaries without quantiles).
 * - Spark 4.0 `PrometheusResource` (`/metrics/executors/prometheus`, labels `application_id`,
 *   `application_name`, `executor_id`, the driver as `executor_id="driver"`).
 * - Spark's `PrometheusServlet` over the `DAGScheduler` source: `metrics_<namespace>_driver_<source>_<name>_Number`.
 * - kube-state-metrics 2.x: `kube_resourcequota` (labels `resource`, `type` = hard|used) and
 *   `kube_pod_status_phase`.
 */
export const EXPOSED_METRICS: Readonly<Record<string, ExposedMetric>> = {
  spark_application_count: OPERATOR,
  spark_application_submit_count: OPERATOR,
  spark_application_failed_submission_count: OPERATOR,
  spark_application_running_count: OPERATOR,
  spark_application_success_count: OPERATOR,
  spark_application_failure_count: OPERATOR,
  spark_application_success_execution_time_seconds_sum: OPERATOR,
  spark_application_success_execution_time_seconds_count: OPERATOR,
  spark_application_failure_execution_time_seconds_sum: OPERATOR,
  spark_application_failure_execution_time_seconds_count: OPERATOR,
  spark_application_start_latency_seconds_sum: OPERATOR,
  spark_application_start_latency_seconds_count: OPERATOR,
  spark_application_start_latency_seconds_histogram_bucket: OPERATOR,
  spark_executor_running_count: OPERATOR,
  spark_executor_success_count: OPERATOR,
  spark_executor_failure_count: OPERATOR,

  metrics_executor_totalCores: EXECUTORS,
  metrics_executor_activeTasks: EXECUTORS,
  metrics_executor_completedTasks_total: EXECUTORS,
  metrics_executor_failedTasks_total: EXECUTORS,
  metrics_executor_memoryUsed_bytes: EXECUTORS,
  metrics_executor_maxMemory_bytes: EXECUTORS,
  metrics_executor_JVMHeapMemory_bytes: EXECUTORS,
  metrics_executor_JVMOffHeapMemory_bytes: EXECUTORS,
  metrics_executor_totalGCTime_seconds_total: EXECUTORS,
  metrics_executor_MinorGCTime_seconds_total: EXECUTORS,
  metrics_executor_MajorGCTime_seconds_total: EXECUTORS,
  metrics_executor_totalShuffleRead_bytes_total: EXECUTORS,
  metrics_executor_totalShuffleWrite_bytes_total: EXECUTORS,
  metrics_executor_totalInputBytes_bytes_total: EXECUTORS,

  [driverGauge('job.activeJobs')]: DRIVER,
  [driverGauge('stage.runningStages')]: DRIVER,
  [driverGauge('stage.waitingStages')]: DRIVER,
  [driverGauge('stage.failedStages')]: DRIVER,

  kube_resourcequota: { source: MetricSource.KUBE_STATE_METRICS, collector: 'resourcequotas' },
  kube_pod_status_phase: { source: MetricSource.KUBE_STATE_METRICS, collector: 'pods' },

  up: { source: MetricSource.PROMETHEUS },
};
