// The package's public API, listed name by name.

export { Quantity, type Report } from './core/quantity';
export { DELIVERY_NAMESPACES, derivedName, dnsLabelProblem, dnsSubdomainProblem, KUBERNETES_NAMESPACES, reservedNamespaceProblem, labelKeyProblem, labelsProblems, labelValueProblem, objectNameProblems } from './core/names';
export { Problems } from './core/problems';
export { PlatformApp, type PlatformAppProps, registerAppChecks, registerSynthReport } from './core/app';
export { CHART_DELIVERY_CONTEXT, ChartDelivery, chartDeliveryOf } from './core/delivery';
export { chartValuesProblems, hasSchema, KUBERNETES_SCHEMA_VERSION, objectSchemaProblems } from './core/schema';
export { documentsYaml, documentYaml } from './core/yaml';
export {
  BASELINE_CAPABILITIES,
  NAMED_IMAGE_USERS,
  type NamedImageUser,
  namedImageUser,
  namedImageUserProblems,
  podNamedUserProblems,
  type ContainerFields,
  POD_SECURITY_VERSION,
  podSecurityLevelProblem,
  type PodSecurityContextFields,
  type PodSecurityInput,
  PodSecurityLevel,
  type PodSecurityViolation,
  podSecurityLabels,
  podSecurityViolations,
  RESTRICTED_VOLUME_TYPES,
  SAFE_SYSCTLS,
  type SecurityContextFields,
} from './core/pod-security';
export {
  type ApiServerEndpoint,
  apiServerProblems,
  cidrProblem,
  egressProblems,
  ingressProblems,
  K3D_API_SERVER_ENDPOINTS,
  NON_INTERNET_RANGES,
  portProblem,
  type TenantEgressRule,
  type TenantIngressRule,
} from './tenancy/tenant-network';
export {
  DEFAULT_TENANT_LIMIT_RANGE,
  DEFAULT_TENANT_QUOTA,
  DRIVER_ACCOUNT_LABEL,
  EXECUTOR_ACCOUNT_LABEL,
  JOB_SECRETS_ANNOTATION,
  PRIORITY_CLASSES_ANNOTATION,
  RESERVED_NAMESPACES,
  SPARK_ROLE_LABEL,
  TENANT_LABEL,
  type TenantContainerDefaults,
  type TenantLimitRangeProps,
  TenantNamespace,
  type TenantNamespaceProps,
  type TenantQuota,
  type TenantQuotaProps,
} from './tenancy/tenant-namespace';
export * from './operator/spark-operator-values';
export {
  PLATFORM_OPERATOR_VALUES,
  SPARK_OPERATOR_CHART_REPO,
  SPARK_OPERATOR_CHART_VERSION,
  SPARK_OPERATOR_SPARK_VERSION,
  SparkOperatorRelease,
  type SparkOperatorReleaseProps,
} from './operator/spark-operator-release';
export {
  ALLOWED_DEPENDENCY_URI,
  ALLOWED_SPARK_CONF,
  ALLOWED_SPARK_CONF_PATTERN,
  DENIED_SPARK_CONF,
  DENIED_SPARK_CONF_PATTERN,
  RESERVED_POD_LABEL,
  type SparkConfRule,
  sparkConfKeyProblem,
} from './operator/spark-conf-policy';
export {
  ARGO_CD_IGNORED_DIFFERENCES,
  ARGO_CD_IN_CLUSTER,
  ARGO_CD_NAMESPACE,
  ARGO_CD_PROJECT,
  ARGO_CD_SYNC_OPTIONS,
  CHART_INSTALL_RETRIES,
  ChartRelease,
  type ChartReleaseProps,
  deepMerge,
  FLUX_NAMESPACE,
  FLUX_RELEASE_INTERVAL,
  FLUX_REPOSITORY_INTERVAL,
} from './helm/chart-release';
export { BATCH_QUEUE_LABEL, TenantAdmissionPolicy, type TenantAdmissionPolicyProps } from './operator/tenant-admission-policy';
export { type ModelPodGroup, type OperatorInput, type OperatorWalk, sparkSubmitArgs, walkOperator } from './operator/operator-path';
export {
  type ApplicationResources,
  applicationResources,
  DEFAULT_EXECUTOR_INSTANCES,
  DEFAULT_SPARK_MEMORY,
  JVM_MEMORY_OVERHEAD_FACTOR,
  MIN_MEMORY_OVERHEAD_MIB,
  type NamespaceDefaults,
  NON_JVM_MEMORY_OVERHEAD_FACTOR,
  type PodResources,
} from './jobs/spark-resources';
export { type SparkPod, type SparkPodOptions, sparkPodSecurityProblems, sparkPods } from './jobs/spark-pods';
export {
  HARDENED_POD_SECURITY_CONTEXT,
  HARDENED_SECURITY_CONTEXT,
  hardenedTemplate,
  MIN_SPARK_HEAP_MIB,
  SPARK_CONTAINER,
  SPARK_UID,
  sparkJobProblems,
  tenantPolicyProblems,
  tenantSparkSpec,
} from './jobs/spark-spec';
export {
  addSparkJobDefaults,
  applySparkJobDefaults,
  type SparkJobDefaults,
  type SparkJobDefaultsEntry,
  sparkJobDefaultsOf,
} from './jobs/spark-job-defaults';
export { SparkJobBase, type SparkJobBaseProps } from './jobs/spark-job-base';
export { SparkJob, type SparkJobProps } from './jobs/spark-job';
export { type DynamicAllocationProps, dynamicAllocationProblems, dynamicAllocationSpec, initialExecutors, volcanoDynamicAllocationProblem, withExecutorInstances } from './jobs/dynamic-allocation';
export { PLATFORM_RESTART_POLICY, SUBMISSION_RETRIES, SUBMISSION_RETRY_INTERVAL_SECONDS } from './jobs/restart-policy';
export { submissionProblems } from './jobs/submission';
export { EXPLAIN_REPORT, explainJobs } from './jobs/explain';
export { type PodGroupMinimum, podGroupMinimum, withPodGroupResources } from './jobs/pod-group';
export { CRON_DESCRIPTORS, cronScheduleProblem, timeZoneProblem } from './jobs/cron';
export {
  ConcurrencyPolicy,
  MAX_SCHEDULED_JOB_NAME_LENGTH,
  ScheduledSparkJob,
  type ScheduledSparkJobProps,
} from './jobs/scheduled-spark-job';
export {
  DEFAULT_SPARK_IMAGE,
  imageSparkVersion,
  imageSparkVersionProblem,
  type SparkExecutorSizeProps,
  SparkPiJob,
  type SparkPiJobProps,
  SparkPiLanguage,
  sparkPiSpec,
  type SparkPiSpecProps,
  type SparkPodSizeProps,
} from './jobs/spark-pi-job';
export { type CapacityLine, capacityLines, capacityTable, countPlatformPod, type PlatformPod, platformPodsIn } from './jobs/capacity';
export { FSSHELL, hadoopGenericOptions, tenantScriptJob, type TenantScriptJobProps } from './jobs/tenant-script-job';
export {
  K3D_NODE_CIDR,
  KUBE_PROMETHEUS_STACK_CHART_REPO,
  KUBE_PROMETHEUS_STACK_CHART_VERSION,
  PlatformMonitoring,
  type PlatformMonitoringProps,
} from './addons/monitoring/platform-monitoring';
export { GRAFANA_DASHBOARD_LABEL, GrafanaDashboard, type GrafanaDashboardProps } from './addons/monitoring/grafana-dashboard';
export { type GrafanaDashboardModel, operatorDashboard, PROMETHEUS_DATASOURCE_UID, quotaDashboard, sparkJobsDashboard } from './addons/monitoring/dashboards';
export {
  EXPOSED_METRICS,
  type ExposedMetric,
  MetricSource,
  SPARK_DRIVER_METRICS_PATH,
  SPARK_EXECUTOR_METRICS_PATH,
  SPARK_METRICS_NAMESPACE,
  SPARK_PROMETHEUS_CONF,
  SPARK_UI_PORT,
} from './addons/monitoring/platform-metrics';
export {
  VOLCANO_ADMISSION_PORT,
  VOLCANO_BUILTIN_QUEUES,
  VOLCANO_CHART_REPO,
  VOLCANO_CHART_VERSION,
  VOLCANO_SCHEDULER_NAME,
  VolcanoScheduling,
  type VolcanoSchedulingProps,
} from './addons/volcano/volcano-scheduling';

