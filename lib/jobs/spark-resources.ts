import { SparkApplicationSpec, SparkApplicationSpecType } from '../../imports/sparkoperator.k8s.io';
import { Quantity, Report } from '../core/quantity';

/** What one pod of a Spark application asks the API server for, as Spark builds the pod. */
export interface PodResources {
  readonly cpuRequest: Quantity;
  /**
   * `coreLimit`, or else the namespace's LimitRange default; undefined when neither is set, as Spark
   * then sets no CPU limit on the pod.
   */
  readonly cpuLimit?: Quantity;
  /** Spark sets the memory request to heap plus overhead. */
  readonly memoryRequest: Quantity;
  /** Heap plus overhead, or `memoryLimit` when set. */
  readonly memoryLimit: Quantity;
}

/** What a whole SparkApplication needs at its peak: the driver and every executor running at once. */
export interface ApplicationResources {
  readonly driver: PodResources;
  readonly executor: PodResources;
  /** Executors at the peak: `executor.instances`, or `dynamicAllocation.maxExecutors`. */
  readonly executors: number;
  readonly pods: number;
  readonly requestsCpu: Quantity;
  readonly requestsMemory: Quantity;
  /** Undefined when a pod has no CPU limit. */
  readonly limitsCpu?: Quantity;
  readonly limitsMemory: Quantity;
}

/** Spark's floor for the memory overhead (`spark.kubernetes.memoryOverhead` minimum), MiB. */
export const MIN_MEMORY_OVERHEAD_MIB = 384;
/** Spark's overhead factor for JVM applications. */
export const JVM_MEMORY_OVERHEAD_FACTOR = 0.1;
/** Spark's overhead factor for Python and R applications, whose workers live outside the heap. */
export const NON_JVM_MEMORY_OVERHEAD_FACTOR = 0.4;
/** `spark.driver.memory` and `spark.executor.memory` when unset. */
export const DEFAULT_SPARK_MEMORY = '1g';
/** `spark.executor.instances` when unset. */
export const DEFAULT_EXECUTOR_INSTANCES = 2;

/** What the namespace adds to pods that set no limit of their own. */
export interface NamespaceDefaults {
  /** The LimitRange's default container CPU limit. */
  readonly cpuLimit?: Quantity;
}

/**
 * Works out the pods a SparkApplication creates the way Spark on Kubernetes does: CPU request from
 * `coreRequest` or `cores`, CPU limit from `coreLimit`, memory as the heap plus `memoryOverhead`,
 * or else max(384Mi, factor x heap) with factor 0.1 for JVM and 0.4 for Python/R applications
 * unless `memoryOverheadFactor` is set. A pod without `coreLimit` gets the namespace's default CPU
 * limit, if any. Every malformed value is reported; the result is undefined if there was one.
 */
export function applicationResources(spec: SparkApplicationSpec, defaults: NamespaceDefaults = {}, report: Report = () => undefined): ApplicationResources | undefined {
  let ok = true;
  const check: Report = (problem) => {
    ok = false;
    report(problem);
  };
  const nonJvm = spec.type === SparkApplicationSpecType.PYTHON || spec.type === SparkApplicationSpecType.R;
  const factorText = spec.memoryOverheadFactor ?? spec.sparkConf?.['spark.kubernetes.memoryOverheadFactor'];
  let factor = factorText === undefined ? (nonJvm ? NON_JVM_MEMORY_OVERHEAD_FACTOR : JVM_MEMORY_OVERHEAD_FACTOR) : Number(factorText);
  if (!Number.isFinite(factor) || factor < 0) {
    check(`memoryOverheadFactor "${factorText}" is not a number: use a decimal such as "0.1"`);
    factor = JVM_MEMORY_OVERHEAD_FACTOR;
  }
  const driver = podResources('driver', spec.driver, factor, defaults, check);
  const executor = podResources('executor', spec.executor, factor, defaults, check);
  const dynamic = spec.dynamicAllocation?.enabled === true;
  if (dynamic && spec.dynamicAllocation?.maxExecutors === undefined) {
    check('dynamicAllocation.maxExecutors is not set: with dynamic allocation on, Spark may ask for unbounded executors; set maxExecutors so the quota check can count them');
  }
  if (!ok || !driver || !executor) {
    return undefined;
  }
  const executors = dynamic ? spec.dynamicAllocation!.maxExecutors! : spec.executor.instances ?? DEFAULT_EXECUTOR_INSTANCES;
  const total = (pick: (p: PodResources) => Quantity) => pick(driver).plus(pick(executor).times(executors));
  return {
    driver,
    executor,
    executors,
    pods: 1 + executors,
    requestsCpu: total((p) => p.cpuRequest),
    requestsMemory: total((p) => p.memoryRequest),
    limitsCpu: driver.cpuLimit && executor.cpuLimit ? driver.cpuLimit.plus(executor.cpuLimit.times(executors)) : undefined,
    limitsMemory: total((p) => p.memoryLimit),
  };
}

interface SparkPodSpec {
  readonly cores?: number;
  readonly coreRequest?: string;
  readonly coreLimit?: string;
  readonly memory?: string;
  readonly memoryOverhead?: string;
  readonly memoryLimit?: string;
}

function podResources(role: 'driver' | 'executor', pod: SparkPodSpec, factor: number, defaults: NamespaceDefaults, report: Report): PodResources | undefined {
  const cpuRequest = pod.coreRequest !== undefined
    ? Quantity.parse(pod.coreRequest, `${role}.coreRequest`, report)
    : Quantity.of(pod.cores ?? 1);
  const cpuLimit = pod.coreLimit !== undefined ? Quantity.parse(pod.coreLimit, `${role}.coreLimit`, report) : defaults.cpuLimit;
  const heap = Quantity.parseSparkMemory(pod.memory ?? DEFAULT_SPARK_MEMORY, `${role}.memory`, report);
  const overhead = pod.memoryOverhead !== undefined
    ? Quantity.parseSparkMemory(pod.memoryOverhead, `${role}.memoryOverhead`, report)
    : heap && Quantity.mebibytes(Math.max(Math.floor(factor * heap.mebibytes), MIN_MEMORY_OVERHEAD_MIB));
  const memoryRequest = heap && overhead && heap.plus(overhead);
  const memoryLimit = pod.memoryLimit !== undefined ? Quantity.parse(pod.memoryLimit, `${role}.memoryLimit`, report) : memoryRequest;
  if (!cpuRequest || (pod.coreLimit !== undefined && !cpuLimit) || !memoryRequest || !memoryLimit) {
    return undefined;
  }
  return { cpuRequest, cpuLimit, memoryRequest, memoryLimit };
}
