import { TenantNamespace } from '../../tenancy/tenant-namespace';

/**
 * Where a tenant's data lives in an S3-compatible object store and how its pods reach it, as plain
 * data: what a data pipeline needs from a storage add-on, which app code hands over (the storage
 * add-on's `locationOf(tenant)` has this shape), so that this add-on never imports another.
 */
export interface PipelineStorage {
  /** The tenant's namespace, where the credentials Secret lives. */
  readonly namespace: string;
  /** The S3 endpoint URL for clients in the cluster, for example `http://seaweedfs-s3.object-store.svc:8333`. */
  readonly endpoint: string;
  /** The tenant's bucket. */
  readonly bucket: string;
  /** The Secret in `namespace` with keys that may read and write the bucket. */
  readonly credentialsSecret: string;
  /** The key of `credentialsSecret` with the access key id. */
  readonly accessKeyIdKey: string;
  /** The key of `credentialsSecret` with the secret access key. */
  readonly secretAccessKeyKey: string;
  /** An image with Spark and Hadoop's S3A client, which jobs that read or write the bucket run. */
  readonly image: string;
  /** The S3A client's Hadoop confs, without the `spark.hadoop.` prefix. */
  readonly hadoopConf: Readonly<Record<string, string>>;
}

/** The label every object of a data pipeline carries, with the pipeline's name as its value. */
export const PIPELINE_LABEL = 'spark-platform.io/pipeline';

/** The namespace and port of an in-cluster endpoint URL (`http://<service>.<namespace>.svc[...]:<port>`), if it is one. */
export function clusterEndpoint(endpoint: string): { namespace: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const m = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
  if (!m) {
    return undefined;
  }
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { namespace: m[1], port };
}

/**
 * The problem, if any, with the tenant's pods reaching the store: its endpoint must be a Service in
 * the cluster that the tenant's egress rules open (the storage add-on opens it), or the pipeline's
 * pods would wait on a connection that never comes.
 */
export function storageReachProblem(tenant: TenantNamespace, storage: PipelineStorage): string | undefined {
  if (!tenant.networkIsolation) {
    return undefined;
  }
  const target = clusterEndpoint(storage.endpoint);
  if (target === undefined) {
    return `storage.endpoint "${storage.endpoint}" is not a Service in the cluster (http://<service>.<namespace>.svc:<port>), so synth cannot tell whether the tenant's NetworkPolicies let its pods reach it: use the store's in-cluster endpoint`;
  }
  const open = tenant.egress.some((r) => r.namespace === target.namespace && (r.ports === undefined || r.ports.includes(target.port)));
  return open
    ? undefined
    : `the tenant ${tenant.namespaceName} may not reach the object store at ${storage.endpoint} (namespace ${target.namespace}, port ${target.port}): its NetworkPolicies open no egress there; enable the storage add-on for the tenant, or open it with tenant.allowEgress()`;
}