export { clusterEndpoint, PIPELINE_LABEL, type PipelineStorage, storageReachProblem } from './addons/pipeline/pipeline-storage';
export { DATASET_UPLOAD_ATTEMPTS, type DatasetFile, DatasetLoader, type DatasetLoaderProps, PUBLIC_HTTPS_EGRESS } from './addons/pipeline/dataset-loader';
export {
  MAX_SCRIPT_BYTES,
  PySparkScript,
  PySparkScriptJob,
  type PySparkScriptJobProps,
  type PySparkScriptProps,
  type PySparkScriptSource,
  pysparkScriptSpec,
  SCRIPT_MOUNT_PATH,
} from './addons/pipeline/pyspark-script-job';

/**
 * The SparkApplication classes generated from the operator's CRD: the types of `SparkJobProps.spec`
 * and their enums, such as `sparkoperator.SparkApplicationSpecType.PYTHON`.
 */
export * as sparkoperator from '../imports/sparkoperator.k8s.io';
/** The k3s `HelmChart` classes generated from the helm-controller's CRD, the type of `ChartRelease.helmChart`. */
export * as helm from '../imports/helm.cattle.io';
/** Flux's `HelmRelease` (v2) classes generated from the helm-controller's CRD, the type of `ChartRelease.helmRelease`. */
export * as fluxhelm from '../imports/flux-helm.toolkit.fluxcd.io';
/** Flux's `HelmRepository` (v1) classes generated from the source-controller's CRD, the type of `ChartRelease.helmRepository`. */
export * as fluxsource from '../imports/flux-source.toolkit.fluxcd.io';
/** Argo CD's `Application` (v1alpha1) classes generated from its CRD, the type of `ChartRelease.application`. */
export * as argocd from '../imports/argocd-argoproj.io';
/** The PodMonitor classes generated from the Prometheus operator's CRD, the type of `PlatformMonitoring.driverPodMonitors`. */
export * as monitoring from '../imports/monitoring-monitoring.coreos.com';
/** The ScheduledSparkApplication classes generated from the operator's CRD, the type of `ScheduledSparkJob.scheduledApplication`. */
export * as scheduledsparkoperator from '../imports/scheduled-sparkoperator.k8s.io';
/** Volcano's Queue classes generated from its CRD, the type of `VolcanoScheduling.queues`. */
export * as volcano from '../imports/volcano-scheduling.volcano.sh';

