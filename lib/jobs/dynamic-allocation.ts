import { SparkApplicationSpec, SparkApplicationSpecDynamicAllocation } from '../../imports/sparkoperator.k8s.io';
import { Report } from '../core/quantity';

/**
 * Dynamic allocation of a job's executors: Spark asks for executors while tasks wait and releases
 * idle ones, between minExecutors and maxExecutors. Kubernetes has no external shuffle service, so
 * Spark keeps executors that hold shuffle data (shuffle tracking). Idle timeouts and backlog tuning
 * are Spark confs (`spark.dynamicAllocation.executorIdleTimeout`, ...), in the job's sparkConf.
 *
 * @see https://spark.apache.org/docs/latest/job-scheduling.html#dynamic-resource-allocation
 */
export interface DynamicAllocationProps {
  /**
   * The most executors the job may have; the quota check and the capacity table count the job at
   * this many. Required: without it Spark may ask for any number.
   */
  readonly maxExecutors: number;
  /**
   * The fewest executors the job keeps.
   * @default 0
   */
  readonly minExecutors?: number;
  /**
   * Executors at start, between minExecutors and maxExecutors.
   * @default - minExecutors
   */
  readonly initialExecutors?: number;
  /**
   * Shuffle tracking, which dynamic allocation needs on Kubernetes (there is no external shuffle
   * service); only `true` is accepted.
   * @default true
   */
  readonly shuffleTrackingEnabled?: boolean;
  /**
   * How long, in milliseconds, an executor that holds shuffle data is kept when idle. Spark's
   * default keeps it for ever, so a job that shuffles never scales down.
   * @default - Spark's (no timeout)
   */
  readonly shuffleTrackingTimeout?: number;
}

/** The CRD's `spec.dynamicAllocation` for the props: enabled, with shuffle tracking. */
export function dynamicAllocationSpec(props: DynamicAllocationProps): SparkApplicationSpecDynamicAllocation {
  return {
    enabled: true,
    ...(props.initialExecutors !== undefined ? { initialExecutors: props.initialExecutors } : {}),
    ...(props.minExecutors !== undefined ? { minExecutors: props.minExecutors } : {}),
    maxExecutors: props.maxExecutors,
    shuffleTrackingEnabled: props.shuffleTrackingEnabled ?? true,
    ...(props.shuffleTrackingTimeout !== undefined ? { shuffleTrackingTimeout: props.shuffleTrackingTimeout } : {}),
  };
}

/**
 * What Spark or the operator would reject or ignore in `spec.dynamicAllocation`: bounds out of
 * order, no executors at all, shuffle tracking off, `executor.instances` beside it, or settings
 * without `enabled`. (An unset maxExecutors is reported by applicationResources, which cannot count
 * the job without it.)
 */
