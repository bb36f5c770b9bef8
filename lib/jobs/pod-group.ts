import { SparkApplicationSpec, SparkApplicationSpecBatchSchedulerOptionsResources } from '../../imports/sparkoperator.k8s.io';
import { ApplicationResources } from './spark-resources';

/** What a job's PodGroup asks of its Volcano queue before the job may start. */
export interface PodGroupMinimum {
  /** Executors counted: executor.instances, which the platform sets to the initial executors. */
  readonly executors: number;
  /** CPU of the driver and those executors, a Kubernetes quantity. */
  readonly cpu: string;
  /** Memory (heap plus Spark's overhead) of the driver and those executors, a Kubernetes quantity. */
  readonly memory: string;
}

/**
 * The PodGroup minimum of a job: the requests of its driver and of the executors it starts with,
 * as the pods will ask the API server for them. Operator 2.3.0 computes minResources itself from
 * `memory` read as a Kubernetes quantity (pkg/util/sparkapplication.go:406-409 and 453-456), so
 * Spark's "512m" (512 MiB) becomes 0.512 bytes and the overhead is left out; no memory string reads
 * the same to Spark (JavaUtils.byteStringAs: "m" is MiB, "Mi" is refused) and to Kubernetes ("m" is
 * milli). `batchSchedulerOptions.resources`, when set, replaces that sum
 * (internal/scheduler/volcano/scheduler.go:163-166), so the platform writes the true requests there.
 */
export function podGroupMinimum(spec: SparkApplicationSpec, resources: ApplicationResources): PodGroupMinimum {
  // The webhook gives a job without instances and without dynamic allocation 1 executor
  // (internal/webhook/sparkapplication_defaulter.go:91-95); the platform sets instances under it.
  const executors = spec.executor.instances ?? 1;
  return {
    executors,
    cpu: resources.driver.cpuRequest.plus(resources.executor.cpuRequest.times(executors)).toCpuString(),
    memory: resources.driver.memoryRequest.plus(resources.executor.memoryRequest.times(executors)).toMemoryString(),
  };
}

/**
 * The spec with `batchSchedulerOptions.resources` set to the PodGroup minimum, for a job that Volcano
 * schedules and that sets no resources of its own.
 */
export function withPodGroupResources(spec: SparkApplicationSpec, resources: ApplicationResources | undefined): SparkApplicationSpec {
  if (spec.batchScheduler !== 'volcano' || resources === undefined || spec.batchSchedulerOptions?.resources !== undefined) {
    return spec;
  }
  const min = podGroupMinimum(spec, resources);
  return {
    ...spec,
    batchSchedulerOptions: {
      ...spec.batchSchedulerOptions,
      resources: {
        cpu: SparkApplicationSpecBatchSchedulerOptionsResources.fromString(min.cpu),
        memory: SparkApplicationSpecBatchSchedulerOptionsResources.fromString(min.memory),
      },
    },
  };
}
