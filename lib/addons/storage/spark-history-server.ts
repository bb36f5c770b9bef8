import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from '../../core/app';
import { declareApplySteps } from '../../core/apply-plan';
import { dnsLabelProblem } from '../../core/names';
import { Problems } from '../../core/problems';
import { Quantity } from '../../core/quantity';
import { HARDENED_POD_SECURITY_CONTEXT } from '../../jobs/spark-spec';
import { TENANT_LABEL, TenantNamespace } from '../../tenancy/tenant-namespace';
import { hadoopGenericOptions } from '../../jobs/tenant-script-job';
import { credentialsFromSecret } from './event-log-directory';
import { SPARK_S3A_IMAGE } from './s3a';

/** The History Server's web UI and REST API port (`spark.history.ui.port`). */
export const SPARK_HISTORY_PORT = 18080;

/**
 * The confs with which the jobs write their event logs in rolling files, so that the History Server
 * sees a running job. S3A makes an object visible only when its stream is closed, so a single event
 * log file appears when the job ends (or never, if the driver is killed). With rolling logs, Spark
 * 4.0.0 writes an empty `appstatus_<app>.inprogress` object and closes it at start, so the History
 * Server lists the job as running at its next scan (`spark.history.fs.update.interval`, 10s), and
 * closes each `events_<n>` file once it holds `spark.eventLog.rolling.maxFileSize` bytes, the
 * smallest of which Spark 4.0.0 accepts is 10m (apache/spark v4.0.0
 * core/src/main/scala/org/apache/spark/deploy/history/EventLogFileWriters.scala,
 * RollingEventLogFilesWriter.start/rollEventLogFile/createAppStatusFile;
 * core/src/main/scala/org/apache/spark/internal/config/package.scala, EVENT_LOG_ROLLING_MAX_FILE_SIZE).
 * The events of a running job thus reach the History Server in steps of 10 MiB, and the rest
 * when the job ends; the History Server reads rolling logs (RollingEventLogFilesFileReader).
 */
export const ROLLING_EVENT_LOG_CONF: Readonly<Record<string, string>> = {
  'spark.eventLog.rolling.enabled': 'true',
  'spark.eventLog.rolling.maxFileSize': '10m',
};

/** What the History Server's pod asks for and may use, in Kubernetes quantities. */
export interface SparkHistoryServerResources {
  /**
   * CPU request.
   * @default '250m'
   */
  readonly cpuRequest?: string;
  /**
   * CPU limit.
   * @default '1'
   */
  readonly cpuLimit?: string;
  /**
   * Memory request and limit; the JVM heap gets this less 384Mi.
   * @default '1Gi'
   */
  readonly memory?: string;
}

/** The History Server's default resources. */
export const DEFAULT_HISTORY_SERVER_RESOURCES: Required<SparkHistoryServerResources> = {
  cpuRequest: '250m',
  cpuLimit: '1',
  memory: '1Gi',
};

/** Memory of the History Server's pod beyond its JVM heap: metaspace, threads, buffers. */
export const HISTORY_SERVER_NON_HEAP_MIB = 384;
/** The smallest heap the History Server gets; below it, it runs out of memory listing a few applications. */
export const MIN_HISTORY_SERVER_HEAP_MIB = 256;

export interface SparkHistoryServerProps {
  /** The tenant whose jobs' history it shows; it runs in the tenant's namespace, under its quota. */
  readonly tenant: TenantNamespace;
  /** Where the tenant's jobs write their event logs, an `s3a://<bucket>/<path>/` URI. */
  readonly logDirectory: string;
  /** The Hadoop confs of the S3A client (without `spark.hadoop.`), for example from s3aHadoopConf. */
  readonly hadoopConf: Record<string, string>;
  /**
   * The Secret in the tenant's namespace with the keys the History Server reads with; keys that
   * can only read keep a compromised UI from changing the logs.
   */
  readonly credentialsSecret: string;
  /**
   * An image of Spark 4.0.0 with Hadoop's S3A client in /opt/spark/jars.
   * @default ObjectStorage.SPARK_S3A_IMAGE
   */
  readonly image?: string;
  /**
   * Name of the Deployment, its Service and ConfigMap.
   * @default 'spark-history-server'
   */
  readonly name?: string;
  /**
   * The pod's resources; they count against the tenant's quota.
   * @default SparkHistoryServer.DEFAULT_RESOURCES (250m to 1 CPU, 1Gi)
   */
  readonly resources?: SparkHistoryServerResources;
}

/** A pod's requests and limits in parsed form. */
export interface HistoryServerPodResources {
  readonly requestsCpu: Quantity;
  readonly limitsCpu: Quantity;
  readonly memory: Quantity;
}

