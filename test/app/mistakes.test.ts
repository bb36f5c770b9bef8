import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { ChartDelivery, ConcurrencyPolicy, ObjectStorage, PlatformApp, PlatformMonitoring, PodSecurityLevel, ScheduledSparkJob, SparkJob, SparkOperatorRelease, SparkOperatorReleaseProps, SparkPiJob, PySparkScriptJob, SparkPiLanguage, TenantNamespace, TenantNamespaceProps, VolcanoScheduling } from '../../lib';
import { scratchDir } from '../support/project';

// A corpus of mistakes a user makes through the public API (the package entry, lib/index.ts), each
// with the one message it must produce: the construct path, the refused value and the fix. Every
// case is synthesized in-process into a folder that already holds a file, which must be left as it
// was, and every message must be printed exactly once. A second table holds unusual but valid
// inputs, which must synthesize.

/** What a case builds its app from. */
class Kit {
  public readonly app: PlatformApp;
  public readonly tenants: Chart;
  public readonly jobs: Chart;
  private alphaTenant?: TenantNamespace;
  private op?: SparkOperatorRelease;

  constructor(public readonly outdir: string, delivery?: ChartDelivery) {
    this.app = new PlatformApp(delivery === undefined ? { outdir } : { outdir, chartDelivery: delivery });
    this.tenants = new Chart(this.app, 'tenants');
    this.jobs = new Chart(this.app, 'jobs');
  }

  /** team-alpha, created when first asked for. */
  public get alpha(): TenantNamespace {
    this.alphaTenant ??= new TenantNamespace(this.tenants, 'alpha', { name: 'team-alpha' });
    return this.alphaTenant;
  }

  public tenant(id: string, props: TenantNamespaceProps): TenantNamespace {
    return new TenantNamespace(this.tenants, id, props);
  }

  /** The operator, watching team-alpha and `tenants`, created when first asked for. */
  public operator(props: Partial<SparkOperatorReleaseProps> = {}, tenants: TenantNamespace[] = []): SparkOperatorRelease {
    this.op ??= new SparkOperatorRelease(new Chart(this.app, 'operator'), 'operator', { tenants: [this.alpha, ...tenants], ...props });
    return this.op;
  }

  /** A Scala SparkPi SparkJob in team-alpha with `change` applied to its spec. */
  public job(change: (spec: any) => any, name = 'etl'): SparkJob {
    this.operator();
    const spec = SparkPiJob.spec({ language: SparkPiLanguage.SCALA });
    return new SparkJob(this.jobs, name, { tenant: this.alpha, name, spec: change(JSON.parse(JSON.stringify(spec))) });
  }

  /** A PySpark job `flights` of team-alpha running `source`, with team-alpha's storage. */
  public pyspark(source: string, fileName = 'flights.py'): PySparkScriptJob {
    this.operator();
    const storage = new ObjectStorage(new Chart(this.app, 'st'), 'st', { tenants: [this.alpha] }).locationOf(this.alpha)!;
    return new PySparkScriptJob(this.jobs, 'flights', { tenant: this.alpha, name: 'flights', storage, script: { fileName, source } });
  }

  /** A nightly job in team-alpha. */
  public scheduled(props: { schedule?: string; timeZone?: string }): ScheduledSparkJob {
    this.operator();
    return new ScheduledSparkJob(this.jobs, 'nightly', {
      tenant: this.alpha,
      name: 'nightly',
      schedule: props.schedule ?? '0 2 * * *',
      timeZone: props.timeZone,
      concurrencyPolicy: ConcurrencyPolicy.FORBID,
      spec: SparkPiJob.spec({ language: SparkPiLanguage.SCALA }),
    });
  }
}

const PREVIOUS = { '0000-old.k8s.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n' };

