import { Construct, IConstruct } from 'constructs';
import { SparkApplicationSpec, SparkApplicationSpecDriverEnv } from '../../../imports/sparkoperator.k8s.io';
import { registerAppChecks } from '../../core/app';
import { Problems } from '../../core/problems';
import { Quantity } from '../../core/quantity';
import { countPlatformPod } from '../../jobs/capacity';
import { SparkJob } from '../../jobs/spark-job';
import { addSparkJobDefaults } from '../../jobs/spark-job-defaults';
import { imageSparkVersion } from '../../jobs/spark-pi-job';
import { SPARK_OPERATOR_SPARK_VERSION } from '../../operator/spark-operator-release';
import { TenantNamespace } from '../../tenancy/tenant-namespace';
import { EventLogDirectory } from './event-log-directory';
import { ACCESS_KEY_ID, bucketNameProblem, s3aHadoopConf, SECRET_ACCESS_KEY, SPARK_S3A_IMAGE } from './s3a';
import { SEAWEEDFS_S3_PORT, SeaweedfsStore } from './seaweedfs-store';
import { ROLLING_EVENT_LOG_CONF, SparkHistoryServer, SparkHistoryServerResources } from './spark-history-server';
import { ConstructIndex } from '../../core/construct-index';

/** The Secret in each tenant's namespace with the keys its jobs read and write its bucket with. */
export const JOBS_CREDENTIALS_SECRET = 'object-store-credentials';
/** The Secret in each tenant's namespace with the read-only keys of its History Server. */
export const HISTORY_CREDENTIALS_SECRET = 'object-store-history-credentials';
/** Where in its bucket a tenant's jobs write their event logs. */
export const EVENT_LOG_PREFIX = 'spark-events';

export interface ObjectStorageProps {
  /** The tenants that get a bucket, keys, event logs and a History Server. */
  readonly tenants: TenantNamespace[];
  /**
   * The object store's namespace.
   * @default 'object-store'
   */
  readonly namespace?: string;
  /**
   * The object store's Helm release name.
   * @default 'seaweedfs'
   */
  readonly releaseName?: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * Size of the object store's volume, a Kubernetes quantity.
   * @default '10Gi'
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the object store's volume.
   * @default - the cluster's default class (`local-path` on k3s)
   */
  readonly storageClassName?: string;
  /**
   * The image with Spark 4.0.0 and the S3A client that the tenants' jobs, the event-log Jobs and
   * the History Servers run.
   * @default ObjectStorage.SPARK_S3A_IMAGE
   */
  readonly image?: string;
  /**
   * Resources of each tenant's History Server; they count against the tenant's quota.
   * @default SparkHistoryServer.DEFAULT_RESOURCES (250m to 1 CPU, 1Gi)
   */
  readonly historyServerResources?: SparkHistoryServerResources;
}

/** What one tenant has in the object store. */
export interface TenantStorage {
  readonly tenant: TenantNamespace;
  /** The tenant's bucket, named after its namespace. */
  readonly bucket: string;
  /** Where its jobs write their event logs: `s3a://<bucket>/spark-events/`. */
  readonly eventLogDirectory: string;
  /** The Job that creates the event log directory. */
  readonly eventLogJob: EventLogDirectory;
  /** The tenant's History Server. */
  readonly historyServer: SparkHistoryServer;
  /** The Spark confs every job of the tenant gets. */
  readonly sparkConf: Record<string, string>;
  /** The Hadoop confs (`spark.hadoop.*`) every job of the tenant gets. */
  readonly hadoopConf: Record<string, string>;
  /** The environment every driver and executor of the tenant gets: the keys, from JOBS_CREDENTIALS_SECRET. */
  readonly env: SparkApplicationSpecDriverEnv[];
}

/**
 * An environment variable of a tenant's Spark pods whose value comes from a key of a Secret in the
 * tenant's namespace: the shape of `env` items of Kubernetes containers and SparkApplications alike.
 */
