import { SparkApplicationSpec } from '../../imports/sparkoperator.k8s.io';
import { PodSecurityLevel, RESTRICTED_VOLUME_TYPES } from '../core/pod-security';
import { Report } from '../core/quantity';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { DENIED_ENV_NAME, DENIED_JAVA_OPTION, RESERVED_POD_ANNOTATION } from './spark-conf-policy';

const RESERVED_ANNOTATION = new RegExp(`^${RESERVED_POD_ANNOTATION}$`);
const DENIED_ENV = new RegExp(`^${DENIED_ENV_NAME}$`);
const DENIED_JAVA = new RegExp(DENIED_JAVA_OPTION);
const VOLUME_FIELDS = ['name', 'emptyDir', 'persistentVolumeClaim', 'configMap', 'secret', 'ephemeral'];

/**
 * What a tenant's SparkApplication may not put into its pods, as TenantAdmissionPolicy refuses it on
 * the cluster (docs/isolation.md): the scheduler's annotations, a scheduler name, a PriorityClass
 * the tenant was not given, sparkConfigMap and hadoopConfigMap, environment variables and JVM
 * options that carry settings, and volumes that reach past the pod. Each problem names the field
 * and the fix. The Secrets a job reads are checked on the cluster only: add-ons allow them after
 * the job may have been declared.
 */
export function podFieldProblems(tenant: TenantNamespace, spec: SparkApplicationSpec, report: Report): void {
  const s = spec as Record<string, any>;
  const allowedClasses = tenant.priorityClasses.length > 0 ? `one of ${tenant.namespaceName}'s PriorityClasses (${tenant.priorityClasses.join(', ')})` : 'unset: the tenant has no PriorityClasses (TenantNamespaceProps.priorityClasses)';
  for (const role of ['driver', 'executor'] as const) {
    const p = s[role] as Record<string, any>;
    for (const [field, annotations] of [[`${role}.annotations`, p.annotations], [`${role}.template.metadata.annotations`, p.template?.metadata?.annotations]] as const) {
      Object.keys(annotations ?? {}).filter((k) => RESERVED_ANNOTATION.test(k)).forEach((k) => {
        report(`${field}["${k}"] is an annotation the scheduler, Kubernetes, the operator or the platform read (Volcano routes pods to a queue and a PodGroup by them): remove it; the operator gives the pods their PodGroup in the queue of batchSchedulerOptions`);
      });
    }
    if (p.schedulerName !== undefined) {
      report(`${role}.schedulerName "${p.schedulerName}" may not be set: the platform chooses the scheduler with batchScheduler; remove it`);
    }
    if (p.priorityClassName !== undefined && !tenant.priorityClasses.includes(p.priorityClassName)) {
      report(`${role}.priorityClassName "${p.priorityClassName}" is not a class the tenant may use: leave it ${allowedClasses}`);
    }
    const envNames = [...(p.env ?? []).map((e: { name: string }) => e.name), ...Object.keys(p.envVars ?? {})];
    envNames.filter((n) => DENIED_ENV.test(n)).forEach((n) => {
      report(`${role} environment variable ${n} carries JVM, Spark, PySpark or Hadoop settings past the conf allow-list: remove it and set the conf in sparkConf`);
    });
    if (p.javaOptions !== undefined && DENIED_JAVA.test(p.javaOptions)) {
      report(`${role}.javaOptions "${p.javaOptions}" sets a -Dspark.* property or holds quotes or backslashes: set the conf in sparkConf and keep javaOptions to JVM flags, for example "-XX:+UseG1GC"`);
    }
  }
  const podGroupClass = s.batchSchedulerOptions?.priorityClassName;
  if (podGroupClass !== undefined && !tenant.priorityClasses.includes(podGroupClass)) {
    report(`batchSchedulerOptions.priorityClassName "${podGroupClass}" is not a class the tenant may use: leave it ${allowedClasses}`);
  }
  for (const field of ['sparkConfigMap', 'hadoopConfigMap'] as const) {
    if (s[field] !== undefined) {
      report(`${field} "${s[field]}" carries Spark and Hadoop settings past the conf allow-list: remove it and set the confs in sparkConf and hadoopConf`);
    }
  }
  for (const key of ['spark.driver.extraJavaOptions', 'spark.executor.extraJavaOptions']) {
    const value = s.sparkConf?.[key];
    if (value !== undefined && DENIED_JAVA.test(value)) {
      report(`sparkConf["${key}"] sets a -Dspark.* property or holds quotes or backslashes: set the conf itself in sparkConf`);
    }
  }
  (s.volumes ?? []).forEach((v: Record<string, unknown>, i: number) => {
    const kind = Object.keys(v).find((k) => !VOLUME_FIELDS.includes(k));
    // A type the tenant's Pod Security level refuses is reported by the pod security check already.
    const reportedByPodSecurity = tenant.podSecurity === PodSecurityLevel.RESTRICTED && kind !== undefined && !RESTRICTED_VOLUME_TYPES.includes(kind);
    if (kind !== undefined && !reportedByPodSecurity) {
      report(`volumes[${i}] is a ${kind} volume, which reaches past the pod: use emptyDir, persistentVolumeClaim, configMap, secret or ephemeral`);
    }
  });
}
