import { SparkApplicationSpec } from '../../imports/sparkoperator.k8s.io';
import { Quantity } from '../core/quantity';

/**
 * A model of what Kubeflow Spark Operator v2.3.0 does with a SparkApplication, from its defaulting
 * webhook to the spark-submit command, written from the source at the tag (every step cites the
 * lines it follows). It lets a test walk the platform's jobs before a cluster exists: the fields
 * the Go code dereferences, the specs its validator refuses, the PodGroup Volcano gets and the
 * arguments spark-submit runs with.
 *
 * @see https://github.com/kubeflow/spark-operator/tree/v2.3.0
 */
export interface OperatorInput {
  /** The SparkApplication's name (a scheduled run's is `<name>-<unix nanoseconds>`). */
  readonly name: string;
  readonly namespace: string;
  /** The SparkApplication's labels; the operator copies them to the pods. */
  readonly labels?: Record<string, string>;
  readonly spec: SparkApplicationSpec;
  /** Whether the controller runs with its batch scheduler on (`controller.batchScheduler.enable`). */
  readonly batchSchedulerEnabled: boolean;
}

/** The PodGroup the operator creates for Volcano (internal/scheduler/volcano/scheduler.go:177-215). */
export interface ModelPodGroup {
  readonly name: string;
  readonly queue?: string;
  readonly priorityClassName?: string;
  readonly minMember: number;
  /** Kubernetes quantities as the operator parsed them. */
  readonly minResources: Record<string, Quantity>;
}

/** What the operator did with the application. */
export interface OperatorWalk {
  /** The spec after the defaulting webhook. */
  readonly defaulted: SparkApplicationSpec;
  /** Messages of the validating webhook; the API server refuses the object when there is one. */
  readonly refused: string[];
  /** Nil pointers the Go code would dereference, each with the line; the controller panics there. */
  readonly nilDereferences: string[];
  readonly podGroup?: ModelPodGroup;
  /** spark-submit's arguments; map-valued fields are sorted here (Go iterates maps in random order). */
  readonly sparkSubmitArgs: string[];
}

const SO = 'sparkoperator.k8s.io/';
const GROUP_NAME = 'scheduling.k8s.io/group-name';

/** Walks one application through operator 2.3.0: defaulting, validation, Volcano, spark-submit. */
export function walkOperator(input: OperatorInput): OperatorWalk {
  const nil: string[] = [];
  const spec = defaultSpec(input.spec);
  const refused = validate(spec);
  let podGroup: ModelPodGroup | undefined;
  let submitted = spec;
  // controller.go:746-751 and 1191-1235: the scheduler runs before spark-submit, when it is named.
  if (input.batchSchedulerEnabled && spec.batchScheduler === 'volcano') {
    const scheduled = volcanoSchedule(input.name, spec, nil);
    podGroup = scheduled.podGroup;
    submitted = scheduled.spec;
  }
  return { defaulted: spec, refused, nilDereferences: nil, podGroup, sparkSubmitArgs: nil.length > 0 ? [] : sparkSubmitArgs({ ...input, spec: submitted }) };
}

/** internal/webhook/sparkapplication_defaulter.go:62-104 and pkg/util/sparkapplication.go:502-508. */
function defaultSpec(spec: SparkApplicationSpec): SparkApplicationSpec {
  const restartPolicy = { ...spec.restartPolicy, type: spec.restartPolicy?.type ?? 'Never' } as SparkApplicationSpec['restartPolicy'] & object;
  if (restartPolicy.type !== 'Never') {
    Object.assign(restartPolicy, {
      onSubmissionFailureRetryInterval: restartPolicy.onSubmissionFailureRetryInterval ?? 5,
      onFailureRetryInterval: restartPolicy.onFailureRetryInterval ?? 5,
    });
  }
  const dynamic = spec.dynamicAllocation !== undefined ? spec.dynamicAllocation.enabled === true : spec.sparkConf?.['spark.dynamicAllocation.enabled'] === 'true';
  const instances = spec.executor.instances ?? ((spec.sparkConf?.['spark.executor.instances'] ?? '') === '' && !dynamic ? 1 : undefined);
  return {
    ...spec,
    mode: spec.mode ?? ('cluster' as SparkApplicationSpec['mode']),
    restartPolicy,
    executor: { ...spec.executor, ...(instances !== undefined ? { instances } : {}) },
    ...(dynamic && spec.dynamicAllocation !== undefined ? { dynamicAllocation: { ...spec.dynamicAllocation, shuffleTrackingEnabled: spec.dynamicAllocation.shuffleTrackingEnabled ?? true } } : {}),
  };
}

/** internal/webhook/sparkapplication_validator.go:117-159. */
function validate(spec: SparkApplicationSpec): string[] {
  const refused: string[] = [];
  const major = Number(spec.sparkVersion.split('.')[0]);
  if ((spec.driver.template !== undefined || spec.executor.template !== undefined) && !(major >= 3)) {
    refused.push('pod template feature requires Spark version 3.0.0 or higher (sparkapplication_validator.go:153-156)');
  }
  if (spec.nodeSelector !== undefined && (spec.driver.nodeSelector !== undefined || spec.executor.nodeSelector !== undefined)) {
    refused.push('node selector cannot be defined at both SparkApplication and Driver/Executor (sparkapplication_validator.go:124-126)');
  }
  return refused;
}