export interface SecretEnvVar {
  readonly name: string;
  readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

/**
 * Where one tenant's data lives in the object store and how its jobs reach it, as plain data (no
 * constructs), so that app code can hand it to another add-on (a data pipeline, say) without that
 * add-on importing this one. The keys themselves are never here: only the Secret that holds them.
 */
export interface TenantStorageLocation {
  /** The tenant's namespace, where the Secret and the jobs live. */
  readonly namespace: string;
  /** The S3 endpoint URL, for clients in the cluster. */
  readonly endpoint: string;
  /** The tenant's bucket; its keys reach no other. */
  readonly bucket: string;
  /** The bucket as an S3A URI, with a trailing "/": `s3a://<bucket>/`. */
  readonly uri: string;
  /** Where the tenant's jobs write their event logs: `s3a://<bucket>/spark-events/`. */
  readonly eventLogDirectory: string;
  /** The Secret in `namespace` with the read-write keys of the tenant's jobs. */
  readonly credentialsSecret: string;
  /** The key of `credentialsSecret` that holds the access key id (also the environment variable the AWS SDK reads). */
  readonly accessKeyIdKey: string;
  /** The key of `credentialsSecret` that holds the secret access key (also the environment variable the AWS SDK reads). */
  readonly secretAccessKeyKey: string;
  /** The image with the S3A client that a job reading or writing the bucket must run. */
  readonly image: string;
  /** The Spark confs a job needs: the event log settings and the S3A client's as `spark.hadoop.*`. */
  readonly sparkConf: Readonly<Record<string, string>>;
  /** The same S3A settings without the `spark.hadoop.` prefix, for a SparkApplication's `hadoopConf`. */
  readonly hadoopConf: Readonly<Record<string, string>>;
  /** The environment of the driver and the executors: the keys, from `credentialsSecret`. */
  readonly env: readonly SecretEnvVar[];
}

/** The object stores of each app, under its root (ObjectStorage.of). */
const STORAGES = new ConstructIndex<ObjectStorage>();

/**
 * Object storage for the tenants' data and their Spark jobs' history: an S3-compatible store
 * (SeaweedFS, SeaweedfsStore) with a bucket per tenant and, per tenant, keys that reach only its
 * bucket: read-write ones for its jobs and read-only ones for its History Server, generated at
 * apply time and given to pods from Secrets. Every Spark job of a tenant writes its event logs to
 * `s3a://<tenant>/spark-events/` (created by an EventLogDirectory Job) and gets the S3A confs and
 * the keys; each tenant gets a SparkHistoryServer in its namespace that reads only its own logs.
 * The tenants' NetworkPolicies let their pods reach the store's S3 port and nothing else of it.
 *
 * When the app is synthesized it checks every Spark job: a job of a tenant without storage must not
 * use s3a:// paths; a job of a tenant with storage must run the S3A image, use only its own bucket,
 * keep the event log and S3A settings, and fit its quota beside the History Server.
 */
export class ObjectStorage extends Construct {
  /** The image of the jobs that use the storage: Spark with the S3A jars (built by the k3d script). */
  public static readonly SPARK_S3A_IMAGE = SPARK_S3A_IMAGE;
  /** The Secret in each tenant's namespace with the keys its jobs write with. */
  public static readonly JOBS_CREDENTIALS_SECRET = JOBS_CREDENTIALS_SECRET;
  /** The Secret in each tenant's namespace with the read-only keys of its History Server. */
  public static readonly HISTORY_CREDENTIALS_SECRET = HISTORY_CREDENTIALS_SECRET;

  /**
   * The ObjectStorage constructs of the app of `scope`, in the order they were made; two apps in one
   * process never see each other's stores.
   */
  public static of(scope: IConstruct): ObjectStorage[] {
    return STORAGES.get(scope.node.root);
  }

