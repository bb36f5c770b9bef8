/**
 * What a tenant's SparkApplication may ask of the operator. The operator's controller runs
 * spark-submit with its own credentials for every tenant, and passes `spec.sparkConf` after its
 * own settings, so a conf can redirect the driver into another namespace, make the controller read
 * its own files (its token among them) into the tenant's namespace, or change the account and the
 * credentials it submits with. The rules here are an allow-list: a conf key is accepted only if it
 * matches one of ALLOWED_SPARK_CONF and none of DENIED_SPARK_CONF. They are checked at synth by
 * SparkJob and on the cluster by the ValidatingAdmissionPolicy of TenantAdmissionPolicy, from the
 * same patterns (RE2 and JavaScript read them alike: no lookaround, no backreferences).
 *
 * @see https://github.com/kubeflow/spark-operator/blob/v2.3.0/internal/controller/sparkapplication/submission.go
 */

/** A conf-key pattern (a whole-key regular expression) and why it is there. */
export interface SparkConfRule {
  readonly pattern: string;
  readonly why: string;
}

/**
 * Environment variables tenants may not set in their Spark pods: the JVM reads options from
 * JAVA_TOOL_OPTIONS, _JAVA_OPTIONS and JDK_JAVA_OPTIONS, Spark's launch scripts from SPARK_* (its
 * conf directory, daemon and submit options among them), PySpark from PYSPARK_*, Hadoop from
 * HADOOP_*, the dynamic linker from LD_*: each would carry settings past the conf allow-list.
 */
export const DENIED_ENV_NAME = '(JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTS|CLASSPATH|LD_PRELOAD|LD_LIBRARY_PATH|(SPARK|PYSPARK|HADOOP)_[A-Za-z0-9_]*)';

/** Conf keys tenants may set: tuning and features that act only inside the tenant's own pods. */
export const ALLOWED_SPARK_CONF: readonly SparkConfRule[] = [
  { pattern: 'spark\\.sql\\..+', why: 'SQL settings' },
  { pattern: 'spark\\.(shuffle|reducer|broadcast|cleaner|speculation|locality|io\\.compression|kryo|kryoserializer|storage|memory|stage|rdd)\\..+', why: 'execution, shuffle and storage tuning' },
  { pattern: 'spark\\.(default\\.parallelism|serializer|task\\.maxFailures|task\\.cpus|network\\.timeout|executor\\.heartbeatInterval|app\\.name)', why: 'execution tuning' },
  { pattern: 'spark\\.kubernetes\\.memoryOverheadFactor', why: 'memory overhead, counted by the quota check' },
  { pattern: 'spark\\.eventLog\\..+', why: 'event logs for the History Server' },
  { pattern: 'spark\\.history\\..+', why: 'History Server settings' },
  { pattern: 'spark\\.hadoop\\.fs\\.s3a\\..+', why: 'the S3A client (credentials come from Secrets, not confs)' },
  { pattern: 'spark\\.hadoop\\.(mapreduce|parquet)\\..+', why: 'output committers and file formats' },
  { pattern: 'spark\\.metrics\\..+', why: 'metrics sinks' },
  { pattern: 'spark\\.ui\\.(prometheus\\.enabled|enabled|retainedJobs|retainedStages|retainedTasks|showConsoleProgress|killEnabled)', why: 'the driver UI and its metrics' },
  { pattern: 'spark\\.executor\\.processTreeMetrics\\.enabled', why: 'executor metrics' },
  { pattern: 'spark\\.dynamicAllocation\\.(executorIdleTimeout|cachedExecutorIdleTimeout|schedulerBacklogTimeout|sustainedSchedulerBacklogTimeout|executorAllocationRatio)', why: 'dynamic allocation tuning (bounds come from spec.dynamicAllocation)' },
  { pattern: 'spark\\.executorEnv\\.[A-Za-z_][A-Za-z0-9_]*', why: 'executor environment' },
  { pattern: 'spark\\.kubernetes\\.driverEnv\\.[A-Za-z_][A-Za-z0-9_]*', why: 'driver environment' },
  { pattern: 'spark\\.(driver|executor)\\.(extraJavaOptions|extraClassPath|extraLibraryPath)', why: 'JVM options of the tenant\'s own pods (cluster mode only)' },
  { pattern: 'spark\\.pyspark\\.(python|driver\\.python)', why: 'the Python interpreter' },
  { pattern: 'spark\\.kubernetes\\.(driver|executor)\\.volumes\\.(emptyDir|persistentVolumeClaim)\\.[a-z0-9-]+\\.(mount\\.path|mount\\.subPath|mount\\.readOnly|options\\.(medium|sizeLimit|claimName|storageClass))', why: 'scratch and claim volumes' },
  { pattern: 'spark\\.kubernetes\\.local\\.dirs\\.tmpfs', why: 'local directories in memory' },
  { pattern: 'spark\\.kubernetes\\.executor\\.(deleteOnTermination|apiPollingInterval|missingPodDetectDelta|checkAllContainers)', why: 'executor lifecycle' },
  { pattern: 'spark\\.kubernetes\\.allocation\\.batch\\.(size|delay)', why: 'executor allocation pace' },
  { pattern: 'spark\\.decommission\\.enabled', why: 'graceful decommissioning' },
  { pattern: 'spark\\.kubernetes\\.(driver|executor)\\.(label|annotation)\\..+', why: 'labels and annotations of the tenant\'s own pods' },
];