/** Synthesizes what `build` declares; the problems reported, one per line, and whether the output folder was left as it was. */
function synth(build: (k: Kit) => void, delivery?: ChartDelivery): { problems: string[]; untouched: boolean } {
  const outdir = scratchDir('mistake-');
  for (const [name, text] of Object.entries(PREVIOUS)) {
    fs.writeFileSync(path.join(outdir, name), text);
  }
  const kit = new Kit(outdir, delivery);
  build(kit);
  let problems: string[] = [];
  try {
    kit.app.synth();
  } catch (e) {
    problems = (e as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
  const after = Object.fromEntries(fs.readdirSync(outdir).sort().map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
  return { problems, untouched: problems.length === 0 || JSON.stringify(after) === JSON.stringify(PREVIOUS) };
}

/** A mistake: its name, what the user declares, and the message: construct path, then fragments (the value, the fix) it must contain. */
type Mistake = [name: string, build: (k: Kit) => void, path: string, fragments: (string | RegExp)[], delivery?: ChartDelivery];

const job = (change: (spec: any) => any) => (k: Kit) => k.job(change);
const conf = (key: string, value: string) => job((s) => ({ ...s, sparkConf: { [key]: value } }));
const driver = (fields: Record<string, unknown>) => job((s) => ({ ...s, driver: { ...s.driver, ...fields } }));

/** The pipeline's PySpark program, a real script that must parse. */
const FLIGHT_DELAYS = fs.readFileSync(path.join(__dirname, '..', '..', 'pipelines', 'flight-delays', 'flight_delays.py'), 'utf8');

const MISTAKES: Mistake[] = [
  // Schedules that never fire: robfig/cron needs both day fields when the day of week is "*".
  ...([
    ['0 0 30 2 *', '"0 0 28 2 *"'], ['0 0 31 2 *', '"0 0 28 2 *"'], ['0 0 31 4 *', '"0 0 30 4 *"'], ['0 0 31 6 *', '"0 0 30 6 *"'],
    ['0 0 31 9 *', '"0 0 30 9 *"'], ['0 0 31 11 *', '"0 0 30 11 *"'], ['0 0 31 4,6 *', '"0 0 30 4,6 *"'], ['0 0 30,31 feb *', '"0 0 28 feb *"'],
    ['30 6 31 apr ?', '"30 6 30 apr ?"'], ['0 0 31 apr-apr *', '"0 0 30 apr-apr *"'],
  ] as const).map(([schedule, fix]): Mistake => [`a schedule that never fires: ${schedule}`, (k) => k.scheduled({ schedule }), 'jobs/nightly', [`schedule "${schedule}"`, 'never fires', fix]]),
  // Schedules the controller cannot parse.
  ...([
    ['0 2 * *', 'has 4 fields'], ['0 0 2 * * *', 'has 6 fields'], ['60 2 * * *', 'outside 0-59'], ['0 24 * * *', 'outside 0-23'],
    ['0 0 0 * *', 'outside 1-31'], ['0 0 1 13 *', 'outside 1-12'], ['0 0 * * 7', 'outside 0-6'], ['*/0 * * * *', 'bad step'],
    ['0 0 * * mond', 'not a number'], ['@fortnightly', 'not a descriptor'], ['@every 0s', 'no positive Go duration'], ['CRON_TZ=UTC 0 2 * * *', 'set the timeZone prop'],
  ] as const).map(([schedule, what]): Mistake => [`a schedule the operator refuses: ${schedule}`, (k) => k.scheduled({ schedule }), 'jobs/nightly', [`schedule "${schedule}"`, what]]),
  // Time zones Node takes but Go's time.LoadLocation does not.
  ...([
    ['europe/berlin', 'use "Europe/Berlin"'], ['utc', 'use "UTC"'], ['EUROPE/PARIS', 'use "Europe/Paris"'], ['america/new_york', 'use "America/New_York"'],
    ['+02:00', 'use the zone "Etc/GMT-2"'], ['-05:00', 'use the zone "Etc/GMT+5"'], ['UTC+1', 'use the zone "Etc/GMT-1"'], ['GMT-3', 'use the zone "Etc/GMT+3"'],
    ['Local', 'use an IANA time zone name'], ['Mars/Olympus_Mons', 'not a time zone of the IANA database'], ['+05:30', 'use an IANA time zone name'],
  ] as const).map(([timeZone, fix]): Mistake => [`a time zone Go refuses: ${timeZone}`, (k) => k.scheduled({ timeZone }), 'jobs/nightly', [`timeZone "${timeZone}"`, fix]]),
  // Spark confs of known type with a value Spark refuses.
  ...([
    ['spark.sql.adaptive.enabled', 'yes', 'boolean'], ['spark.eventLog.compress', '1', 'boolean'], ['spark.sql.ansi.enabled', 'on', 'boolean'],
    ['spark.ui.prometheus.enabled', 'enabled', 'boolean'], ['spark.kubernetes.executor.deleteOnTermination', 'no', 'boolean'], ['spark.decommission.enabled', 't', 'boolean'],
    ['spark.sql.shuffle.partitions', 'many', 'integer'], ['spark.sql.shuffle.partitions', '2.5', 'integer'], ['spark.default.parallelism', '1e3', 'integer'],
    ['spark.task.maxFailures', 'four', 'integer'], ['spark.kubernetes.allocation.batch.size', '99999999999', 'integer'], ['spark.ui.retainedJobs', '', 'integer'],
    ['spark.sql.files.maxPartitionBytes', '128 MB', 'size'], ['spark.kryoserializer.buffer.max', '1.5g', 'size'], ['spark.reducer.maxSizeInFlight', '48mib', 'size'],
    ['spark.sql.autoBroadcastJoinThreshold', 'off', 'size'], ['spark.network.timeout', '2 minutes', 'duration'], ['spark.executor.heartbeatInterval', '10 s', 'duration'],
    ['spark.dynamicAllocation.executorIdleTimeout', '1.5m', 'duration'], ['spark.locality.wait', '3sec', 'duration'], ['spark.speculation.multiplier', 'a lot', 'double'],
    ['spark.memory.fraction', '60%', 'double'],
  ] as const).map(([key, value, type]): Mistake => [`a ${type} conf of the wrong type: ${key}=${value}`, conf(key, value), 'jobs/etl', [`sparkConf["${key}"] "${value}" is not`, type, 'so Spark refuses it', 'use ']]),
  // Pod fields the 1.31 API server refuses in the pods Spark creates.
  ...([
    ['1ST_VAR', 'did you mean "_1ST_VAR"?'], ['MY VAR', 'did you mean "MY_VAR"?'], ['A=B', 'did you mean "A_B"?'], ['..', 'for example "MY_SETTING"'],
    ['PATH/X', 'did you mean "PATH_X"?'], ['ÜBER', 'for example "MY_SETTING"'], ['', 'for example "MY_SETTING"'],
  ] as const).map(([name, fix]): Mistake => [`an environment variable name the API server refuses: ${JSON.stringify(name)}`, driver({ env: [{ name, value: 'x' }] }), 'jobs/etl', [`driver.env[0].name ${JSON.stringify(name)} is not a valid environment variable name`, fix]]),
  ['an executor env var name the API server refuses', job((s) => ({ ...s, executor: { ...s.executor, env: [{ name: 'JAVA OPTS', value: 'x' }] } })), 'jobs/etl', ['executor.env[0].name "JAVA OPTS"', 'did you mean "JAVA_OPTS"?']],
  ['an env var with both value and valueFrom', driver({ env: [{ name: 'KEY', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }), 'jobs/etl', ['driver.env[0] "KEY" has both value and valueFrom', 'keep one of them']],
  ['a volume mount of no volume', driver({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), 'jobs/etl', ['driver.volumeMounts[0].name "data" names no volume of the driver pod', 'add a volume "data"']],
  ['a volume mount of a volume of another name', job((s) => ({ ...s, volumes: [{ name: 'scratch', emptyDir: {} }], executor: { ...s.executor, volumeMounts: [{ name: 'scrach', mountPath: '/scratch' }] } })), 'jobs/etl', ['executor.volumeMounts[0].name "scrach"', 'or mount one of "scratch"']],
  ['two mounts at one path', job((s) => ({ ...s, volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }], driver: { ...s.driver, volumeMounts: [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data' }] } })), 'jobs/etl', ['driver.volumeMounts[1].mountPath "/data" is also the mount path of driver.volumeMounts[0]', 'for example "/data-2"']],
  ['two volumes of one name', job((s) => ({ ...s, volumes: [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }] })), 'jobs/etl', ['volumes has two volumes named "a"', 'give each volume its own name']],
  ['a port name the API server refuses', driver({ ports: [{ name: 'Metrics_Port', containerPort: 9090, protocol: 'TCP' }] }), 'jobs/etl', ['driver.ports[0].name "Metrics_Port" is not a valid port name', 'did you mean "metrics-port"?']],
  ['a port name longer than 15 characters', driver({ ports: [{ name: 'prometheus-metrics', containerPort: 9090, protocol: 'TCP' }] }), 'jobs/etl', ['driver.ports[0].name "prometheus-metrics" is not a valid port name', 'did you mean "prometheus-metr"?']],
  ["a port named like Spark's UI port", driver({ ports: [{ name: 'spark-ui', containerPort: 9090, protocol: 'TCP' }] }), 'jobs/etl', ['driver.ports[0].name "spark-ui" is also the name of Spark\'s UI port', 'for example "spark-ui-2"']],
  ['a sidecar named like another', driver({ sidecars: [{ name: 'shipper', image: 'busybox:1.36', securityContext: SparkJob.HARDENED_SECURITY_CONTEXT }, { name: 'shipper', image: 'busybox:1.36', securityContext: SparkJob.HARDENED_SECURITY_CONTEXT }] }), 'jobs/etl', ['driver.sidecars[1].name "shipper" is also the name of driver.sidecars[0]', 'for example "shipper-2"']],
  ['a sidecar with an invalid name', driver({ sidecars: [{ name: 'Log_Shipper', image: 'busybox:1.36', securityContext: SparkJob.HARDENED_SECURITY_CONTEXT }] }), 'jobs/etl', ['driver.sidecars[0].name "Log_Shipper" is not a valid container name', 'for example "log-shipper"']],
  // Files a job names that are not in its image.
  ['a Python job given the examples jar', (k) => { k.operator(); new SparkPiJob(k.jobs, 'pi', { tenant: k.alpha, language: SparkPiLanguage.PYTHON, mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar' }); }, 'jobs/pi', ['is not a .py file', 'local:///opt/spark/examples/src/main/python/pi.py']],
  ['a Python SparkJob given a jar', job((s) => ({ ...s, type: 'Python', mainClass: undefined, mainApplicationFile: 'local:///opt/app/app.jar' })), 'jobs/etl', ['mainApplicationFile local:///opt/app/app.jar is not a .py file', 'for example "local:///opt/spark/examples/src/main/python/pi.py"']],
  ['a Scala job given a Python file', job((s) => ({ ...s, mainApplicationFile: 'local:///opt/spark/examples/src/main/python/pi.py' })), 'jobs/etl', ['is not a .jar file, which a Scala application runs', 'spark-examples_2.13-4.0.0.jar']],
  ['the examples jar of Spark 3.5', job((s) => ({ ...s, mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.12-3.5.0.jar' })), 'jobs/etl', ['examples jar of Spark 3.5.0 (Scala 2.12)', 'use local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar']],
  ['the examples jar of Spark 4 built for Scala 2.12', job((s) => ({ ...s, mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.12-4.0.0.jar' })), 'jobs/etl', ['(Scala 2.12)', 'use local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar']],
  ['the examples jar of Spark 4.0.1 on a 4.0.0 image', (k) => { k.operator(); new SparkPiJob(k.jobs, 'pi', { tenant: k.alpha, language: SparkPiLanguage.SCALA, mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.1.jar' }); }, 'jobs/pi', ['examples jar of Spark 4.0.1', 'use local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar']],
  // Negative times to live.
  ...[-1, -60, -86400].map((ttl): Mistake => [`a negative timeToLiveSeconds ${ttl}`, job((s) => ({ ...s, timeToLiveSeconds: ttl })), 'jobs/etl', [`timeToLiveSeconds ${ttl} is negative`, 'use 0 or more']]),
  // Namespaces a tenant may not take.
  ...['kube-system', 'default', 'kube-public', 'kube-node-lease', 'kube-flannel', 'kube-team'].map((name): Mistake => [`a tenant in ${name}`, (k) => k.tenant('ops', { name }), 'tenants/ops', [`name "${name}"`, 'which a tenant may not take', 'for example "team-ops"']]),
  ['a tenant in flux-system under Flux', (k) => k.tenant('flux', { name: 'flux-system' }), 'tenants/flux', ['name "flux-system" is the namespace of the app\'s chart delivery (flux)', 'for example "team-flux"'], ChartDelivery.FLUX],
  ['a tenant in argocd under Argo CD', (k) => k.tenant('argo', { name: 'argocd' }), 'tenants/argo', ['name "argocd" is the namespace of the app\'s chart delivery (argo-cd)', 'for example "team-argo"'], ChartDelivery.ARGO_CD],
  ['a tenant whose id is its refused name', (k) => k.tenant('kube-system', { name: 'kube-system' }), 'tenants/kube-system', ['name "kube-system"', 'for example "team-system"']],
  // Pod Security levels that do not exist.
  ...(['strict', 'Restricted', 'none', 'high'] as const).map((level): Mistake => [`a Pod Security level "${level}"`, (k) => k.tenant('b', { name: 'team-b', podSecurity: level as PodSecurityLevel }), 'tenants/b', [`podSecurity "${level}" is not a Pod Security level`, 'use PodSecurityLevel.RESTRICTED']]),
  // Chart values the chart refuses, or that leave a component without a working pod.
  ['an operator controller with no replica', (k) => k.operator({ values: { controller: { replicas: 0 } } }), 'operator/operator/Resource', ['values.controller.replicas 0 leaves the component with no pod', 'use 1 or more']],
  ['an operator webhook with no replica', (k) => k.operator({ values: { webhook: { replicas: 0 } } }), 'operator/operator/Resource', ['values.webhook.replicas 0', 'use 1 or more']],
  ['a webhook disruption budget with one replica', (k) => k.operator({ values: { webhook: { replicas: 1 } } }), 'operator/operator', ['webhook.replicas 1 with webhook.podDisruptionBudget.enable true is refused by the chart', 'set webhook.replicas to 2 or more']],
  ['a controller disruption budget with one replica', (k) => k.operator({ values: { controller: { podDisruptionBudget: { enable: true } } } }), 'operator/operator', ['controller.replicas 1 with controller.podDisruptionBudget.enable true', 'set controller.replicas to 2 or more']],
  ['a controller CPU request above its limit', (k) => k.operator({ values: { controller: { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } } } }), 'operator/operator/Resource', ['requests.cpu 2 is above values.controller.resources.limits.cpu 1', 'raise the limit to at least "2"']],
  ['a webhook memory request above its limit', (k) => k.operator({ values: { webhook: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } } } }), 'operator/operator/Resource', ['requests.memory 1Gi is above values.webhook.resources.limits.memory 512Mi', 'raise the limit to at least "1Gi"']],
  ['an operator chart version with no values schema', (k) => k.operator({ version: '2.2.0' }), 'operator/operator/Resource', ['version "2.2.0" is not the version of chart spark-operator', 'use version "2.3.0"']],
  ['an operator chart version that is not one', (k) => k.operator({ version: 'latest' }), 'operator/operator/Resource', ['version "latest" is not a chart version', 'for example "2.3.0"']],
  ['a monitoring chart version with no values schema', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), version: '80.0.0' }), 'mon/mon/Resource', ['version "80.0.0" is not the version of chart kube-prometheus-stack', 'use version "88.5.3"']],
  ['a Volcano chart version with no values schema', (k) => new VolcanoScheduling(new Chart(k.app, 'vol'), 'vol', { operator: k.operator(), version: '1.12.0' }), 'vol/vol/Resource', ['version "1.12.0" is not the version of chart volcano', 'use version "1.15.0"']],
  ['a Prometheus with no replica', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { replicas: 0 } } } }), 'mon/mon/Resource', ['values.prometheus.prometheusSpec.replicas 0', 'use 1 or more']],
  ['a Grafana request above its limit', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { grafana: { resources: { requests: { cpu: '2' } } } } }), 'mon/mon/Resource', ['values.grafana.resources.requests.cpu 2 is above values.grafana.resources.limits.cpu 500m', 'raise the limit']],
  ['a Volcano scheduler with no replica', (k) => new VolcanoScheduling(new Chart(k.app, 'vol'), 'vol', { operator: k.operator(), values: { custom: { scheduler_replicas: 0 } } }), 'vol/vol/Resource', ['values.custom.scheduler_replicas 0', 'use 1 or more']],
  // Monitoring values that drop the platform's own targets.
  ['a PodMonitor selector that drops the platform\'s monitors', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { podMonitorSelector: { matchLabels: { team: 'data' } } } } } }), 'mon/mon', ['podMonitorSelector {"matchLabels":{"team":"data"}} does not select', 'release: "kube-prometheus-stack"']],
  ['a ServiceMonitor selector that drops the chart\'s monitors', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { serviceMonitorSelector: { matchExpressions: [{ key: 'release', operator: 'In', values: ['other'] }] } } } } }), 'mon/mon', ['serviceMonitorSelector', 'kube-state-metrics', 'remove serviceMonitorSelector']],
  ['a PodMonitor namespace selector that leaves out the operator', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { podMonitorNamespaceSelector: { matchLabels: { monitored: 'true' } } } } } }), 'mon/mon', ['podMonitorNamespaceSelector', 'does not select the namespaces monitoring, spark-operator', 'remove podMonitorNamespaceSelector']],
  ['a ServiceMonitor namespace selector that leaves out the stack', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { serviceMonitorNamespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } } } } }), 'mon/mon', ['serviceMonitorNamespaceSelector', 'does not select the namespace monitoring']],
  ['monitors selected only when NilUsesHelmValues is off but a selector is set', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { podMonitorSelectorNilUsesHelmValues: false, podMonitorSelector: { matchLabels: { release: 'other' } } } } } }), 'mon/mon', ['podMonitorSelector {"matchLabels":{"release":"other"}}', 'select that label']],
  ['monitoring without Prometheus', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { enabled: false } } }), 'mon/mon', ['values prometheus.enabled is false', 'remove that value']],
  ['monitoring without the Prometheus operator', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheusOperator: { enabled: false } } }), 'mon/mon', ['values prometheusOperator.enabled is false', 'remove that value']],
  // Storage.
  ['a SeaweedFS image as the jobs\' image', (k) => new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha], image: 'chrislusf/seaweedfs:3.80' }), 'st/st', ['image "chrislusf/seaweedfs:3.80" is not a Spark 4.0.0 image', 'use "spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1"']],
  ['a Spark 3.5 image for the store', (k) => new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha], image: 'apache/spark:3.5.0' }), 'st/st', ['(its tag names Spark 3.5.0)', 'use "spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1"']],
  ['a tenant of another app given storage', (k) => {
    const other = new TenantNamespace(new Chart(new PlatformApp({ outdir: k.outdir }), 'other'), 'gamma', { name: 'team-gamma' });
    new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha, other] });
  }, 'st/st', ['tenants "team-gamma" belong to another app', 'give ObjectStorage the TenantNamespace objects of its own app']],
  ['a tenant given to two stores', (k) => {
    new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha] });
    new ObjectStorage(new Chart(k.app, 'st2'), 'st2', { tenants: [k.alpha], namespace: 'object-store-2', releaseName: 'seaweedfs-2' });
  }, 'st2/st2', ['tenants team-alpha are already given to the ObjectStorage at st/st', 'give each tenant to one ObjectStorage']],
  ['a tenant too short for a bucket', (k) => new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.tenant('ab', { name: 'ab' })] }), 'st/st', ['tenants[0] "ab" is too short for a bucket name', 'for example "team-ab"']],
  ['a job in another tenant\'s bucket', (k) => {
    const beta = k.tenant('beta', { name: 'team-beta' });
    k.operator({}, [beta]);
    new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha, beta] });
    k.job((s) => ({ ...s, image: ObjectStorage.SPARK_S3A_IMAGE, arguments: ['s3a://team-beta/data/'] }));
  }, 'jobs/etl', ['"s3a://team-beta/data/" is in bucket "team-beta"', 'use s3a://team-alpha/...']],
  // One root cause, one message: a bad tenant name with every add-on.
  ...['Team_Beta', 'team beta', 'TEAM-BETA', '-team-beta', 'team.beta', 'b'.repeat(64)].map((name): Mistake => [`the tenant name ${JSON.stringify(name)} with every add-on`, (k) => {
    const beta = k.tenant('beta', { name });
    const operator = k.operator({}, [beta]);
    new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator });
    new VolcanoScheduling(new Chart(k.app, 'vol'), 'vol', { operator });
    new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha, beta] });
    new SparkPiJob(k.jobs, 'pi', { tenant: beta, language: SparkPiLanguage.SCALA });
  }, 'tenants/beta', [`name ${JSON.stringify(name)} is not a valid RFC 1123 label`]]),
  ['a duplicate tenant name with monitoring on', (k) => {
    const twin = k.tenant('alpha-2', { name: 'team-alpha' });
    new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator({}, [twin]) });
  }, 'tenants/alpha', ['name "team-alpha" is used by another Namespace (tenants/alpha-2)', 'give each its own name']],
  // Tenants' own props.
  ...([
    [{ quota: { limitsMemory: '16GB' } }, 'quota.limitsMemory "16GB" is not a Kubernetes quantity', 'did you mean "16Gi"?'],
    [{ quota: { requestsCpu: 'four' } }, 'quota.requestsCpu "four" is not a Kubernetes quantity', 'use a number'],
    [{ quota: { pods: 2.5 } }, 'quota.pods 2.5 is not a whole number of pods', 'for example 10'],
    [{ serviceAccountName: 'Team_SA' }, 'serviceAccountName "Team_SA" is not a valid RFC 1123 subdomain', 'did you mean "team-sa"?'],
    [{ executorServiceAccountName: 'team-b-sa' }, 'executorServiceAccountName "team-b-sa" is the drivers\' account', 'give it its own name'],
    [{ developersGroup: '' }, 'developersGroup is empty', 'for example "team-alpha-developers"'],
    [{ labels: { 'Team Owner': 'x' } }, 'labels key "Team Owner" is not a valid label key', 'did you mean "Team-Owner"?'],
    [{ labels: { owner: 'data eng' } }, 'labels["owner"] value "data eng" is not a valid label value', 'did you mean "data-eng"?'],
    [{ egress: [{ cidr: '10.0.0.5', ports: [443] }] }, '"10.0.0.5"', 'did you mean "10.0.0.5/32"?'],
    [{ egress: [{ cidr: '10.0.0.0/8', ports: [70000] }] }, '70000', '65535'],
    [{ networkIsolation: false, egress: [{ cidr: '10.0.0.0/8' }] }, 'egress has no effect with networkIsolation false', 'turn networkIsolation on'],
    [{ limitRange: { defaultCpuRequest: '2', defaultCpuLimit: '1' } }, 'defaultCpuRequest 2 is more than', 'defaultCpuLimit'],
  ] as const).map(([props, value, fix], i): Mistake => [`a tenant prop: ${value}`, (k) => k.tenant(`t${i}`, { name: 'team-b', ...props } as TenantNamespaceProps), `tenants/t${i}`, [value, fix]]),
  // Jobs' own specs.
  ['executor instances 0', job((s) => ({ ...s, executor: { ...s.executor, instances: 0 } })), 'jobs/etl', ['spec.executor.instances 0 is below the minimum 1', 'use 1 or more']],
  ['driver cores 0', driver({ cores: 0 }), 'jobs/etl', ['spec.driver.cores 0 is below the minimum 1', 'use 1 or more']],
  ['fractional cores', driver({ cores: 1.5, coreLimit: '2' }), 'jobs/etl', ['spec.driver.cores 1.5 must be an integer', 'use a whole number']],
  ['an unknown application type', job((s) => ({ ...s, type: 'Kotlin' })), 'jobs/etl', ['spec.type "Kotlin" is not one of', 'use one of them']],
  ['an unknown restart policy', job((s) => ({ ...s, restartPolicy: { type: 'Sometimes' } })), 'jobs/etl', ['spec.restartPolicy.type "Sometimes"', 'use one of them']],
  ['no main class for a Scala job', job((s) => ({ ...s, mainClass: undefined })), 'jobs/etl', ['mainClass is not set for a Scala application', 'for example "org.apache.spark.examples.SparkPi"']],
  ['no application file', job((s) => ({ ...s, mainApplicationFile: undefined })), 'jobs/etl', ['mainApplicationFile is not set', 'set it']],
  ['an application file of the operator\'s file system', job((s) => ({ ...s, mainApplicationFile: 'file:///tmp/app.jar' })), 'jobs/etl', ['mainApplicationFile "file:///tmp/app.jar" is not a local:/// file of the image', 'refer to it as local:///']],
  ['a CPU request above its limit', driver({ coreRequest: '1500m' }), 'jobs/etl', ['driver.coreLimit 1200m is below the pod\'s CPU request 1500m', 'raise coreLimit to at least "1500m"']],
  ['a memory limit below memory and overhead', job((s) => ({ ...s, executor: { ...s.executor, memory: '1g', memoryLimit: '1Gi' } })), 'jobs/etl', ['executor.memoryLimit 1Gi is below the pod\'s memory request 1408Mi', 'raise memoryLimit to at least "1408Mi"']],
  ['too little heap', driver({ memory: '256m' }), 'jobs/etl', ['driver.memory "256m" is below the 450m of heap Spark needs', 'use at least "512m"']],
  ['a Spark 3 application', job((s) => ({ ...s, sparkVersion: '3.5.0' })), 'jobs/etl', ['sparkVersion 3.5.0 is not a Spark 4.x version', 'apache/spark:4.0.0']],
  ['a driver label of invalid syntax', driver({ labels: { stage: 'pre prod' } }), 'jobs/etl', ['spec.driver.labels["stage"] value "pre prod" is not a valid label value', 'did you mean "pre-prod"?']],
  ['a label the operator owns', driver({ labels: { 'spark-role': 'driver' } }), 'jobs/etl', ['driver.labels["spark-role"] is a label the operator, Spark, the scheduler or the platform own', 'use a label of your own']],
  ['another namespace by conf', conf('spark.kubernetes.namespace', 'team-beta'), 'jobs/etl', ['sparkConf["spark.kubernetes.namespace"] may not be set by a tenant', 'remove it']],
  ['a conf outside the allow-list', conf('spark.driver.memory', '2g'), 'jobs/etl', ['sparkConf["spark.driver.memory"] is not a conf tenants may set', 'use the typed field for it']],
  ['a dependency from the network', job((s) => ({ ...s, deps: { jars: ['https://example.com/lib.jar'] } })), 'jobs/etl', ['deps.jars[0] "https://example.com/lib.jar" is not one local:/// file of the image', 'give one local:///... path per entry']],
  ['packages resolved by the controller', job((s) => ({ ...s, deps: { packages: ['org.example:lib:1.0'] } })), 'jobs/etl', ['deps.packages makes the operator\'s controller resolve packages', 'build the jars into the image']],
  ['a proxy user', job((s) => ({ ...s, proxyUser: 'admin' })), 'jobs/etl', ['proxyUser "admin" makes the operator submit as another user', 'remove it']],
  ['the UI on a NodePort', job((s) => ({ ...s, sparkUiOptions: { serviceType: 'NodePort' } })), 'jobs/etl', ['serviceType "NodePort" would expose the driver UI', 'use ClusterIP']],
  ['another scheduler', job((s) => ({ ...s, batchScheduler: 'yunikorn' })), 'jobs/etl', ['batchScheduler "yunikorn" is not the platform\'s scheduler', 'use volcano or leave it unset']],
  ['another tenant\'s queue', job((s) => ({ ...s, batchSchedulerOptions: { queue: 'team-beta' } })), 'jobs/etl', ['batchSchedulerOptions.queue "team-beta" is not team-alpha\'s queue', 'set "team-alpha"']],
  ['another driver account', driver({ serviceAccount: 'default' }), 'jobs/etl', ['driver.serviceAccount "default" is not team-alpha\'s driver account', 'set "team-alpha-sa"']],
  ['a job name that is not a label', (k) => k.job((s) => s, 'ETL_Job'), 'jobs/ETL_Job', ['name "ETL_Job" is not a valid RFC 1123 label', 'did you mean "etl-job"?']],
  ['more pods than the quota, never suggesting no executor', (k) => {
    const tiny = k.tenant('tiny', { name: 'team-tiny', quota: { pods: 1 } });
    k.operator({}, [tiny]);
    new SparkPiJob(k.jobs, 'pi', { tenant: tiny, language: SparkPiLanguage.SCALA, executor: { instances: 1 } });
  }, 'jobs/pi', ['pods: driver + 1 executor are 2 pods; team-tiny allows 1', 'raise the tenant\'s quota.pods to at least 2']],
  ['more executors than the quota\'s pods', (k) => { k.operator(); new SparkPiJob(k.jobs, 'pi', { tenant: k.alpha, language: SparkPiLanguage.SCALA, executor: { instances: 12 } }); }, 'jobs/pi', ['driver + 12 executors exceed team-alpha\'s quota in 4 resources, requests.cpu 13 (allows 4), limits.cpu 15600m (allows 8), requests.memory 11648Mi with Spark\'s memory overhead (allows 8Gi) and pods 13 (allows 10)', 'lower executor.instances to 3, or raise the tenant\'s quota.requestsCpu to at least 13']],
  ['a job of a tenant the operator does not watch', (k) => {
    k.operator();
    const lone = k.tenant('lone', { name: 'team-lone' });
    new SparkPiJob(k.jobs, 'pi', { tenant: lone, language: SparkPiLanguage.SCALA });
  }, 'jobs/pi', ['team-lone', 'operator']],
  // PySpark programs that do not parse as Python 3: the line, the column and what the parser saw.
  ...([
    ['a def without its colon', 'def main()\n    print(1)\n', 'line 1, column 11: unexpected end of line while reading a body', '`def main()`'],
    ['a body that is not indented', 'def main():\nreturn 1\n', 'line 2, column 1: unexpected "return"', '`return 1`'],
    ['a Python 2 print statement', 'import sys\nprint "hello"\n', 'line 2, column 1: a Python 2 print statement, print being a function in Python 3 (`print("hello")`)', '`print "hello"`'],
    ['a bracket closed by another', 'cols = [1, 2)\n', 'line 1, column 13: unexpected ")" while reading an array expression', '`cols = [1, 2)`'],
    ['a parenthesis never closed', 'spark = (SparkSession.builder\n    .appName("x")\n', 'line 3, column 1: unexpected end of the program while reading a parenthesized expression', ''],
    ['a keyword as a name', 'class = "a"\n', 'line 1, column 7: unexpected "="', '`class = "a"`'],
    ['a statement in a lambda', 'f = lambda x: return x\n', 'line 1, column 15: unexpected "return" while reading a lambda expression', '`f = lambda x: return x`'],
    ['an else without an if', 'x = 1\nelse:\n    x = 2\n', 'line 2, column 1: unexpected "else"', '`else:`'],
    ['an operator without its operand', 'total = 1 +\n', 'line 1, column 12: unexpected end of the program while reading a binary expression', '`total = 1 +`'],
    ['a string never closed', 'path = "s3a://team-alpha/data\nprint(path)\n', 'line 1, column 8: a string that is never closed', '`path = "s3a://team-alpha/data`'],
    ['a docstring never closed', 'def f():\n    """Cleans.\n    return 1\n', 'line 2, column 5: a string that is never closed (""" without a closing """)', '`"""Cleans.`'],
    ['a backquoted repr of Python 2', 'x = `y`\n', 'line 1, column 5: unexpected "`"', '`x = `y``'],
    ['an operator Python 3 does not have', 'if a ≠ b:\n    pass\n', 'line 1, column 6: unexpected "≠"', '`if a ≠ b:`'],
    ['an unclosed parenthesized with', 'with (open(a) as f:\n    pass\n', 'line 1, column 19: unexpected ":"', '`with (open(a) as f:`'],
    ['an import of nothing', 'from pyspark.sql import\n', 'line 1, column 24: unexpected end of the program while reading an import statement', '`from pyspark.sql import`'],
    ['a dict with an item without a value', 'd = {"a": 1, "b"}\n', 'line 1, column 17: unexpected "}" while reading a dictionary expression', '`d = {"a": 1, "b"}`'],
    ['a CRLF file missing a colon', 'x = 1\r\nif x\r\n    pass\r\n', 'line 2, column 5: unexpected end of line', '`if x`'],
    ['a mistake on the last line of the real script', `${FLIGHT_DELAYS}if done\n`, `line ${FLIGHT_DELAYS.split('\n').length}, column 8: unexpected end of the program`, '`if done`'],
  ] as const).map(([what, source, where, line]): Mistake => [`a PySpark script that does not parse: ${what}`, (k) => k.pyspark(source), 'jobs/flights-script/Script', ['script.source (flights.py) does not parse as Python 3: ', where, line === '' ? `${where}: ` : `, in ${line}: `, 'correct that line (`python3 -m py_compile flights.py`']]),
  // The operator.
  ['an operator with no tenants', (k) => new SparkOperatorRelease(new Chart(k.app, 'op'), 'op', { tenants: [] }), 'op/op', ['tenants is empty', 'give the operator the TenantNamespace objects']],
  ['an operator in kube-system', (k) => k.operator({ namespace: 'kube-system' }), 'operator/operator', ['namespace "kube-system" is a namespace of Kubernetes itself', 'for example "spark-operator"']],
  ['a 1.x operator value', (k) => k.operator({ rawValues: { sparkJobNamespaces: ['team-alpha'] } }), 'operator/operator', ['rawValues key sparkJobNamespaces (a 1.x key that chart 2.x ignores', 'is not a value of chart spark-operator 2.3.0', 'remove it']],
  ['an operator value of the wrong type', (k) => k.operator({ rawValues: { controller: { resources: { limits: { cpu: 'lots' } } } } }), 'operator/operator', ['values.controller.resources.limits.cpu "lots" is not a Kubernetes quantity', 'use a number']],
  ['a release name Helm refuses', (k) => k.operator({ releaseName: 'a'.repeat(54) }), 'operator/operator/Resource', ['releaseName "aaaa', 'use at most 53', 'for example "spark-operator"']],
  ['the operator in a tenant\'s namespace', (k) => k.operator({ namespace: 'team-alpha' }), 'operator/operator', ['tenant team-alpha is the operator\'s own namespace', 'give the tenant or the operator another namespace']],
];