  /** The object store. */
  public readonly store: SeaweedfsStore;
  /** The image of the tenants' Spark pods, event-log Jobs and History Servers. */
  public readonly image: string;
  /** What each tenant has, in the order of `tenants`. */
  public readonly tenants: readonly TenantStorage[];
  /** The jobs this store has given the storage checks (see checkJobs). */
  private readonly checkedJobs = new WeakSet<SparkJob>();

  constructor(scope: Construct, id: string, props: ObjectStorageProps) {
    super(scope, id);
    STORAGES.add(this.node.root, this);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.image = props.image ?? SPARK_S3A_IMAGE;
    problems.add(s3aImageProblem(this.image));
    const names = props.tenants.map((t) => t.namespaceName);
    if (props.tenants.length === 0) {
      problems.add('tenants is empty: give ObjectStorage the TenantNamespace objects that get buckets and History Servers');
    }
    const twice = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
    if (twice.length > 0) {
      problems.add(`tenants lists ${twice.map((n) => `"${n}"`).join(', ')} more than once: pass each TenantNamespace once`);
    }
    // A tenant that has itself been refused (its name, for example) has said what to fix: the
    // bucket, keys and History Server made from it would only repeat that, object by object.
    const refused = (t: TenantNamespace) => Problems.inOrAbove(t);
    const badBucket = props.tenants.filter((t, i) => {
      const problem = refused(t) ? undefined : bucketNameProblem(t.namespaceName, `tenants[${i}]`);
      problems.add(problem);
      return problem !== undefined;
    });
    const foreign = props.tenants.filter((t) => t.node.root !== this.node.root);
    if (foreign.length > 0) {
      problems.add(`tenants ${foreign.map((t) => `"${t.namespaceName}"`).join(', ')} belong to another app, which would create their namespaces (or not): give ObjectStorage the TenantNamespace objects of its own app`);
    }
    // A tenant already served by an earlier store is reported once, here, and left to that store.
    // (This store is in the tree already, but has no tenants yet.)
    const earlier = ObjectStorage.of(this).filter((s) => s !== this);
    const taken = props.tenants.filter((t) => earlier.some((s) => s.storageOf(t) !== undefined));
    for (const store of earlier) {
      const both = taken.filter((t) => store.storageOf(t) !== undefined).map((t) => t.namespaceName);
      if (both.length > 0) {
        problems.add(`tenants ${both.join(', ')} are already given to the ObjectStorage at ${store.node.path}: their jobs would get two event log directories and two sets of keys; give each tenant to one ObjectStorage`);
      }
    }

    const tenants = props.tenants.filter((t, i) => names.indexOf(t.namespaceName) === i && !refused(t) && !badBucket.includes(t) && !taken.includes(t) && !foreign.includes(t));
    this.store = new SeaweedfsStore(this, 'Store', {
      buckets: tenants.map((t) => t.namespaceName),
      clientNamespaces: tenants.map((t) => t.namespaceName),
      identities: tenants.flatMap((t) => [
        { name: `${t.namespaceName}.jobs`, secretNamespace: t.namespaceName, secretName: JOBS_CREDENTIALS_SECRET, read: [t.namespaceName], write: [t.namespaceName] },
        { name: `${t.namespaceName}.history`, secretNamespace: t.namespaceName, secretName: HISTORY_CREDENTIALS_SECRET, read: [t.namespaceName] },
      ]),
      namespace: props.namespace,
      releaseName: props.releaseName,
      helmChartNamespace: props.helmChartNamespace,
      storageSize: props.storageSize,
      storageClassName: props.storageClassName,
    });

    if (tenants.length === 0) {
      // No tenant left to serve: the reason is reported above or at the tenants, and a store with
      // no buckets and no identities would only say so again.
      Problems.derivedFrom(this.store, this, ...props.tenants);
    }
    const hadoopConf = s3aHadoopConf(this.store.endpoint);
    this.tenants = tenants.map((tenant) => {
      const ns = tenant.namespaceName;
      const bucket = ns;
      const eventLogDirectory = `s3a://${bucket}/${EVENT_LOG_PREFIX}/`;
      // Every pod of the tenant: drivers and executors, the event-log Job and the History Server.
      // (A second store in the same namespace is reported by the app's duplicate-object check.)
      const policy = `allow-${this.store.namespaceName}`;
      if (!tenant.node.tryFindChild(`Policy-${policy}`)) {
        tenant.allowEgress(policy, [{ namespace: this.store.namespaceName, podLabels: this.store.serverPodLabels, ports: [SEAWEEDFS_S3_PORT] }]);
      }
      const sparkConf = { 'spark.eventLog.enabled': 'true', 'spark.eventLog.dir': eventLogDirectory, ...ROLLING_EVENT_LOG_CONF };
      const env: SparkApplicationSpecDriverEnv[] = [ACCESS_KEY_ID, SECRET_ACCESS_KEY].map((key) => ({
        name: key,
        valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key } },
      }));
      addSparkJobDefaults(tenant, this.node.path, { sparkConf, hadoopConf, env });
      tenant.allowJobSecret(JOBS_CREDENTIALS_SECRET);
      const eventLogJob = new EventLogDirectory(this, `EventLogDirectory-${ns}`, {
        tenant,
        directory: eventLogDirectory,
        hadoopConf,
        credentialsSecret: JOBS_CREDENTIALS_SECRET,
        image: this.image,
      });
      const historyServer = new SparkHistoryServer(this, `HistoryServer-${ns}`, {
        tenant,
        logDirectory: eventLogDirectory,
        hadoopConf,
        credentialsSecret: HISTORY_CREDENTIALS_SECRET,
        image: this.image,
        resources: props.historyServerResources,
      });
      const { requestsCpu, limitsCpu, memory } = historyServer.resources;
      countPlatformPod(tenant, { what: `History Server ${historyServer.name}`, requestsCpu, limitsCpu, requestsMemory: memory, limitsMemory: memory });
      return { tenant, bucket, eventLogDirectory, eventLogJob, historyServer, sparkConf, hadoopConf, env };
    });