/**
 * Conf keys that are refused even where an allowed pattern matches, and that name the attacks the
 * allow-list keeps out, so that the message can say why.
 */
export const DENIED_SPARK_CONF: readonly SparkConfRule[] = [
  { pattern: 'spark\\.kubernetes\\.namespace', why: 'it moves the driver into another namespace, created with the operator\'s credentials' },
  { pattern: 'spark\\.kubernetes\\.authenticate\\..+', why: 'it changes the accounts and credentials the operator submits with or the pods run as' },
  { pattern: 'spark\\.kubernetes\\.file\\.upload\\.path', why: 'it makes the operator upload files from its own file system' },
  { pattern: 'spark\\.(kubernetes\\.kerberos|kerberos)\\..+', why: 'it makes the operator read local files (krb5.conf, keytabs) into the tenant\'s namespace' },
  { pattern: 'spark\\.kubernetes\\.(driver|executor)\\.podTemplate(File|ContainerName)', why: 'it makes the operator read a local file into the pods; use the job\'s pod templates' },
  { pattern: 'spark\\.(master|submit\\.deployMode|kubernetes\\.driver\\.master|kubernetes\\.context|kubernetes\\.trust\\.certificates)', why: 'it changes the cluster or the mode the operator submits to' },
  { pattern: 'spark\\.kubernetes\\.submission\\..+', why: 'it ties up the operator\'s workers' },
  { pattern: 'spark\\.kubernetes\\.(container\\.image.*|(driver|executor)\\.container\\.image)', why: 'images come from spec.image' },
  { pattern: 'spark\\.hadoop\\.fs\\.s3a\\.(.+\\.)?(access\\.key|secret\\.key|session\\.token)', why: 'credentials do not belong in the SparkApplication; they come from the tenant\'s Secret' },
  { pattern: `spark\\.(executorEnv|kubernetes\\.driverEnv)\\.${DENIED_ENV_NAME}`, why: 'the JVM, Spark, PySpark and Hadoop read their settings from these variables, past this allow-list' },
  { pattern: 'spark\\.kubernetes\\.(driver|executor)\\.(label|annotation)\\.(sparkoperator\\.k8s\\.io/.*|spark-platform\\.io/.*|.*kubernetes\\.io/.*|.*k8s\\.io/.*|.*volcano\\.sh/.*|spark-role|spark-app-selector|spark-version|spark-app-name|spark-exec-id)', why: 'the operator, Spark, the scheduler and the platform own these labels' },
];

/**
 * What JVM options of a tenant's pods may not contain (searched anywhere in the value): a `-Dspark.`
 * system property, which the driver's SparkConf reads as a conf, and quotes or backslashes, with
 * which Spark's option splitting would let one through in pieces.
 */
export const DENIED_JAVA_OPTION = `-D['"]?spark\\.|['"\\\\]`;

/** Label keys of Spark pods that tenants may not set: the operator's, Spark's, the scheduler's and the platform's own. */
export const RESERVED_POD_LABEL = '(sparkoperator\\.k8s\\.io/.*|spark-platform\\.io/.*|.*kubernetes\\.io/.*|.*k8s\\.io/.*|.*volcano\\.sh/.*|spark-role|spark-app-selector|spark-version|spark-app-name|spark-exec-.*)';

/**
 * Annotation keys of Spark pods that tenants may not set: the scheduler's (Volcano routes a pod to a
 * queue and a PodGroup by them), Kubernetes', the operator's and the platform's.
 */
export const RESERVED_POD_ANNOTATION = '(sparkoperator\\.k8s\\.io/.*|spark-platform\\.io/.*|.*kubernetes\\.io/.*|.*k8s\\.io/.*|.*volcano\\.sh/.*)';

/**
 * Dependency URIs (and the main application file) a tenant may give: a file of the image. The
 * operator's controller runs spark-submit, which resolves every other scheme itself, from its own
 * file system or the network (s3a:// among them: its image has no S3A client and its NetworkPolicy
 * keeps it from the object store). One URI per entry: spark-submit splits the joined list at
 * commas, so a comma would smuggle in a second URI.
 */
export const ALLOWED_DEPENDENCY_URI = 'local:///[^,]+';

/** The one allowed-key pattern, as one anchored regular expression. */
export const ALLOWED_SPARK_CONF_PATTERN = `^(${ALLOWED_SPARK_CONF.map((r) => r.pattern).join('|')})$`;
/** The one denied-key pattern, as one anchored regular expression. */
export const DENIED_SPARK_CONF_PATTERN = `^(${DENIED_SPARK_CONF.map((r) => r.pattern).join('|')})$`;

const allowed = new RegExp(ALLOWED_SPARK_CONF_PATTERN);
const denied = DENIED_SPARK_CONF.map((r) => ({ re: new RegExp(`^(${r.pattern})$`), why: r.why }));

/**
 * The problem with a conf key a tenant's job sets, or undefined when the key is allowed.
 * @param what names the key in the message, for example `sparkConf["spark.kubernetes.namespace"]`
 */
export function sparkConfKeyProblem(key: string, what: string): string | undefined {
  const deny = denied.find((d) => d.re.test(key));
  if (deny) {
    return `${what} may not be set by a tenant: ${deny.why}; remove it`;
  }
  if (!allowed.test(key)) {
    return `${what} is not a conf tenants may set (the platform allows tuning, SQL, S3A, event log, metrics, environment and volume confs of the tenant's own pods; resources, accounts, images and dependencies come from the typed spec fields): use the typed field for it, or remove it`;
  }
  return undefined;
}