/** Unusual but valid inputs: each must synthesize. */
const VALID: [name: string, build: (k: Kit) => void, delivery?: ChartDelivery][] = [
  ...[55, 60, 62, 63].map((length): [string, (k: Kit) => void] => [`a tenant name of ${length} characters with every add-on and a job`, (k) => {
    const long = k.tenant('long', { name: `t${'a'.repeat(length - 2)}z` });
    const operator = k.operator({}, [long]);
    new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator });
    new VolcanoScheduling(new Chart(k.app, 'vol'), 'vol', { operator });
    new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.alpha, long] });
    new SparkPiJob(k.jobs, 'pi', { tenant: long, language: SparkPiLanguage.SCALA, image: ObjectStorage.SPARK_S3A_IMAGE });
  }]),
  ['two 63-character tenant names that share their first 60 characters', (k) => k.operator({}, [k.tenant('x', { name: `${'a'.repeat(60)}xyz` }), k.tenant('y', { name: `${'a'.repeat(60)}xyw` })])],
  ['February 29', (k) => k.scheduled({ schedule: '0 0 29 2 *' })],
  ['day 31 of every month that has one', (k) => k.scheduled({ schedule: '0 0 31 * *' })],
  ['April 31 or any Monday (either day field matches)', (k) => k.scheduled({ schedule: '0 0 31 4 mon' })],
  ['day 31 of January and April', (k) => k.scheduled({ schedule: '0 0 31 1,4 *' })],
  ['@every 90m', (k) => k.scheduled({ schedule: '@every 1h30m' })],
  ...['Etc/GMT+2', 'US/Pacific', 'America/Port-au-Prince', 'EST5EDT', 'Asia/Kolkata'].map((timeZone): [string, (k: Kit) => void] => [`the time zone ${timeZone}`, (k) => k.scheduled({ timeZone })]),
  ['conf values in the forms Spark reads', job((s) => ({
    ...s,
    sparkConf: {
      'spark.sql.adaptive.enabled': 'TRUE', 'spark.sql.shuffle.partitions': ' 200 ', 'spark.sql.autoBroadcastJoinThreshold': '-1',
      'spark.sql.files.maxPartitionBytes': '64m', 'spark.network.timeout': '120s', 'spark.locality.wait': '3000', 'spark.memory.fraction': '.5',
    },
  }))],
  ['env var names with dots and dashes', driver({ env: [{ name: 'my.setting', value: 'x' }, { name: 'with-dash', value: 'y' }, { name: '_UNDER', value: 'z' }] })],
  ['a mounted volume of the spec and a port of its own', job((s) => ({ ...s, volumes: [{ name: 'scratch', emptyDir: {} }], driver: { ...s.driver, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }], ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }] } }))],
  ['a timeToLiveSeconds of 0', job((s) => ({ ...s, timeToLiveSeconds: 0 }))],
  ['a tenant named argocd under k3s HelmCharts', (k) => k.tenant('argo', { name: 'argocd' })],
  ['a tenant named flux-system under Argo CD', (k) => k.tenant('flux', { name: 'flux-system' }), ChartDelivery.ARGO_CD],
  ['a tenant whose name contains kube but does not start with kube-', (k) => k.tenant('kf', { name: 'team-kubeflow' })],
  ['a tenant at Pod Security baseline', (k) => k.tenant('b', { name: 'team-b', podSecurity: PodSecurityLevel.BASELINE })],
  ['a tenant of three characters with storage', (k) => new ObjectStorage(new Chart(k.app, 'st'), 'st', { tenants: [k.tenant('abc', { name: 'abc' })] })],
  ['the operator with three webhook replicas and more controller resources', (k) => k.operator({ values: { webhook: { replicas: 3 }, controller: { resources: { requests: { cpu: '500m' }, limits: { cpu: '2' } } } } })],
  ['a PodMonitor selector that still selects the platform\'s monitors', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { podMonitorSelector: { matchExpressions: [{ key: 'release', operator: 'Exists' }] } } } } })],
  ['monitors selected by every selector', (k) => new PlatformMonitoring(new Chart(k.app, 'mon'), 'mon', { operator: k.operator(), values: { prometheus: { prometheusSpec: { podMonitorSelectorNilUsesHelmValues: false } } } })],
  ['a scheduled job name of 43 characters', (k) => {
    k.operator();
    new ScheduledSparkJob(k.jobs, 'nightly', { tenant: k.alpha, name: 'n'.repeat(43), schedule: '@daily', concurrencyPolicy: ConcurrencyPolicy.ALLOW, spec: SparkPiJob.spec({ language: SparkPiLanguage.SCALA }) });
  }],
  ['the pipeline\'s real PySpark script', (k) => k.pyspark(FLIGHT_DELAYS, 'flight_delays.py')],
  ...([
    ['f-strings, nested and with format specs', 'x = 1\nprint(f"{x!r:>10} {x=} {{lit}} {f\'{x}\'} {x:{w}.{p}}")\n'],
    ['the walrus operator', 'while (line := f.readline()):\n    if (n := len(line)) > 1:\n        print(n)\n'],
    ['match statements, and match and case as names', 'match cmd:\n    case [x, y, *rest] if x > 0:\n        pass\n    case {"a": 1, **kw}:\n        pass\n    case Point(x=0) | None:\n        pass\n    case _:\n        pass\nmatch = case = 1\n'],
    ['type hints, positional-only parameters and generics', 'def f(a: int, /, b: list[int] = [], *, c: "str" = "x", **kw: Any) -> dict[str, int] | None:\n    v: int = 3\n    return None\ntype Point = tuple[float, float]\ndef g[T](x: T) -> T: return x\n'],
    ['decorators, classes and async', '@dataclass(frozen=True)\nclass A(B, metaclass=M):\n    x: int = 0\n    @property\n    def y(self): return self.x\nasync def main():\n    async with a as b:\n        async for x in b:\n            await x\n    return [y async for y in z]\n'],
    ['parenthesized with items, bare yields and except*', 'with (\n    open(a) as f,\n    open(b) as (g, h),\n):\n    pass\ndef gen():\n    x = yield\n    y = (yield)\ntry:\n    pass\nexcept* ValueError as e:\n    raise RuntimeError() from e\n'],
    ['print as a name, and Python 3 code that looks like Python 2', 'print = functools.partial(print, flush=True)\nprint ("x")\nprint >>sys.stderr, "y"\n'],
    ['CRLF line ends, tabs, a BOM, Unicode names, continuations and no final newline', '\ufeffcafé = 1\r\nif café:\r\n\tπ = "a\\\r\nb" + \\\r\n\t\t"c"\r\nprint(π)'],
    ['only comments and a docstring', '# nothing to run yet\n"""A placeholder."""\n'],
  ] as const).map(([what, source]): [string, (k: Kit) => void] => [`a PySpark script with ${what}`, (k) => k.pyspark(source)]),
];

