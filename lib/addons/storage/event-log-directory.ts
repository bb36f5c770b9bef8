import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from '../../core/app';
import { Problems } from '../../core/problems';
import { FSSHELL, hadoopGenericOptions, TenantScriptJob } from '../../jobs/tenant-script-job';
import { TENANT_LABEL, TenantNamespace } from '../../tenancy/tenant-namespace';
import { ACCESS_KEY_ID, s3aHadoopConf, SECRET_ACCESS_KEY, SPARK_S3A_IMAGE } from './s3a';

export interface EventLogDirectoryProps {
  /** The tenant whose directory it is; the Job runs in its namespace, under its quota. */
  readonly tenant: TenantNamespace;
  /** The directory, an `s3a://<bucket>/<path>/` URI. */
  readonly directory: string;
  /** The Hadoop confs of the S3A client (without `spark.hadoop.`), for example from s3aHadoopConf. */
  readonly hadoopConf: Record<string, string>;
  /** The Secret in the tenant's namespace with keys that may write the directory's bucket. */
  readonly credentialsSecret: string;
  /**
   * An image with Hadoop's S3A client in /opt/spark/jars.
   * @default ObjectStorage.SPARK_S3A_IMAGE
   */
  readonly image?: string;
  /**
   * The Job's name.
   * @default 'event-log-directory'
   */
  readonly name?: string;
}

/** How many times the Job tries, 5 seconds apart, while the store is not reachable yet. */
export const EVENT_LOG_DIRECTORY_ATTEMPTS = 60;

/**
 * A Job that creates a tenant's Spark event log directory in the object store, as S3A itself does
 * (`hadoop fs -mkdir -p`, which puts the directory marker `<path>/`). Spark refuses to write event
 * logs into, and the History Server refuses to start on, a directory that does not exist; in object
 * storage a directory exists only once something is under it. The Job is idempotent, retries while
 * the store comes up, runs with the tenant's credentials from a Secret, and meets the Pod Security
 * level `restricted` with a read-only root file system.
 *
 * @see https://spark.apache.org/docs/4.0.0/monitoring.html#viewing-after-the-fact
 */
export class EventLogDirectory extends Construct {
  /** The Hadoop settings of the S3A client for a store at `endpoint` (path-style access, the store's signing region). */
  public static s3aHadoopConf(endpoint: string): Record<string, string> {
    return s3aHadoopConf(endpoint);
  }

  /** The directory. */
  public readonly directory: string;
  /** The Job. */
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: EventLogDirectoryProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.directory = props.directory;
    if (!/^s3a:\/\/[^/]+\/.+/.test(props.directory)) {
      problems.add(`directory "${props.directory}" is not a directory in a bucket: use s3a://<bucket>/<path>/, for example "s3a://team-alpha/spark-events/"`);
    }
    const name = props.name ?? 'event-log-directory';
    const labels = { 'app.kubernetes.io/name': 'event-log-directory', [TENANT_LABEL]: props.tenant.namespaceName };
    // bash -c SCRIPT NAME ARGS...: the arguments stay separate words, whatever the confs hold.
    const script = [
      `for attempt in $(seq 1 ${EVENT_LOG_DIRECTORY_ATTEMPTS}); do`,
      `  ${FSSHELL} "$@" && exit 0`,
      '  echo "attempt $attempt: the object store did not take the directory; trying again in 5s" >&2',
      '  sleep 5',
      'done',
      'exit 1',
    ].join('\n');
    this.job = new TenantScriptJob(this, 'Resource', {
      tenant: props.tenant,
      name,
      labels,
      image: props.image ?? SPARK_S3A_IMAGE,
      container: 'mkdir',
      script,
      args: [...hadoopGenericOptions(props.hadoopConf), '-mkdir', '-p', props.directory],
      env: credentialsFromSecret(props.credentialsSecret),
      tmpSize: '256Mi',
    });
  }
}

/** The S3A client's credentials, from a Secret. */
export function credentialsFromSecret(secret: string): k8s.EnvVar[] {
  return [ACCESS_KEY_ID, SECRET_ACCESS_KEY].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret, key } } }));
}