/**
 * The Spark History Server of one tenant: `spark-class org.apache.spark.deploy.history.HistoryServer`
 * in the foreground, reading the tenant's event log directory in the object store with the tenant's
 * read-only keys, from a Deployment in the tenant's namespace, with a Service on port 18080. The pod
 * meets the Pod Security level `restricted`, with a read-only root file system, no service account
 * token and its resources within the tenant's quota; an init container waits until the event log
 * directory exists, which the History Server needs to start. The team's people may port-forward to
 * it (a Role bound to the tenant's developers group); the tenant's NetworkPolicies keep every other
 * namespace out.
 *
 * @see https://spark.apache.org/docs/4.0.0/monitoring.html
 */
export class SparkHistoryServer extends Construct {
  /** The port of the History Server's UI and of its Service. */
  public static readonly PORT = SPARK_HISTORY_PORT;
  /** The History Server's resources unless `historyServerResources` (of ObjectStorage) says otherwise. */
  public static readonly DEFAULT_RESOURCES = DEFAULT_HISTORY_SERVER_RESOURCES;

  /** The tenant. */
  public readonly tenant: TenantNamespace;
  /** The name of the Deployment, Service and ConfigMap. */
  public readonly name: string;
  /** The Service's port. */
  public readonly port = SPARK_HISTORY_PORT;
  /** The event log directory it reads. */
  public readonly logDirectory: string;
  /** The labels of its pod. */
  public readonly podLabels: Record<string, string>;
  /** What its pod asks for and may use; the defaults where a prop was malformed (reported at synth). */
  public readonly resources: HistoryServerPodResources;
  /** The History Server's Spark confs, as its spark-defaults.conf holds them. */
  public readonly sparkConf: Record<string, string>;
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service. */
  public readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: SparkHistoryServerProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.tenant = props.tenant;
    this.name = props.name ?? 'spark-history-server';
    this.logDirectory = props.logDirectory;
    const ns = props.tenant.namespaceName;
    problems.add(dnsLabelProblem(this.name, 'name'));
    if (!/^s3a:\/\/[^/]+\/.+/.test(props.logDirectory)) {
      problems.add(`logDirectory "${props.logDirectory}" is not a directory in a bucket: use s3a://<bucket>/<path>/, for example "s3a://team-alpha/spark-events/"`);
    }
    this.resources = parseResources(props.resources ?? {}, (p) => problems.add(p));
    const heapMiB = Math.floor(this.resources.memory.mebibytes) - HISTORY_SERVER_NON_HEAP_MIB;
    if (heapMiB < MIN_HISTORY_SERVER_HEAP_MIB) {
      problems.add(`resources.memory "${props.resources?.memory}" leaves the History Server a heap of ${heapMiB}Mi (${HISTORY_SERVER_NON_HEAP_MIB}Mi go to the JVM's own memory); it needs at least ${MIN_HISTORY_SERVER_HEAP_MIB}Mi: use at least "${MIN_HISTORY_SERVER_HEAP_MIB + HISTORY_SERVER_NON_HEAP_MIB}Mi"`);
    }
    const quota = props.tenant.quota;
    for (const [what, need, allows, quotaKey] of [
      ['resources.cpuRequest', this.resources.requestsCpu, quota.requestsCpu, 'requestsCpu'],
      ['resources.cpuLimit', this.resources.limitsCpu, quota.limitsCpu, 'limitsCpu'],
      ['resources.memory', this.resources.memory, quota.requestsMemory, 'requestsMemory'],
      ['resources.memory', this.resources.memory, quota.limitsMemory, 'limitsMemory'],
    ] as const) {
      if (need.isGreaterThan(allows)) {
        const show = (q: Quantity) => (what === 'resources.memory' ? q.toMemoryString() : q.toCpuString());
        problems.add(`${what} ${show(need)} is more than ${ns}'s whole quota.${quotaKey} ${show(allows)}, so the History Server never starts: lower it or raise the tenant's quota`);
      }
    }
    if (this.resources.requestsCpu.isGreaterThan(this.resources.limitsCpu)) {
      problems.add(`resources.cpuRequest ${this.resources.requestsCpu.toCpuString()} is more than resources.cpuLimit ${this.resources.limitsCpu.toCpuString()}, and the API server rejects a pod whose request exceeds its limit: lower cpuRequest or raise cpuLimit`);
    }