describe('mistakes through the public API', () => {
  test('the corpus holds at least 150 mistakes and 20 valid inputs, each named once', () => {
    expect(MISTAKES.length).toBeGreaterThanOrEqual(150);
    expect(VALID.length).toBeGreaterThanOrEqual(20);
    expect(new Set(MISTAKES.map(([name]) => name)).size).toBe(MISTAKES.length);
  });

  // Rows without a delivery mode are shorter: the arguments are taken as a rest parameter, so that
  // jest does not mistake the missing one for a done callback.
  test.each(MISTAKES)('%s', (...[, build, where, fragments, delivery]: Mistake) => {
    const { problems, untouched } = synth(build, delivery);
    // One root cause, one message, at the construct the user made the mistake in.
    expect(problems).toHaveLength(1);
    expect(new Set(problems).size).toBe(problems.length);
    // The message is under the construct's path and holds every fragment: the value and the fix.
    const found = problems.some((p) => p.startsWith(`[${where}] `) && fragments.every((f) => (typeof f === 'string' ? p.includes(f) : f.test(p))));
    expect({ problems, found }).toEqual({ problems, found: true });
    // The output folder keeps what it held.
    expect(untouched).toBe(true);
  });

  test.each(VALID)('valid: %s', (...[, build, delivery]: (typeof VALID)[number]) => {
    expect(synth(build, delivery).problems).toEqual([]);
  });
});