/** internal/scheduler/volcano/scheduler.go:110-175 (cluster mode) and pkg/util/sparkapplication.go:386-472. */
function volcanoSchedule(name: string, spec: SparkApplicationSpec, nil: string[]): { spec: SparkApplicationSpec; podGroup?: ModelPodGroup } {
  const pgName = `spark-${name}-pg`;
  if (spec.mode !== 'cluster' || spec.driver.annotations?.[GROUP_NAME] !== undefined) {
    return { spec };
  }
  const k8s = (v: string | number | undefined) => (v === undefined ? undefined : Quantity.parse(v, '', () => undefined));
  const add = (list: Record<string, Quantity>, key: string, q: Quantity | undefined) => {
    if (q !== undefined) {
      list[key] = (list[key] ?? Quantity.ZERO).plus(q);
    }
  };
  // GetDriverRequestResource, sparkapplication.go:386-421: cores, else coreLimit; memory + memoryOverhead.
  const driver: Record<string, Quantity> = {};
  add(driver, 'cpu', k8s(spec.driver.cores) ?? k8s(spec.driver.coreLimit));
  const driverMemory = k8s(spec.driver.memory);
  add(driver, 'memory', driverMemory && spec.driver.memoryOverhead !== undefined ? driverMemory.plus(k8s(spec.driver.memoryOverhead) ?? Quantity.ZERO) : driverMemory);
  // GetExecutorRequestResource, sparkapplication.go:424-472: coreRequest, else cores, else coreLimit.
  const executor: Record<string, Quantity> = {};
  add(executor, 'cpu', k8s(spec.executor.coreRequest) ?? k8s(spec.executor.cores) ?? k8s(spec.executor.coreLimit));
  const executorMemory = k8s(spec.executor.memory);
  add(executor, 'memory', executorMemory && spec.executor.memoryOverhead !== undefined ? executorMemory.plus(k8s(spec.executor.memoryOverhead) ?? Quantity.ZERO) : executorMemory);
  if (spec.executor.instances === undefined) {
    nil.push('pkg/util/sparkapplication.go:468 dereferences *Spec.Executor.Instances, which is nil (kubeflow/spark-operator#2832)');
    return { spec };
  }
  const total: Record<string, Quantity> = { ...driver };
  for (const [key, q] of Object.entries(executor)) {
    add(total, key, q.times(spec.executor.instances));
  }
  // scheduler.go:164-166: batchSchedulerOptions.resources, when set, replaces the sum.
  const own = spec.batchSchedulerOptions?.resources;
  const minResources = own !== undefined && Object.keys(own).length > 0
    ? Object.fromEntries(Object.entries(own).map(([k, v]) => [k, Quantity.parse(String((v as { value: unknown }).value ?? v), k, () => undefined) ?? Quantity.ZERO]))
    : total;
  const podGroup: ModelPodGroup = {
    name: pgName,
    minMember: 1,
    minResources,
    ...(spec.batchSchedulerOptions?.queue !== undefined ? { queue: spec.batchSchedulerOptions.queue } : {}),
    ...(spec.batchSchedulerOptions?.priorityClassName !== undefined ? { priorityClassName: spec.batchSchedulerOptions.priorityClassName } : {}),
  };
  // scheduler.go:171-172: both roles are annotated with the group, which spark-submit passes on.
  return {
    podGroup,
    spec: {
      ...spec,
      driver: { ...spec.driver, annotations: { ...spec.driver.annotations, [GROUP_NAME]: pgName } },
      executor: { ...spec.executor, annotations: { ...spec.executor.annotations, [GROUP_NAME]: pgName } },
    },
  };
}

/**
 * internal/controller/sparkapplication/submission.go:91-121, the options in that order. spark-submit
 * keeps the last `--conf` of a key (apache/spark SparkSubmitArguments.handle, CONF), so a later
 * option wins over an earlier one: namespace and image (submission.go:98-99) come before
 * `sparkConf` (103), which can override them, and the driver and executor options (105-117) come
 * after it and win.
 */