export function dynamicAllocationProblems(spec: SparkApplicationSpec, report: Report): void {
  const da = spec.dynamicAllocation;
  if (da === undefined) {
    return;
  }
  const bounds = (['minExecutors', 'initialExecutors', 'maxExecutors'] as const).filter((f) => da[f] !== undefined);
  if (da.enabled !== true) {
    const set = [...bounds, ...(da.shuffleTrackingEnabled !== undefined ? ['shuffleTrackingEnabled'] : []), ...(da.shuffleTrackingTimeout !== undefined ? ['shuffleTrackingTimeout'] : [])];
    if (set.length > 0) {
      report(`dynamicAllocation.${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but dynamicAllocation.enabled is not true, so the operator ignores ${set.length === 1 ? 'it' : 'them'} and runs executor.instances executors: set enabled: true (or use the dynamicAllocation prop), or remove them`);
    }
    return;
  }
  for (const field of bounds) {
    const value = da[field]!;
    const least = field === 'maxExecutors' ? 1 : 0;
    if (!Number.isInteger(value) || value < least) {
      report(`dynamicAllocation.${field} ${value} is not a whole number of at least ${least}${field === 'maxExecutors' ? ': Spark refuses a job that may have no executor; use 1 or more' : ': use 0 or more'}`);
    }
  }
  const min = da.minExecutors ?? 0;
  const max = da.maxExecutors;
  if (max !== undefined && min > max) {
    report(`dynamicAllocation.minExecutors ${min} is above maxExecutors ${max}, which Spark refuses: lower minExecutors or raise maxExecutors`);
  }
  if (da.initialExecutors !== undefined) {
    if (da.initialExecutors < min) {
      report(`dynamicAllocation.initialExecutors ${da.initialExecutors} is below minExecutors ${min}: Spark needs min <= initial <= max; raise initialExecutors to ${min} or leave it unset`);
    } else if (max !== undefined && da.initialExecutors > max) {
      report(`dynamicAllocation.initialExecutors ${da.initialExecutors} is above maxExecutors ${max}: Spark needs min <= initial <= max; lower initialExecutors to ${max} or leave it unset`);
    }
  }
  if (da.shuffleTrackingEnabled === false) {
    report('dynamicAllocation.shuffleTrackingEnabled is false: on Kubernetes there is no external shuffle service, and Spark refuses dynamic allocation without one or shuffle tracking; leave shuffleTrackingEnabled unset or true');
  }
  if (da.shuffleTrackingTimeout !== undefined && (!Number.isInteger(da.shuffleTrackingTimeout) || da.shuffleTrackingTimeout < 0)) {
    report(`dynamicAllocation.shuffleTrackingTimeout ${da.shuffleTrackingTimeout} is not a number of milliseconds: use a whole number, for example 60000 for a minute`);
  }
  const initial = initialExecutors(da);
  if (spec.executor.instances !== undefined && spec.executor.instances !== initial) {
    report(`executor.instances ${spec.executor.instances} is set beside dynamic allocation, whose initial executors are ${initial}: Spark starts max(instances, minExecutors, initialExecutors) executors, so instances would override initialExecutors; remove executor.instances (the platform sets it to ${initial}) and set dynamicAllocation.initialExecutors`);
  }
}

/**
 * The executors Spark starts a dynamic-allocation job with: the largest of minExecutors and
 * initialExecutors (each 0 when unset), as Spark 4.0.0 computes it from those confs and
 * `spark.executor.instances` (apache/spark v4.0.0 core/src/main/scala/org/apache/spark/util/Utils.scala,
 * getDynamicAllocationInitialExecutors: `Seq(min, initial, instances).max`).
 */
export function initialExecutors(da: SparkApplicationSpecDynamicAllocation): number {
  return Math.max(da.minExecutors ?? 0, da.initialExecutors ?? da.minExecutors ?? 0);
}

/**
 * The spec with `executor.instances` set to the initial executors when dynamic allocation is on,
 * instances is unset and the job starts with at least one executor (the CRD holds instances to
 * 1 or more). Operator 2.3.0's webhook defaults instances only when dynamic allocation is off
 * (internal/webhook/sparkapplication_defaulter.go:91-95), and its Volcano scheduler dereferences
 * the nil pointer before spark-submit (pkg/util/sparkapplication.go:468, reached from
 * internal/scheduler/volcano/scheduler.go:163 and internal/controller/sparkapplication/controller.go:746),
 * so the application is never submitted (https://github.com/kubeflow/spark-operator/issues/2832).
 * Spark takes the largest of instances, minExecutors and initialExecutors as its initial
 * executors, so setting instances to that number changes nothing in Spark.
 */
export function withExecutorInstances(spec: SparkApplicationSpec): SparkApplicationSpec {
  const da = spec.dynamicAllocation;
  if (da?.enabled !== true || spec.executor.instances !== undefined || initialExecutors(da) < 1) {
    return spec;
  }
  return { ...spec, executor: { ...spec.executor, instances: initialExecutors(da) } };
}

/**
 * The problem of a job that Volcano schedules with dynamic allocation and no executor.instances:
 * operator 2.3.0 never submits it (see withExecutorInstances), and instances cannot be set to the 0
 * executors the job starts with, because the CRD's minimum is 1.
 */
export function volcanoDynamicAllocationProblem(spec: SparkApplicationSpec): string | undefined {
  if (spec.batchScheduler !== 'volcano' || spec.dynamicAllocation?.enabled !== true || spec.executor.instances !== undefined) {
    return undefined;
  }
  return 'dynamicAllocation starts this job with 0 executors and Volcano schedules it: operator 2.3.0 reads executor.instances for the PodGroup before spark-submit and, with it unset, fails on a nil pointer and never submits the job (https://github.com/kubeflow/spark-operator/issues/2832), while the CRD holds executor.instances to 1 or more; set dynamicAllocation.minExecutors or initialExecutors to 1 or more';
}