    this.podLabels = { 'app.kubernetes.io/name': 'spark-history-server', 'app.kubernetes.io/instance': ns };
    const labels = { ...this.podLabels, [TENANT_LABEL]: ns };
    const metadata = (name: string) => ({ name, namespace: ns, labels });
    this.sparkConf = {
      'spark.history.fs.logDirectory': props.logDirectory,
      'spark.history.ui.port': String(SPARK_HISTORY_PORT),
      // New applications show up within seconds; the default is 10s too, said here for the reader.
      'spark.history.fs.update.interval': '10s',
      ...Object.fromEntries(Object.entries(props.hadoopConf).map(([k, v]) => [`spark.hadoop.${k}`, v])),
    };
    const defaults = Object.keys(this.sparkConf).sort().map((k) => `${k} ${this.sparkConf[k]}`).join('\n') + '\n';
    const config = new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(this.name), data: { 'spark-defaults.conf': defaults } });

    const image = props.image ?? SPARK_S3A_IMAGE;
    const securityContext = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    };
    const env = credentialsFromSecret(props.credentialsSecret);
    const tmp = { name: 'tmp', mountPath: '/tmp' };
    const quantity = (q: Quantity, cpu: boolean) => k8s.Quantity.fromString(cpu ? q.toCpuString() : q.toMemoryString());
    const wait = [
      'until java -Xmx256m -cp "/opt/spark/jars/*" org.apache.hadoop.fs.FsShell "$@"; do',
      '  echo "the event log directory does not exist yet (the event-log-directory Job creates it); checking again in 10s" >&2',
      '  sleep 10',
      'done',
    ].join('\n');
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: metadata(this.name),
      spec: {
        replicas: 1,
        // One History Server at a time: a rolling update would need room for two in the quota.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: this.podLabels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: HARDENED_POD_SECURITY_CONTEXT,
            // It exits at once when the directory is missing, so it waits for it first.
            initContainers: [{
              name: 'wait-for-event-log-directory',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/bash', '-c', wait, 'fsshell'],
              args: [...hadoopGenericOptions(props.hadoopConf), '-test', '-d', props.logDirectory],
              env,
              resources: {
                requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('512Mi') },
                limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('512Mi') },
              },
              securityContext,
              volumeMounts: [tmp],
            }],
            containers: [{
              name: 'history-server',
              image,
              imagePullPolicy: 'IfNotPresent',
              // The image's entrypoint passes other commands through; spark-class stays in the
              // foreground, where sbin/start-history-server.sh would daemonize and write pid files.
              args: ['/opt/spark/bin/spark-class', 'org.apache.spark.deploy.history.HistoryServer'],
              env: [...env, { name: 'SPARK_DAEMON_MEMORY', value: `${heapMiB}m` }],
              ports: [{ name: 'http', containerPort: SPARK_HISTORY_PORT }],
              readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('http') }, initialDelaySeconds: 10, periodSeconds: 10 },
              livenessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString('http') }, initialDelaySeconds: 60, periodSeconds: 30, failureThreshold: 4 },
              resources: {
                requests: { cpu: quantity(this.resources.requestsCpu, true), memory: quantity(this.resources.memory, false) },
                limits: { cpu: quantity(this.resources.limitsCpu, true), memory: quantity(this.resources.memory, false) },
              },
              securityContext,
              volumeMounts: [{ name: 'conf', mountPath: '/opt/spark/conf', readOnly: true }, tmp],
            }],
            volumes: [
              { name: 'conf', configMap: { name: config.name } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
            ],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: metadata(this.name),
      spec: {
        type: 'ClusterIP',
        selector: this.podLabels,
        ports: [{ name: 'http', port: SPARK_HISTORY_PORT, targetPort: k8s.IntOrString.fromString('http') }],
      },
    });

    // The team opens the UI with kubectl port-forward, which its developer role does not grant.
    const viewer = new k8s.KubeRole(this, 'ViewerRole', {
      metadata: metadata(`${this.name}-viewer`),
      rules: [{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['get', 'create'] }],
    });
    new k8s.KubeRoleBinding(this, 'ViewerRoleBinding', {
      metadata: metadata(`${this.name}-viewer`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: viewer.name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: props.tenant.developersGroup }],
    });
    // The apply plan: the apply and status commands print how to open it.
    declareApplySteps(this, { historyServer: { namespace: ns, name: this.name, port: SPARK_HISTORY_PORT } });
  }

  /** The command that opens the UI on `localPort` of the user's machine. */
  public portForwardCommand(localPort: number = SPARK_HISTORY_PORT): string {
    return `kubectl port-forward -n ${this.tenant.namespaceName} service/${this.name} ${localPort}:${SPARK_HISTORY_PORT}`;
  }
}

function parseResources(props: SparkHistoryServerResources, report: (p: string) => void): HistoryServerPodResources {
  const parse = (key: keyof SparkHistoryServerResources) =>
    Quantity.parse(props[key] ?? DEFAULT_HISTORY_SERVER_RESOURCES[key], `resources.${key}`, report) ?? Quantity.literal(DEFAULT_HISTORY_SERVER_RESOURCES[key]);
  return { requestsCpu: parse('cpuRequest'), limitsCpu: parse('cpuLimit'), memory: parse('memory') };
}
