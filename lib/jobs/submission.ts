import { SparkApplicationSpec } from '../../imports/sparkoperator.k8s.io';
import { Report } from '../core/quantity';

/**
 * What spark-submit, run by operator 2.3.0 in its controller pod, cannot do with a spec's
 * dependencies:
 * - an `s3a://` URI in `deps` (the only remote scheme the admission policy admits): operator 2.3.0
 *   runs spark-submit in its controller (internal/controller/sparkapplication/submission.go:65-89),
 *   and spark-submit resolves `--jars`, `--files`, `--py-files` and `--archives` through Hadoop's
 *   FileSystem in every deploy mode, before it creates the driver (apache/spark v4.0.0
 *   core/src/main/scala/org/apache/spark/deploy/SparkSubmit.scala, prepareSubmitEnvironment:
 *   `resolveGlobPaths(_, hadoopConf)`); the controller's image has no S3A client and its
 *   NetworkPolicy does not reach the object store, so the submission fails;
 * - a comma inside one entry: the operator joins each list with commas
 *   (submission.go:189-221) and Spark splits the option on commas, so one entry becomes two.
 */
export function submissionProblems(spec: SparkApplicationSpec, report: Report): void {
  for (const field of ['jars', 'files', 'pyFiles', 'archives'] as const) {
    (spec.deps?.[field] ?? []).forEach((uri, i) => {
      if (uri.includes(',')) {
        report(`deps.${field}[${i}] "${uri}" contains a comma: the operator joins deps.${field} with commas for spark-submit, which splits them again, so it would read two files; give each file its own entry, or rename it`);
      } else if (uri.startsWith('s3a://')) {
        report(`deps.${field}[${i}] "${uri}" is read by spark-submit, which operator 2.3.0 runs inside its controller before the driver exists; the controller's image has no S3A client and its NetworkPolicy does not reach the object store, so the submission fails: put the file into the image and refer to it as local:///..., or read it from the program at run time`);
      }
    });
  }
}
