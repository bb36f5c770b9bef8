/**
 * The S3A client of Spark 4.0.0: which jars it needs, the image that has them, the Hadoop confs
 * that point it at the platform's object store, and the environment it reads credentials from.
 *
 * Spark 4.0.0 is built with Hadoop 3.4.1 (SPARK-49550), whose hadoop-aws uses the AWS SDK v2 and is
 * built against its bundle 2.24.6 (HADOOP-19082, SPARK-47695). The apache/spark image ships
 * neither jar, so k3d/spark-s3a/Dockerfile adds both to an image built from it.
 *
 * @see https://hadoop.apache.org/docs/r3.4.1/hadoop-aws/tools/hadoop-aws/index.html
 */

/** The hadoop-aws release of the Hadoop that Spark 4.0.0 is built with. */
export const HADOOP_AWS_VERSION = '3.4.1';

/** The AWS SDK v2 bundle that hadoop-aws 3.4.1 is built against. */
export const AWS_SDK_BUNDLE_VERSION = '2.24.6';

/**
 * The image of Spark jobs, event-log Jobs and History Servers that use S3A: apache/spark:4.0.0
 * with hadoop-aws and the AWS SDK bundle added (k3d/spark-s3a/Dockerfile). `k3d/platform.sh up`
 * builds it and imports it into the cluster; it is never pulled.
 */
export const SPARK_S3A_IMAGE = `spark-platform/spark-s3a:4.0.0-hadoop-aws-${HADOOP_AWS_VERSION}`;

/** The Secret key, and the environment variable the AWS SDK reads, of an access key id. */
export const ACCESS_KEY_ID = 'AWS_ACCESS_KEY_ID';
/** The Secret key, and the environment variable the AWS SDK reads, of a secret access key. */
export const SECRET_ACCESS_KEY = 'AWS_SECRET_ACCESS_KEY';

/**
 * The SDK's provider that reads ACCESS_KEY_ID and SECRET_ACCESS_KEY from the environment. Naming it
 * keeps S3A from trying the others of its default chain, such as the cloud instance metadata
 * service, which the tenants' NetworkPolicies would only let time out.
 */
export const ENVIRONMENT_CREDENTIALS_PROVIDER = 'software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider';

/**
 * The region S3A signs requests for. The store ignores it, but the AWS SDK v2 needs one, and
 * without it S3A would try to find one by asking AWS.
 */
export const S3_SIGNING_REGION = 'us-east-1';

/**
 * The Hadoop confs (without the `spark.hadoop.` prefix) of an S3A client of an S3 endpoint on the
 * cluster's network: path-style addressing (buckets are not DNS names there), plain HTTP, no
 * change detection (SeaweedFS's ETags of multipart uploads are not what S3A expects; seaweedfs
 * #9768), and credentials from the environment only.
 * @param endpoint the S3 endpoint URL, for example `http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333`
 */
export function s3aHadoopConf(endpoint: string): Record<string, string> {
  return {
    'fs.s3a.endpoint': endpoint,
    'fs.s3a.endpoint.region': S3_SIGNING_REGION,
    'fs.s3a.path.style.access': 'true',
    'fs.s3a.connection.ssl.enabled': String(endpoint.startsWith('https://')),
    'fs.s3a.change.detection.mode': 'none',
    'fs.s3a.aws.credentials.provider': ENVIRONMENT_CREDENTIALS_PROVIDER,
  };
}

/** The problem with a name as an S3 bucket name of the store, or undefined. */
export function bucketNameProblem(name: string, what: string): string | undefined {
  // The rules of SeaweedFS (s3bucket.VerifyS3BucketName) that a namespace name can break.
  if (name.length < 3) {
    return `${what} "${name}" is too short for a bucket name: buckets take their tenant's name and need 3 to 63 characters; give the tenant a longer name, for example "team-${name}"`;
  }
  if (name === 'filemeta' || name.startsWith('xn--') || name.endsWith('-s3alias')) {
    return `${what} "${name}" is a bucket name the object store reserves (filemeta, xn--*, *-s3alias): buckets take their tenant's name; rename the tenant`;
  }
  return undefined;
}