    // The root validates before any other construct, so each job, declared before or after this
    // store, has its checks by the time its own validation runs, and reports under its own path.
    this.node.root.node.addValidation({ validate: () => this.checkJobs() });
  }

  /**
   * Gives every Spark job of the app that no store of the app has checked yet a validation that
   * checks it against the app's stores as they are when it runs. Every store's root validation
   * does this, so the one that runs first checks all jobs, whichever store is declared first.
   */
  private checkJobs(): string[] {
    const storages = ObjectStorage.of(this);
    for (const job of this.node.root.node.findAll().filter((c): c is SparkJob => c instanceof SparkJob)) {
      if (!storages.some((s) => s.checkedJobs.has(job))) {
        this.checkedJobs.add(job);
        job.node.addValidation({ validate: () => jobProblems(job, ObjectStorage.of(job)) });
      }
    }
    return [];
  }

  /** What the tenant has in this store, or undefined when the store does not serve it. */
  public storageOf(tenant: TenantNamespace): TenantStorage | undefined {
    return this.tenants.find((t) => t.tenant === tenant);
  }

  /**
   * Where the tenant's data lives and how a job reaches it, as plain data to hand to other add-ons
   * or app code; undefined when this store does not serve the tenant. Every Spark job of the tenant
   * gets these settings anyway; a workload that is not a SparkJob (a Job or a Deployment of another
   * add-on) needs `env`, `endpoint` and the S3A settings, and a NetworkPolicy that lets it reach the
   * store, which the tenant's policy `allow-<store namespace>` already gives every pod of the tenant.
   */
  public locationOf(tenant: TenantNamespace): TenantStorageLocation | undefined {
    const storage = this.storageOf(tenant);
    if (storage === undefined) {
      return undefined;
    }
    const hadoopConf = { ...storage.hadoopConf };
    return {
      namespace: tenant.namespaceName,
      endpoint: this.store.endpoint,
      bucket: storage.bucket,
      uri: `s3a://${storage.bucket}/`,
      eventLogDirectory: storage.eventLogDirectory,
      credentialsSecret: JOBS_CREDENTIALS_SECRET,
      accessKeyIdKey: ACCESS_KEY_ID,
      secretAccessKeyKey: SECRET_ACCESS_KEY,
      image: this.image,
      sparkConf: { ...storage.sparkConf, ...Object.fromEntries(Object.entries(hadoopConf).map(([k, v]) => [`spark.hadoop.${k}`, v])) },
      hadoopConf,
      env: [ACCESS_KEY_ID, SECRET_ACCESS_KEY].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key } } })),
    };
  }
}

