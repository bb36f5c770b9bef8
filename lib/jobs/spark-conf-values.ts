/**
 * The types of the Spark confs the platform knows (those it sets, and the tuning confs of the
 * tenant allow-list in `operator/spark-conf-policy.ts` most used), and the problem with a value
 * Spark 4.0.0 would refuse when the driver starts ("<key> should be boolean, but was ...").
 *
 * Values are read as Spark reads them (apache/spark v4.0.0):
 * - booleans: `s.trim.toBoolean`, "true" or "false" in any case
 *   (core/src/main/scala/org/apache/spark/internal/config/ConfigBuilder.scala, ConfigHelpers.toBoolean);
 * - integers and doubles: `s.trim.toInt`, `s.trim.toDouble` (ConfigHelpers.toNumber);
 * - sizes: JavaUtils.byteStringAs, a whole number with an optional unit b, k, kb, m, mb, g, gb, t,
 *   tb, p or pb (common/utils/src/main/java/org/apache/spark/network/util/JavaUtils.java);
 * - durations: JavaUtils.timeStringAs, a whole number with an optional unit us, ms, s, m, min, h or d.
 *
 * The keys and types are those of core/src/main/scala/org/apache/spark/internal/config/package.scala,
 * sql/catalyst/src/main/scala/org/apache/spark/sql/internal/SQLConf.scala and
 * resource-managers/kubernetes/core/src/main/scala/org/apache/spark/deploy/k8s/Config.scala.
 */
export enum SparkConfType {
  BOOLEAN = 'boolean',
  INTEGER = 'integer',
  DOUBLE = 'double',
  SIZE = 'size',
  DURATION = 'duration',
}

/** The confs whose type the platform checks, by key. */
export const SPARK_CONF_TYPES: Readonly<Record<string, SparkConfType>> = {
  'spark.eventLog.enabled': SparkConfType.BOOLEAN,
  'spark.eventLog.compress': SparkConfType.BOOLEAN,
  'spark.eventLog.rolling.enabled': SparkConfType.BOOLEAN,
  'spark.eventLog.rolling.maxFileSize': SparkConfType.SIZE,
  'spark.ui.enabled': SparkConfType.BOOLEAN,
  'spark.ui.prometheus.enabled': SparkConfType.BOOLEAN,
  'spark.ui.killEnabled': SparkConfType.BOOLEAN,
  'spark.ui.showConsoleProgress': SparkConfType.BOOLEAN,
  'spark.ui.retainedJobs': SparkConfType.INTEGER,
  'spark.ui.retainedStages': SparkConfType.INTEGER,
  'spark.ui.retainedTasks': SparkConfType.INTEGER,
  'spark.executor.processTreeMetrics.enabled': SparkConfType.BOOLEAN,
  'spark.decommission.enabled': SparkConfType.BOOLEAN,
  'spark.speculation': SparkConfType.BOOLEAN,
  'spark.speculation.interval': SparkConfType.DURATION,
  'spark.speculation.multiplier': SparkConfType.DOUBLE,
  'spark.speculation.quantile': SparkConfType.DOUBLE,
  'spark.shuffle.compress': SparkConfType.BOOLEAN,
  'spark.shuffle.spill.compress': SparkConfType.BOOLEAN,
  'spark.shuffle.file.buffer': SparkConfType.SIZE,
  'spark.broadcast.compress': SparkConfType.BOOLEAN,
  'spark.broadcast.blockSize': SparkConfType.SIZE,
  'spark.rdd.compress': SparkConfType.BOOLEAN,
  'spark.reducer.maxSizeInFlight': SparkConfType.SIZE,
  'spark.kryoserializer.buffer': SparkConfType.SIZE,
  'spark.kryoserializer.buffer.max': SparkConfType.SIZE,
  'spark.kryo.registrationRequired': SparkConfType.BOOLEAN,
  'spark.memory.fraction': SparkConfType.DOUBLE,
  'spark.memory.storageFraction': SparkConfType.DOUBLE,
  'spark.locality.wait': SparkConfType.DURATION,
  'spark.default.parallelism': SparkConfType.INTEGER,
  'spark.task.maxFailures': SparkConfType.INTEGER,
  'spark.task.cpus': SparkConfType.INTEGER,
  'spark.network.timeout': SparkConfType.DURATION,
  'spark.executor.heartbeatInterval': SparkConfType.DURATION,
  'spark.dynamicAllocation.executorIdleTimeout': SparkConfType.DURATION,
  'spark.dynamicAllocation.cachedExecutorIdleTimeout': SparkConfType.DURATION,
  'spark.dynamicAllocation.schedulerBacklogTimeout': SparkConfType.DURATION,
  'spark.dynamicAllocation.sustainedSchedulerBacklogTimeout': SparkConfType.DURATION,
  'spark.dynamicAllocation.executorAllocationRatio': SparkConfType.DOUBLE,
  'spark.kubernetes.local.dirs.tmpfs': SparkConfType.BOOLEAN,
  'spark.kubernetes.executor.deleteOnTermination': SparkConfType.BOOLEAN,
  'spark.kubernetes.executor.checkAllContainers': SparkConfType.BOOLEAN,
  'spark.kubernetes.executor.apiPollingInterval': SparkConfType.DURATION,
  'spark.kubernetes.executor.missingPodDetectDelta': SparkConfType.DURATION,
  'spark.kubernetes.allocation.batch.size': SparkConfType.INTEGER,
  'spark.kubernetes.allocation.batch.delay': SparkConfType.DURATION,
  'spark.sql.adaptive.enabled': SparkConfType.BOOLEAN,
  'spark.sql.adaptive.coalescePartitions.enabled': SparkConfType.BOOLEAN,
  'spark.sql.adaptive.skewJoin.enabled': SparkConfType.BOOLEAN,
  'spark.sql.adaptive.advisoryPartitionSizeInBytes': SparkConfType.SIZE,
  'spark.sql.ansi.enabled': SparkConfType.BOOLEAN,
  'spark.sql.shuffle.partitions': SparkConfType.INTEGER,
  'spark.sql.files.maxPartitionBytes': SparkConfType.SIZE,
  'spark.sql.broadcastTimeout': SparkConfType.DURATION,
  // A size, or -1 to turn broadcast joins off.
  'spark.sql.autoBroadcastJoinThreshold': SparkConfType.SIZE,
};