// Add-on: object storage, event logs and History Servers (lib/addons/storage/).
export {
  AWS_SDK_BUNDLE_VERSION,
  ACCESS_KEY_ID,
  bucketNameProblem,
  ENVIRONMENT_CREDENTIALS_PROVIDER,
  HADOOP_AWS_VERSION,
  S3_SIGNING_REGION,
  s3aHadoopConf,
  SECRET_ACCESS_KEY,
  SPARK_S3A_IMAGE,
} from './addons/storage/s3a';
export {
  credentialEnv,
  GENERATED_CREDENTIALS_ANNOTATION,
  READY_DEPLOYMENTS_ANNOTATION,
  SEAWEEDFS_CHART_REPO,
  SEAWEEDFS_CHART_VERSION,
  SEAWEEDFS_IMAGE_TAG,
  SEAWEEDFS_S3_PORT,
  SEAWEEDFS_UID,
  type SeaweedfsIdentity,
  SeaweedfsStore,
  type SeaweedfsStoreProps,
} from './addons/storage/seaweedfs-store';
export {
  credentialsFromSecret,
  EVENT_LOG_DIRECTORY_ATTEMPTS,
  EventLogDirectory,
  type EventLogDirectoryProps,
} from './addons/storage/event-log-directory';
export {
  DEFAULT_HISTORY_SERVER_RESOURCES,
  HISTORY_SERVER_NON_HEAP_MIB,
  type HistoryServerPodResources,
  MIN_HISTORY_SERVER_HEAP_MIB,
  ROLLING_EVENT_LOG_CONF,
  SPARK_HISTORY_PORT,
  SparkHistoryServer,
  type SparkHistoryServerProps,
  type SparkHistoryServerResources,
} from './addons/storage/spark-history-server';
export {
  EVENT_LOG_PREFIX,
  HISTORY_CREDENTIALS_SECRET,
  JOBS_CREDENTIALS_SECRET,
  ObjectStorage,
  type ObjectStorageProps,
  s3aReferences,
  type SecretEnvVar,
  type TenantStorage,
  type TenantStorageLocation,
} from './addons/storage/object-storage';
