import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { declareApplySteps } from '../../core/apply-plan';
import { dnsLabelProblem, dnsSubdomainProblem } from '../../core/names';
import { Quantity } from '../../core/quantity';
import { ChartRelease } from '../../helm/chart-release';
import { ACCESS_KEY_ID, bucketNameProblem, SECRET_ACCESS_KEY } from './s3a';
import { dnsEgress, tcpPorts } from '../../core/network-policy-kit';
import { PlatformAddon } from '../../core/platform-addon';

/** Where the SeaweedFS chart is published. */
export const SEAWEEDFS_CHART_REPO = 'https://seaweedfs.github.io/seaweedfs/helm';
/** The pinned chart version (upstream.lock.json pins its values.yaml; npm run upstream:fetch puts it in upstream/seaweedfs/). */
export const SEAWEEDFS_CHART_VERSION = '4.44.0';
/** The server image tag, the chart's appVersion, pinned rather than inherited. */
export const SEAWEEDFS_IMAGE_TAG = '4.44';
/** The port of the S3 API. */
export const SEAWEEDFS_S3_PORT = 8333;
/** The uid and gid of the `seaweed` user of the chrislusf/seaweedfs image. */
export const SEAWEEDFS_UID = 1000;

/**
 * The annotation of the store's Namespace that lists, for readers of the manifests, the Secrets
 * created at apply time, before the store starts: `<namespace>/<secret>:<copy>` entries, separated
 * by spaces. The Secret `<secret>` in `<namespace>` gets random keys (ACCESS_KEY_ID,
 * SECRET_ACCESS_KEY) unless it exists; `<copy>` in the store's namespace gets the same keys, for the
 * store's identities. The apply command reads the same list from the apply plan (dist.plan.json).
 */
export const GENERATED_CREDENTIALS_ANNOTATION = 'spark-platform.io/generated-credentials';
/**
 * The annotation of a chart release (HelmChart, HelmRelease or Application) that lists, for readers
 * of the manifests, the Deployments (`<namespace>/<name>`, separated by spaces) the chart starts; the
 * apply command waits for them after the chart is installed, as the apply plan (dist.plan.json) says.
 */
export const READY_DEPLOYMENTS_ANNOTATION = 'spark-platform.io/ready-deployments';

/** Who may use the store: one set of keys and the buckets they may read and write. */
export interface SeaweedfsIdentity {
  /**
   * The identity's name, unique in the store; also the name of the copy of its Secret in the
   * store's namespace. An RFC 1123 subdomain, for example `team-alpha.jobs`.
   */
  readonly name: string;
  /** The namespace of the Secret with the identity's keys, for example `team-alpha`. */
  readonly secretNamespace: string;
  /** The Secret with the identity's keys (ACCESS_KEY_ID, SECRET_ACCESS_KEY), created at apply time. */
  readonly secretName: string;
  /** Buckets whose objects the identity may read and list. */
  readonly read: string[];
  /**
   * Buckets the identity may write objects to (and delete them from).
   * @default - none
   */
  readonly write?: string[];
}

export interface SeaweedfsStoreProps {
  /** The buckets, created when the chart is installed. */
  readonly buckets: string[];
  /** The identities; no other client is let in (the store runs with authentication on). */
  readonly identities: SeaweedfsIdentity[];
  /** The namespaces whose pods may reach the S3 API; no other pod can. */
  readonly clientNamespaces: string[];
  /**
   * The store's namespace, created at the Pod Security level `restricted`.
   * @default 'object-store'
   */
  readonly namespace?: string;
  /**
   * The Helm release name; the chart names the S3 Service `<release>-all-in-one`.
   * @default 'seaweedfs'
   */
  readonly releaseName?: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * Size of the data volume (a PersistentVolumeClaim), a Kubernetes quantity.
   * @default '10Gi'
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data volume.
   * @default - the cluster's default class (`local-path` on k3s)
   */
  readonly storageClassName?: string;
}

/** The server's pod security context: the image's `seaweed` user, as `restricted` requires. */
const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: SEAWEEDFS_UID,
  runAsGroup: SEAWEEDFS_UID,
  fsGroup: SEAWEEDFS_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  runAsUser: SEAWEEDFS_UID,
};

/** The ports the bucket hook's `weed shell` uses: master and filer, HTTP and gRPC. */
const BUCKET_HOOK_PORTS = [9333, 19333, 8888, 18888];

