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
  if (spec.executor.instances !== undefined) {
    report(`executor.instances ${spec.executor.instances} is set beside dynamic allocation, and Spark then starts max(instances, initialExecutors) executors: remove executor.instances and set dynamicAllocation.initialExecutors`);
  }
}
