import {
  SparkApplicationSpec,
  SparkApplicationSpecDriverEnv,
  SparkApplicationSpecDriverEnvFrom,
  SparkApplicationSpecDriverVolumeMounts,
  SparkApplicationSpecVolumes,
} from '../../imports/sparkoperator.k8s.io';
import { TenantNamespace } from '../tenancy/tenant-namespace';

/**
 * What an add-on gives every Spark job of a tenant: confs, environment (from Secrets, never secret
 * values), volumes and scheduling. A job's own settings win over these; two add-ons that set the
 * same conf key differently are a problem, reported at synth.
 */
export interface SparkJobDefaults {
  /** Spark confs, for example the event log directory. */
  readonly sparkConf?: Record<string, string>;
  /** Hadoop confs (`spark.hadoop.*`), for example the S3A endpoint. */
  readonly hadoopConf?: Record<string, string>;
  /** Environment variables of the driver and the executors. */
  readonly env?: SparkApplicationSpecDriverEnv[];
  /** Environment variables of the driver and the executors, taken from ConfigMaps or Secrets. */
  readonly envFrom?: SparkApplicationSpecDriverEnvFrom[];
  /** Volumes of the application. */
  readonly volumes?: SparkApplicationSpecVolumes[];
  /** Where the driver and the executors mount them. */
  readonly volumeMounts?: SparkApplicationSpecDriverVolumeMounts[];
  /** Annotations of the driver pod. */
  readonly driverAnnotations?: Record<string, string>;
  /** The batch scheduler, for example `volcano`. */
  readonly batchScheduler?: string;
  /** The batch scheduler's queue. */
  readonly queue?: string;
}

/** One add-on's defaults for one tenant. */
export interface SparkJobDefaultsEntry {
  /** The construct path of the add-on, for problems. */
  readonly source: string;
  readonly defaults: SparkJobDefaults;
}

const DEFAULTS = new WeakMap<TenantNamespace, SparkJobDefaultsEntry[]>();

/**
 * Gives every Spark job of the tenant, declared before or after, the add-on's defaults.
 * @param source the add-on's construct path, named in problems
 */
export function addSparkJobDefaults(tenant: TenantNamespace, source: string, defaults: SparkJobDefaults): void {
  const list = DEFAULTS.get(tenant) ?? [];
  DEFAULTS.set(tenant, list);
  list.push({ source, defaults });
}

/** The defaults add-ons gave the tenant's jobs, in the order they were added. */
export function sparkJobDefaultsOf(tenant: TenantNamespace): readonly SparkJobDefaultsEntry[] {
  return DEFAULTS.get(tenant) ?? [];
}

/**
 * The spec with the tenant's job defaults applied under it, and the conflicts between add-ons. A
 * value the spec sets itself is kept.
 */
export function applySparkJobDefaults(spec: SparkApplicationSpec, entries: readonly SparkJobDefaultsEntry[]): { spec: SparkApplicationSpec; conflicts: string[] } {
  if (entries.length === 0) {
    return { spec, conflicts: [] };
  }
  const conflicts: string[] = [];
  const merged = <T>(field: string, pick: (d: SparkJobDefaults) => Record<string, T> | undefined): Record<string, T> | undefined => {
    const out: Record<string, T> = {};
    const from: Record<string, string> = {};
    for (const { source, defaults } of entries) {
      for (const [k, v] of Object.entries(pick(defaults) ?? {})) {
        if (k in out && out[k] !== v) {
          conflicts.push(`${field}["${k}"] is set to ${JSON.stringify(out[k])} by ${from[k]} and to ${JSON.stringify(v)} by ${source}: give each add-on its own keys`);
        }
        out[k] = v;
        from[k] = source;
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const list = <T>(pick: (d: SparkJobDefaults) => T[] | undefined): T[] => entries.flatMap((e) => pick(e.defaults) ?? []);
  const single = (field: 'batchScheduler' | 'queue'): string | undefined => {
    const set = entries.filter((e) => e.defaults[field] !== undefined);
    if (new Set(set.map((e) => e.defaults[field])).size > 1) {
      conflicts.push(`${field} is set to ${set.map((e) => `${JSON.stringify(e.defaults[field])} by ${e.source}`).join(' and ')}: let one add-on schedule the tenant's jobs`);
    }
    return set[0]?.defaults[field];
  };
  const sparkConf = merged('sparkConf', (d) => d.sparkConf);
  const hadoopConf = merged('hadoopConf', (d) => d.hadoopConf);
  const annotations = merged('driver.annotations', (d) => d.driverAnnotations);
  const env = list((d) => d.env);
  const envFrom = list((d) => d.envFrom);
  const volumes = list((d) => d.volumes);
  const volumeMounts = list((d) => d.volumeMounts);
  const batchScheduler = single('batchScheduler');
  const queue = single('queue');
  const pod = <P extends { env?: unknown[]; envFrom?: unknown[]; volumeMounts?: unknown[] }>(p: P): P => ({
    ...p,
    ...(env.length > 0 ? { env: [...env, ...(p.env ?? [])] } : {}),
    ...(envFrom.length > 0 ? { envFrom: [...envFrom, ...(p.envFrom ?? [])] } : {}),
    ...(volumeMounts.length > 0 ? { volumeMounts: [...volumeMounts, ...(p.volumeMounts ?? [])] } : {}),
  });
  return {
    conflicts,
    spec: {
      ...spec,
      ...(sparkConf ? { sparkConf: { ...sparkConf, ...spec.sparkConf } } : {}),
      ...(hadoopConf ? { hadoopConf: { ...hadoopConf, ...spec.hadoopConf } } : {}),
      ...(volumes.length > 0 ? { volumes: [...volumes, ...(spec.volumes ?? [])] } : {}),
      ...(batchScheduler !== undefined && spec.batchScheduler === undefined ? { batchScheduler } : {}),
      ...(queue !== undefined && spec.batchSchedulerOptions?.queue === undefined ? { batchSchedulerOptions: { ...spec.batchSchedulerOptions, queue } } : {}),
      driver: { ...pod(spec.driver), ...(annotations ? { annotations: { ...annotations, ...spec.driver.annotations } } : {}) },
      executor: pod(spec.executor),
    },
  };
}