/**
 * SeaweedFS (Apache-2.0) as an S3-compatible object store: the chart's all-in-one server (master,
 * volume server, filer and S3 API in one pod) on a persistent volume, in its own namespace at the
 * Pod Security level `restricted`. Authentication is on, with the given identities only, each
 * allowed to read or write named buckets. The identities' keys never appear in the manifests: the
 * identities file names environment variables (`${VAR}`, which SeaweedFS resolves when it loads the
 * file), and the server reads them from Secrets created at apply time (see
 * GENERATED_CREDENTIALS_ANNOTATION). NetworkPolicies let only the client namespaces reach the S3
 * API and keep the master, volume and filer ports to the server and the chart's bucket hook.
 *
 * @see https://github.com/seaweedfs/seaweedfs/tree/4.44/k8s/charts/seaweedfs
 */
export class SeaweedfsStore extends PlatformAddon {
  /** The Helm release name. */
  public readonly releaseName: string;
  /** The chart's name for its objects: the release name, or `<release>-seaweedfs`. */
  public readonly fullName: string;
  /** The Service of the S3 API. */
  public readonly serviceName: string;
  /** The S3 endpoint URL, for clients in the cluster. */
  public readonly endpoint: string;
  /** The labels of the server's pod. */
  public readonly serverPodLabels: Record<string, string>;
  /** The buckets. */
  public readonly buckets: readonly string[];
  /** The identities. */
  public readonly identities: readonly SeaweedfsIdentity[];
  /** The namespaces whose pods may reach the S3 API. */
  public readonly clientNamespaces: readonly string[];
  /** The identities file (`seaweedfs_s3_config`), as the store reads it. */
  public readonly identitiesConfig: { identities: { name: string; credentials: { accessKey: string; secretKey: string }[]; actions: string[] }[] };
  /** The Secret that holds the identities file; it names environment variables, never keys. */
  public readonly identitiesSecret: k8s.KubeSecret;
  /** The chart release, in the app's delivery mode (k3s HelmChart, Flux or Argo CD). */
  public readonly release: ChartRelease;
  private readonly props: SeaweedfsStoreProps;
  private readonly storageSize: string;

  constructor(scope: Construct, id: string, props: SeaweedfsStoreProps) {
    super(scope, id, { namespace: props.namespace ?? 'object-store', owner: "the store's namespace", suggestion: 'object-store' });
    const problems = this.problems;
    this.props = props;
    this.releaseName = props.releaseName ?? 'seaweedfs';
    this.fullName = this.releaseName.includes('seaweedfs') ? this.releaseName : `${this.releaseName}-seaweedfs`;
    this.serviceName = `${this.fullName}-all-in-one`;
    this.endpoint = `http://${this.serviceName}.${this.namespaceName}.svc.cluster.local:${SEAWEEDFS_S3_PORT}`;
    this.serverPodLabels = {
      'app.kubernetes.io/name': 'seaweedfs',
      'app.kubernetes.io/instance': this.releaseName,
      'app.kubernetes.io/component': 'seaweedfs-all-in-one',
    };
    this.buckets = [...props.buckets];
    this.identities = [...props.identities];
    this.clientNamespaces = [...props.clientNamespaces];
    this.storageSize = props.storageSize ?? '10Gi';

    problems.addAll(this.propProblems());
    const env = new Map(this.identities.map((identity) => [identity.name, credentialEnv(identity.name)]));
    this.identitiesConfig = {
      identities: this.identities.map((identity) => ({
        name: identity.name,
        credentials: [{ accessKey: `\${${env.get(identity.name)!.accessKeyId}}`, secretKey: `\${${env.get(identity.name)!.secretAccessKey}}` }],
        actions: [
          ...identity.read.flatMap((bucket) => [`Read:${bucket}`, `List:${bucket}`]),
          ...(identity.write ?? []).map((bucket) => `Write:${bucket}`),
        ],
      })),
    };

    this.addRestrictedNamespace({
      [GENERATED_CREDENTIALS_ANNOTATION]: this.identities.map((i) => `${i.secretNamespace}/${i.secretName}:${i.name}`).join(' '),
    });
    // The chart's bucket hook runs as the namespace's default account; nothing here calls the API.
    new k8s.KubeServiceAccount(this, 'DefaultServiceAccount', {
      metadata: { name: 'default', namespace: this.namespaceName },
      automountServiceAccountToken: false,
    });
    this.identitiesSecret = new k8s.KubeSecret(this, 'Identities', {
      metadata: { name: `${this.fullName}-s3-identities`, namespace: this.namespaceName },
      type: 'Opaque',
      stringData: { seaweedfs_s3_config: JSON.stringify(this.identitiesConfig) },
    });
    this.isolate();

    this.release = new ChartRelease(this, 'Resource', {
      chart: 'seaweedfs',
      repo: SEAWEEDFS_CHART_REPO,
      version: SEAWEEDFS_CHART_VERSION,
      releaseName: this.releaseName,
      namespace: this.namespaceName,
      helmChartNamespace: props.helmChartNamespace,
      values: () => this.values,
      valuesSchema: 'seaweedfs',
      valuesVersion: SEAWEEDFS_CHART_VERSION,
    });
    // A k3s chart install is done before its pods are; the apply command waits for these as well.
    this.release.resource.metadata.addAnnotation(READY_DEPLOYMENTS_ANNOTATION, `${this.namespaceName}/${this.fullName}-all-in-one`);
    // The apply plan: the identities' keys are generated before the store starts, and the jobs wait
    // for the store to serve.
    declareApplySteps(this, {
      secrets: this.identities.map((i) => ({
        namespace: i.secretNamespace,
        name: i.secretName,
        keys: [ACCESS_KEY_ID, SECRET_ACCESS_KEY],
        copy: { namespace: this.namespaceName, name: i.name },
      })),
      readiness: {
        phase: this.releaseName,
        when: 'after-file',
        waits: [{ type: 'condition', resource: 'deployment', namespace: this.namespaceName, name: `${this.fullName}-all-in-one`, condition: 'Available', timeout: 'WORKLOAD_TIMEOUT' }],
      },
    });
  }