/** A string of a job's own spec that names an s3a:// path, and where it is. */
interface S3aReference {
  readonly field: string;
  readonly value: string;
  readonly bucket: string;
}

/** The s3a:// paths a spec names, in any string field (arguments, dependencies, confs, ...). */
export function s3aReferences(spec: SparkApplicationSpec): S3aReference[] {
  const found: S3aReference[] = [];
  const visit = (value: unknown, field: string) => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/s3a:\/\/([^/\s,;"']*)/g)) {
        found.push({ field, value, bucket: match[1] });
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${field}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        visit(v, /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (field ? `${field}.${k}` : k) : `${field}[${JSON.stringify(k)}]`);
      }
    }
  };
  visit(spec, '');
  return found;
}

function jobProblems(job: SparkJob, storages: ObjectStorage[]): string[] {
  const tenant = job.tenant;
  const ns = tenant.namespaceName;
  const serving = storages.map((s) => s.storageOf(tenant)).filter((t): t is TenantStorage => t !== undefined);
  const spec = job.spec;
  const references = s3aReferences(spec);
  if (serving.length === 0) {
    return references.map((r) => `${r.field} "${r.value}" is in the object store, but ${ns} is not among the tenants of ObjectStorage (${storages.map((s) => s.node.path).join(', ')}), so its pods have no keys and no network path to the store: add the tenant to ObjectStorage's tenants, or use another path`);
  }
  const storage = serving[0];
  const owner = storages.find((s) => s.storageOf(tenant))!;
  if (Problems.inOrAbove(owner)) {
    // The store itself was refused (its image, for example): the job's checks against it would
    // only repeat that, or suggest the refused value as the fix.
    return [];
  }
  const problems: string[] = [];
  for (const [field, image] of [['image', spec.image], ['driver.image', spec.driver.image], ['executor.image', spec.executor.image]] as const) {
    if (image !== undefined && normalizedImage(image) !== normalizedImage(owner.image)) {
      problems.push(`${field} "${image}" has no S3A client, but ${ns}'s jobs write their event logs to ${storage.eventLogDirectory}, so the driver would fail at start: use image "${owner.image}" (k3d/platform.sh up builds it into the cluster)`);
    }
  }
  for (const r of references.filter((ref) => ref.bucket !== storage.bucket)) {
    problems.push(`${r.field} "${r.value}" is in bucket "${r.bucket}", but ${ns}'s keys reach only its own bucket "${storage.bucket}": use s3a://${storage.bucket}/...`);
  }
  const own = spec.sparkConf ?? {};
  for (const [key, value] of Object.entries(storage.sparkConf)) {
    if (own[key] !== undefined && own[key] !== value) {
      problems.push(`sparkConf["${key}"] "${own[key]}" overrides the platform's ${JSON.stringify(value)}: every job of ${ns} writes its event logs to ${storage.eventLogDirectory}, the one place its History Server reads; remove it`);
    }
  }
  for (const [key, value] of Object.entries(storage.hadoopConf)) {
    for (const [field, set] of [[`hadoopConf["${key}"]`, spec.hadoopConf?.[key]], [`sparkConf["spark.hadoop.${key}"]`, own[`spark.hadoop.${key}`]]] as const) {
      if (set !== undefined && set !== value) {
        problems.push(`${field} "${set}" overrides the platform's ${JSON.stringify(value)}, which points S3A at ${ns}'s object store with its keys: remove it`);
      }
    }
  }
  for (const role of ['driver', 'executor'] as const) {
    for (const env of spec[role].env ?? []) {
      if (env.name === ACCESS_KEY_ID || env.name === SECRET_ACCESS_KEY) {
        problems.push(`${role}.env ${env.name} overrides ${ns}'s keys, which come from Secret ${JOBS_CREDENTIALS_SECRET}: remove it`);
      }
    }
  }
  problems.push(...quotaProblems(job, storage.historyServer));
  return problems;
}