export function sparkSubmitArgs(input: Omit<OperatorInput, 'batchSchedulerEnabled'>): string[] {
  const { name, namespace, spec } = input;
  const args: string[] = [];
  const conf = (key: string, value: string | number | boolean) => args.push('--conf', `${key}=${value}`);
  const sorted = (m: Record<string, string> | undefined) => Object.keys(m ?? {}).sort().map((k) => [k, m![k]] as const);
  const driverPodName = spec.driver.podName ?? spec.sparkConf?.['spark.kubernetes.driver.pod.name'] ?? `${name}-driver`;
  args.push('--master', 'k8s://https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT', '--deploy-mode', String(spec.mode));
  if (spec.mainClass !== undefined) {
    args.push('--class', spec.mainClass);
  }
  args.push('--name', name);
  // dependenciesOption, 189-221: each list joined with commas.
  for (const [field, flag] of [['jars', '--jars'], ['packages', '--packages'], ['excludePackages', '--exclude-packages'], ['repositories', '--repositories'], ['pyFiles', '--py-files'], ['files', '--files'], ['archives', '--archives']] as const) {
    const list = spec.deps?.[field] ?? [];
    if (list.length > 0) {
      args.push(flag, list.join(','));
    }
  }
  conf('spark.kubernetes.namespace', namespace);
  if (spec.image) {
    conf('spark.kubernetes.container.image', spec.image);
  }
  if (spec.imagePullPolicy) {
    conf('spark.kubernetes.container.image.pullPolicy', spec.imagePullPolicy);
  }
  if (spec.pythonVersion) {
    conf('spark.kubernetes.pyspark.pythonVersion', spec.pythonVersion);
  }
  if (spec.memoryOverheadFactor) {
    conf('spark.kubernetes.memoryOverheadFactor', spec.memoryOverheadFactor);
  }
  conf('spark.kubernetes.submission.waitAppCompletion', false);
  for (const [k, v] of sorted(spec.sparkConf)) {
    if (k !== 'spark.kubernetes.driver.pod.name') {
      conf(k, v);
    }
  }
  for (const [k, v] of sorted(spec.hadoopConf)) {
    conf(`spark.hadoop.${k}`, v);
  }
  for (const role of ['driver', 'executor'] as const) {
    const p = spec[role];
    if (p.template !== undefined) {
      conf(`spark.kubernetes.${role}.podTemplateFile`, `/tmp/spark/<submission-id>/${role}-pod-template.yaml`);
      conf(`spark.kubernetes.${role}.podTemplateContainerName`, `spark-kubernetes-${role}`);
    }
    if (role === 'driver') {
      conf('spark.kubernetes.driver.pod.name', driverPodName);
    }
    const label = (k: string, v: string) => conf(`spark.kubernetes.${role}.label.${k}`, v);
    label(`${SO}app-name`, name);
    label(`${SO}launched-by-spark-operator`, 'true');
    if (p.template === undefined) {
      label(`${SO}mutated-by-spark-operator`, 'true');
    }
    label(`${SO}submission-id`, '<submission-id>');
    if (role === 'executor' && spec.executor.instances !== undefined) {
      conf('spark.executor.instances', spec.executor.instances);
    }
    if (p.image ?? spec.image) {
      conf(`spark.kubernetes.${role}.container.image`, (p.image ?? spec.image)!);
    }
    if (p.cores !== undefined) {
      conf(`spark.${role}.cores`, p.cores);
    }
    if (p.coreRequest !== undefined) {
      conf(`spark.kubernetes.${role}.request.cores`, p.coreRequest);
    }
    if (p.coreLimit !== undefined) {
      conf(`spark.kubernetes.${role}.limit.cores`, p.coreLimit);
    }
    if (p.memory !== undefined) {
      conf(`spark.${role}.memory`, p.memory);
    }
    if (p.memoryOverhead !== undefined) {
      conf(`spark.${role}.memoryOverhead`, p.memoryOverhead);
    }
    if (p.serviceAccount !== undefined) {
      conf(`spark.kubernetes.authenticate.${role}.serviceAccountName`, p.serviceAccount);
    }
    for (const [k, v] of [...sorted(input.labels), ...sorted(p.labels)]) {
      label(k, v);
    }
    for (const [k, v] of sorted(p.annotations)) {
      conf(`spark.kubernetes.${role}.annotation.${k}`, v);
    }
    if (p.javaOptions !== undefined) {
      conf(`spark.${role}.extraJavaOptions`, p.javaOptions);
    }
    for (const [k, v] of sorted((p as { envVars?: Record<string, string> }).envVars)) {
      conf(role === 'driver' ? `spark.kubernetes.driverEnv.${k}` : `spark.executorEnv.${k}`, v);
    }
  }
  for (const [k, v] of sorted(spec.nodeSelector)) {
    conf(`spark.kubernetes.node.selector.${k}`, v);
  }
  // dynamicAllocationOption, 1002-1036.
  const da = spec.dynamicAllocation;
  if (da?.enabled === true) {
    conf('spark.dynamicAllocation.enabled', true);
    if (da.initialExecutors !== undefined) {
      conf('spark.dynamicAllocation.initialExecutors', da.initialExecutors);
    }
    if (da.minExecutors !== undefined) {
      conf('spark.dynamicAllocation.minExecutors', da.minExecutors);
    }
    if (da.maxExecutors !== undefined) {
      conf('spark.dynamicAllocation.maxExecutors', da.maxExecutors);
    }
    conf('spark.dynamicAllocation.shuffleTracking.enabled', da.shuffleTrackingEnabled ?? true);
    if (da.shuffleTrackingTimeout !== undefined) {
      conf('spark.dynamicAllocation.shuffleTracking.timeout', da.shuffleTrackingTimeout);
    }
  }
  if (spec.proxyUser) {
    args.push('--proxy-user', spec.proxyUser);
  }
  if (spec.mainApplicationFile !== undefined) {
    args.push(spec.mainApplicationFile);
  }
  args.push(...(spec.arguments ?? []));
  return args;
}