  /** The chart values: the all-in-one server only, hardened, with authentication from the identities file. */
  public get values(): Record<string, unknown> {
    const env: Record<string, unknown> = {};
    for (const identity of this.identities) {
      const names = credentialEnv(identity.name);
      env[names.accessKeyId] = { secretKeyRef: { name: identity.name, key: ACCESS_KEY_ID } };
      env[names.secretAccessKey] = { secretKeyRef: { name: identity.name, key: SECRET_ACCESS_KEY } };
    }
    const enabled = <T>(context: T) => ({ enabled: true, ...context });
    return {
      global: { seaweedfs: { createClusterRole: false, automountServiceAccountToken: false } },
      image: { tag: SEAWEEDFS_IMAGE_TAG },
      master: { enabled: false },
      volume: { enabled: false },
      // The bucket hook Job takes its security contexts from filer.*, even in all-in-one mode.
      filer: {
        enabled: false,
        podSecurityContext: enabled(POD_SECURITY_CONTEXT),
        containerSecurityContext: enabled(CONTAINER_SECURITY_CONTEXT),
      },
      allInOne: {
        enabled: true,
        serviceAccountName: 'seaweedfs',
        s3: {
          enabled: true,
          port: SEAWEEDFS_S3_PORT,
          enableAuth: true,
          existingConfigSecret: this.identitiesSecret.name,
          createBuckets: this.buckets.map((name) => ({ name })),
          createBucketsHook: { resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } } },
        },
        data: {
          type: 'persistentVolumeClaim',
          size: this.storageSize,
          ...(this.props.storageClassName !== undefined ? { storageClass: this.props.storageClassName } : {}),
        },
        secretExtraEnvironmentVars: env,
        podSecurityContext: enabled(POD_SECURITY_CONTEXT),
        containerSecurityContext: enabled(CONTAINER_SECURITY_CONTEXT),
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      },
    };
  }

  private propProblems(): string[] {
    const problems: (string | undefined)[] = [];
    problems.push(dnsLabelProblem(this.namespaceName, 'namespace'));
    if (this.clientNamespaces.includes(this.namespaceName)) {
      problems.push(`namespace "${this.namespaceName}" is also a client namespace: the store would share its namespace and its policies with a tenant; give the store a namespace of its own`);
    }
    problems.push(...duplicates(this.buckets, 'buckets', 'bucket'));
    this.buckets.forEach((bucket, i) => problems.push(dnsLabelProblem(bucket, `buckets[${i}]`) ?? bucketNameProblem(bucket, `buckets[${i}]`)));
    this.clientNamespaces.forEach((ns, i) => problems.push(dnsLabelProblem(ns, `clientNamespaces[${i}]`)));
    if (this.identities.length === 0) {
      problems.push('identities is empty: with authentication on, no client could use the store; give it the identities of its clients');
    }
    problems.push(...duplicates(this.identities.map((i) => i.name), 'identities', 'identity name'));
    const variables = new Map<string, string>();
    this.identities.forEach((identity, i) => {
      const what = `identities[${i}]`;
      problems.push(dnsSubdomainProblem(identity.name, `${what}.name`));
      problems.push(dnsLabelProblem(identity.secretNamespace, `${what}.secretNamespace`));
      problems.push(dnsSubdomainProblem(identity.secretName, `${what}.secretName`));
      const variable = credentialEnv(identity.name).accessKeyId;
      const other = variables.get(variable);
      if (other !== undefined && other !== identity.name) {
        problems.push(`${what}.name "${identity.name}" and "${other}" pass their keys to the store in the same environment variable ${variable}: rename one of them`);
      }
      variables.set(variable, identity.name);
      for (const [field, buckets] of [['read', identity.read], ['write', identity.write ?? []]] as const) {
        buckets.forEach((bucket, j) => {
          if (!this.buckets.includes(bucket)) {
            problems.push(`${what}.${field}[${j}] "${bucket}" is not a bucket of the store (${this.buckets.join(', ')}): add it to buckets or remove it`);
          }
        });
      }
      if (identity.read.length === 0 && (identity.write ?? []).length === 0) {
        problems.push(`${what} "${identity.name}" may read and write no bucket: give it read or write, or remove it`);
      }
    });
    Quantity.parse(this.storageSize, 'storageSize', (p) => problems.push(p));
    if (this.props.storageClassName !== undefined) {
      problems.push(dnsSubdomainProblem(this.props.storageClassName, 'storageClassName'));
    }
    return problems.filter((p): p is string => p !== undefined);
  }

  /**
   * Keeps the namespace's pods to what they need: the clients reach the S3 API and nothing else;
   * the chart's bucket hook reaches the master and the filer; the server reaches itself (its parts
   * talk over the pod's address); every pod resolves names. Nothing else comes in or goes out: the
   * master, volume and filer ports accept writes without S3's authentication.
   */
  private isolate(): void {
    const tcp = (ports: number[]) => tcpPorts(...ports);
    const policies = this.namespacePolicies(this.fullName);
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => policies.allow(id, name, spec);
    const server = { matchLabels: this.serverPodLabels };
    const hook = { matchLabels: { 'app.kubernetes.io/name': 'seaweedfs', 'app.kubernetes.io/instance': this.releaseName, 'app.kubernetes.io/component': 'bucket-hook' } };

    policies.defaultDeny();
    policy('AllowDns', 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [dnsEgress()] });
    policy('AllowS3', 'allow-s3', {
      podSelector: server,
      policyTypes: ['Ingress'],
      ingress: [{
        from: this.clientNamespaces.map((client) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': client } } })),
        ports: tcp([SEAWEEDFS_S3_PORT]),
      }],
    });
    policy('AllowSelf', 'allow-self', {
      podSelector: server,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: server }] }],
      egress: [{ to: [{ podSelector: server }] }],
    });
    policy('AllowBucketHook', 'allow-bucket-hook', {
      podSelector: hook,
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: server }], ports: tcp(BUCKET_HOOK_PORTS) }],
    });
    policy('AllowBucketHookIn', 'allow-bucket-hook-in', {
      podSelector: server,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: hook }], ports: tcp(BUCKET_HOOK_PORTS) }],
    });
  }
}

/** The environment variables the store reads an identity's keys from. */
export function credentialEnv(identity: string): { accessKeyId: string; secretAccessKey: string } {
  const base = `S3_${identity.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return { accessKeyId: `${base}_ACCESS_KEY_ID`, secretAccessKey: `${base}_SECRET_ACCESS_KEY` };
}

function duplicates(values: readonly string[], what: string, noun: string): string[] {
  const twice = [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
  return twice.length > 0 ? [`${what} lists ${noun} ${twice.map((v) => `"${v}"`).join(', ')} more than once: list each once`] : [];
}