/** The job at its peak beside the tenant's History Server, against the tenant's quota. */
function quotaProblems(job: SparkJob, history: SparkHistoryServer): string[] {
  const r = job.resources;
  if (!r) {
    return [];
  }
  const q = job.tenant.quota;
  const h = history.resources;
  const ns = job.tenant.namespaceName;
  const problems: string[] = [];
  const check = (resource: string, jobNeeds: Quantity | undefined, historyNeeds: Quantity, allows: Quantity, memory: boolean) => {
    if (jobNeeds === undefined || jobNeeds.isGreaterThan(allows)) {
      return; // the job alone is over: SparkJob reports it
    }
    if (jobNeeds.plus(historyNeeds).isGreaterThan(allows)) {
      const f = (x: Quantity) => (memory ? x.toMemoryString() : x.toCpuString());
      problems.push(`${resource}: the job needs ${f(jobNeeds)} and ${ns}'s History Server ${f(historyNeeds)}; ${ns} allows ${f(allows)} in total, so the job would wait for quota forever: make the job smaller, or raise the tenant's quota`);
    }
  };
  check('requests.cpu', r.requestsCpu, h.requestsCpu, q.requestsCpu, false);
  check('limits.cpu', r.limitsCpu, h.limitsCpu, q.limitsCpu, false);
  check('requests.memory', r.requestsMemory, h.memory, q.requestsMemory, true);
  check('limits.memory', r.limitsMemory, h.memory, q.limitsMemory, true);
  if (r.pods <= q.pods && r.pods + 1 > q.pods) {
    problems.push(`pods: the job's ${r.pods} pods and ${ns}'s History Server are ${r.pods + 1} pods; ${ns} allows ${q.pods}: lower executor.instances, or raise the tenant's quota.pods`);
  }
  return problems;
}

function normalizedImage(image: string): string {
  return image.startsWith('docker.io/') ? image.slice('docker.io/'.length) : image;
}

/**
 * The problem with the image the tenants' pods run for the store, or undefined: it must be a Spark
 * image of the operator's Spark version (its tag starts with the version, as apache/spark's and
 * SPARK_S3A_IMAGE's do), since the event-log Jobs, History Servers and jobs run Spark from it.
 */
function s3aImageProblem(image: string): string | undefined {
  const version = imageSparkVersion(image);
  if (version === SPARK_OPERATOR_SPARK_VERSION) {
    return undefined;
  }
  return `image "${image}" is not a Spark ${SPARK_OPERATOR_SPARK_VERSION} image${version !== undefined ? ` (its tag names Spark ${version})` : ' (its tag names no Spark version)'}, but the tenants' jobs, event-log Jobs and History Servers run Spark with the S3A client from it: use "${SPARK_S3A_IMAGE}" (k3d/platform.sh up builds it), or an image of your own whose tag starts with ${SPARK_OPERATOR_SPARK_VERSION}`;
}
