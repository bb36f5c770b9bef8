import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { Quantity } from '../core/quantity';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { countPlatformPod } from './capacity';
import { HARDENED_POD_SECURITY_CONTEXT, HARDENED_SECURITY_CONTEXT } from './spark-spec';

/**
 * Hadoop's FsShell (`hadoop fs`) from the jars of a Spark image, with a small heap: how a tenant's
 * helper Jobs reach object storage with the same S3A client as its Spark jobs.
 */
export const FSSHELL = 'java -Xmx256m -cp "/opt/spark/jars/*" org.apache.hadoop.fs.FsShell';

/** Hadoop's generic options (`-D key=value`) for confs, in key order, each value one argument. */
export function hadoopGenericOptions(conf: Readonly<Record<string, string>>): string[] {
  return Object.keys(conf).sort().flatMap((key) => ['-D', `${key}=${conf[key]}`]);
}

export interface TenantScriptJobProps {
  /** The tenant whose namespace the Job runs in, under its quota. */
  readonly tenant: TenantNamespace;
  /** The Job's name. */
  readonly name: string;
  /** Labels of the Job and its pod. */
  readonly labels: Record<string, string>;
  /** The image; it runs as the Spark images' user (uid 185). */
  readonly image: string;
  /** The container's name. */
  readonly container: string;
  /** A bash script, run as `bash -c SCRIPT CONTAINER ARGS...`, so that each argument stays one word. */
  readonly script: string;
  /** The script's arguments. */
  readonly args: string[];
  /** The container's environment (keys from Secrets, never their values). */
  readonly env: k8s.EnvVar[];
  /** How much the writable /tmp may hold, a quantity. */
  readonly tmpSize: string;
}

/** The script Job's container resources; the capacity table counts its pod with them. */
const SCRIPT_JOB_RESOURCES = { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } } as const;

/**
 * A Job that runs a script once in a tenant's namespace, as the platform's helper Jobs do (the
 * event-log directory, a dataset load): Pod Security `restricted` with a read-only root file
 * system and a writable /tmp, no API token, 100m to 1 CPU and 512Mi, two retries, and gone ten
 * minutes after it finished, so that applying dist/ again runs it again (harmlessly) instead of
 * failing on a changed Job's immutable template.
 */
export class TenantScriptJob extends k8s.KubeJob {
  constructor(scope: Construct, id: string, props: TenantScriptJobProps) {
    countPlatformPod(props.tenant, {
      what: `Job ${props.name}`,
      requestsCpu: Quantity.literal(SCRIPT_JOB_RESOURCES.requests.cpu),
      limitsCpu: Quantity.literal(SCRIPT_JOB_RESOURCES.limits.cpu),
      requestsMemory: Quantity.literal(SCRIPT_JOB_RESOURCES.requests.memory),
      limitsMemory: Quantity.literal(SCRIPT_JOB_RESOURCES.limits.memory),
    });
    // The construct is the Job itself, not a parent of one, so that the Job keeps the construct
    // path and the place in its chart it had when this was a function.
    super(scope, id, tenantScriptJobProps(props));
  }
}

/** The Job of a TenantScriptJob. */
function tenantScriptJobProps(props: TenantScriptJobProps): k8s.KubeJobProps {
  return {
    metadata: { name: props.name, namespace: props.tenant.namespaceName, labels: props.labels },
    spec: {
      backoffLimit: 2,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: props.labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: HARDENED_POD_SECURITY_CONTEXT,
          containers: [{
            name: props.container,
            image: props.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/bash', '-c', props.script, props.container],
            args: props.args,
            env: props.env,
            resources: {
              requests: { cpu: k8s.Quantity.fromString(SCRIPT_JOB_RESOURCES.requests.cpu), memory: k8s.Quantity.fromString(SCRIPT_JOB_RESOURCES.requests.memory) },
              limits: { cpu: k8s.Quantity.fromString(SCRIPT_JOB_RESOURCES.limits.cpu), memory: k8s.Quantity.fromString(SCRIPT_JOB_RESOURCES.limits.memory) },
            },
            securityContext: { ...HARDENED_SECURITY_CONTEXT, readOnlyRootFilesystem: true },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(props.tmpSize) } }],
        },
      },
    },
  };
}