const SIZE = /^-?[0-9]+(b|k|kb|m|mb|g|gb|t|tb|p|pb)?$/i;
const DURATION = /^-?[0-9]+(us|ms|s|m|min|h|d)?$/i;

/** An example of a valid value of each type, for the messages. */
const EXAMPLE: Record<SparkConfType, string> = {
  [SparkConfType.BOOLEAN]: '"true" or "false"',
  [SparkConfType.INTEGER]: 'a whole number, for example "200"',
  [SparkConfType.DOUBLE]: 'a number, for example "0.4"',
  [SparkConfType.SIZE]: 'a whole number of bytes with an optional unit (b, k, m, g, t, p), for example "64m"',
  [SparkConfType.DURATION]: 'a whole number with an optional unit (us, ms, s, m, min, h, d), for example "120s"',
};

/** Whether Spark reads `value` as a value of `type`. */
function isValid(value: string, type: SparkConfType): boolean {
  const v = value.trim();
  switch (type) {
    case SparkConfType.BOOLEAN: return /^(true|false)$/i.test(v);
    case SparkConfType.INTEGER: return /^[+-]?[0-9]+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31 - 1;
    case SparkConfType.DOUBLE: return v !== '' && !Number.isNaN(Number(v));
    case SparkConfType.SIZE: return SIZE.test(v);
    case SparkConfType.DURATION: return DURATION.test(v);
  }
}

/**
 * The problem with a conf value Spark would refuse for a key of known type, or undefined.
 * @param what names the conf in the message, for example `sparkConf["spark.sql.shuffle.partitions"]`
 */
export function sparkConfValueProblem(key: string, value: unknown, what: string): string | undefined {
  const type = SPARK_CONF_TYPES[key];
  if (type === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    return `${what} ${JSON.stringify(value)} is not a string: the SparkApplication's confs are strings; write it as ${EXAMPLE[type]}`;
  }
  if (isValid(value, type)) {
    return undefined;
  }
  return `${what} "${value}" is not ${type === SparkConfType.INTEGER ? 'an' : 'a'} ${type}, so Spark refuses it when the driver starts: use ${EXAMPLE[type]}`;
}
