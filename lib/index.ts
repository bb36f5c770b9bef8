// The package's public API: what an app author needs to build a platform with it, listed name by
// name. Constructs, their props and the types and enums those props use are public; the checks,
// spec helpers and constants the constructs use among themselves are not (tests import them from
// their modules). A constant an app needs is a static member of its class, such as
// `TenantNamespace.DEFAULT_QUOTA`. api/spark-platform-cdk8s.api.md lists every public name with
// its signature; `npm run api:report` updates it and test/project/api-report.test.ts keeps it true.

// The app and how it delivers charts.
export { PlatformApp, type PlatformAppProps } from './core/app';
export { ChartDelivery } from './core/delivery';
export { Quantity, type Report } from './core/quantity';
export { PodSecurityLevel } from './core/pod-security';

// Tenants.
export { type ApiServerEndpoint, type TenantEgressRule, type TenantIngressRule } from './tenancy/tenant-network';
export {
  type TenantContainerDefaults,
  type TenantLimitRangeProps,
  TenantNamespace,
  type TenantNamespaceProps,
  type TenantQuota,
  type TenantQuotaProps,
} from './tenancy/tenant-namespace';

// The Spark Operator and chart releases.
export { type SparkOperatorValues } from './operator/spark-operator-values';
export { SparkOperatorRelease, type SparkOperatorReleaseProps } from './operator/spark-operator-release';
export { TenantAdmissionPolicy, type TenantAdmissionPolicyProps } from './operator/tenant-admission-policy';
export { ChartRelease, type ChartReleaseProps } from './helm/chart-release';
export { PlatformAddon, type PlatformAddonNamespace } from './core/platform-addon';
export { NamespacePolicies } from './core/network-policy-kit';

// Spark jobs.
export { SparkJobBase, type SparkJobBaseProps } from './jobs/spark-job-base';
export { SparkJob, type SparkJobProps } from './jobs/spark-job';
export { type DynamicAllocationProps } from './jobs/dynamic-allocation';
export { TenantScriptJob, type TenantScriptJobProps } from './jobs/tenant-script-job';
export { type ApplicationResources, type PodResources } from './jobs/spark-resources';
export { ConcurrencyPolicy, ScheduledSparkJob, type ScheduledSparkJobProps } from './jobs/scheduled-spark-job';
export {
  type SparkExecutorSizeProps,
  SparkPiJob,
  type SparkPiJobProps,
  SparkPiLanguage,
  type SparkPiSpecProps,
  type SparkPodSizeProps,
} from './jobs/spark-pi-job';

// Add-on: monitoring (lib/addons/monitoring/).
export { PlatformMonitoring, type PlatformMonitoringProps } from './addons/monitoring/platform-monitoring';
export { GrafanaDashboard, type GrafanaDashboardProps } from './addons/monitoring/grafana-dashboard';
export { type GrafanaDashboardModel } from './addons/monitoring/dashboards';

// Add-on: Volcano queues and gang scheduling (lib/addons/volcano/).
export { VolcanoScheduling, type VolcanoSchedulingProps } from './addons/volcano/volcano-scheduling';

// Add-on: data pipelines (lib/addons/pipeline/).
export { type PipelineStorage } from './addons/pipeline/pipeline-storage';
export { type DatasetFile, DatasetLoader, type DatasetLoaderProps } from './addons/pipeline/dataset-loader';
export {
  PySparkScript,
  PySparkScriptJob,
  type PySparkScriptJobProps,
  type PySparkScriptProps,
  type PySparkScriptSource,
} from './addons/pipeline/pyspark-script-job';

// Add-on: object storage, event logs and History Servers (lib/addons/storage/).
export { type SeaweedfsIdentity, SeaweedfsStore, type SeaweedfsStoreProps } from './addons/storage/seaweedfs-store';
export { EventLogDirectory, type EventLogDirectoryProps } from './addons/storage/event-log-directory';
export {
  type HistoryServerPodResources,
  SparkHistoryServer,
  type SparkHistoryServerProps,
  type SparkHistoryServerResources,
} from './addons/storage/spark-history-server';
export {
  ObjectStorage,
  type ObjectStorageProps,
  type SecretEnvVar,
  type TenantStorage,
  type TenantStorageLocation,
} from './addons/storage/object-storage';

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
