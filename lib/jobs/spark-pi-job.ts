import { Construct } from 'constructs';
import { Report } from '../core/quantity';
import {
  SparkApplicationSpec,
  SparkApplicationSpecMode,
  SparkApplicationSpecPythonVersion,
  SparkApplicationSpecType,
} from '../../imports/sparkoperator.k8s.io';
import { PLATFORM_RESTART_POLICY } from './restart-policy';
import { SPARK_OPERATOR_SPARK_VERSION } from '../operator/spark-operator-release';
import { DynamicAllocationProps, dynamicAllocationSpec } from './dynamic-allocation';
import { SparkJob } from './spark-job';
import { TenantNamespace } from '../tenancy/tenant-namespace';

/** The SparkPi examples that ship in the Spark image. */
export enum SparkPiLanguage {
  /** `examples/src/main/python/pi.py`, run by PySpark. */
  PYTHON = 'Python',
  /** `org.apache.spark.examples.SparkPi` from the examples jar. */
  SCALA = 'Scala',
}

/** Sizing of the driver or the executors; Spark memory strings (`512m` is 512 MiB). */
export interface SparkPodSizeProps {
  /**
   * CPU cores (`cores`), also the pod's CPU request.
   * @default 1
   */
  readonly cores?: number;
  /**
   * The pod's CPU limit (`coreLimit`), a Kubernetes quantity.
   * @default '1200m'
   */
  readonly coreLimit?: string;
  /**
   * JVM heap (`memory`), a Spark memory string; the pod gets this plus Spark's overhead.
   * @default '512m'
   */
  readonly memory?: string;
}

export interface SparkExecutorSizeProps extends SparkPodSizeProps {
  /**
   * Number of executors; leave it unset with dynamicAllocation.
   * @default 2, or none with dynamicAllocation
   */
  readonly instances?: number;
}

/** The SparkPi example's spec (SparkPiJob.spec), for a one-off or a scheduled job. */
export interface SparkPiSpecProps {
  /** PySpark or Scala. */
  readonly language: SparkPiLanguage;
  /**
   * The Spark image; its tag must name the Spark version.
   * @default 'apache/spark:4.0.0'
   */
  readonly image?: string;
  /**
   * The Spark version, which must match the image tag.
   * @default - the version in the image tag
   */
  readonly sparkVersion?: string;
  /**
   * The application file. Set it only for a custom image; it must match sparkVersion.
   * @default - the example in the image: `local:///opt/spark/examples/src/main/python/pi.py`, or `local:///opt/spark/examples/jars/spark-examples_<scala>-<version>.jar`
   */
  readonly mainApplicationFile?: string;
  /**
   * Number of partitions (slices) the estimate is split into.
   * @default - the example's own default (2)
   */
  readonly slices?: number;
  /** @default - 1 core, limit 1200m, 512m */
  readonly driver?: SparkPodSizeProps;
  /** @default - 2 instances of 1 core, limit 1200m, 512m */
  readonly executor?: SparkExecutorSizeProps;
  /**
   * Dynamic allocation of the executors between minExecutors and maxExecutors, instead of a fixed
   * `executor.instances`; the quota check counts maxExecutors.
   * @default - a fixed number of executors
   */
  readonly dynamicAllocation?: DynamicAllocationProps;
}

export interface SparkPiJobProps extends SparkPiSpecProps {
  /** The tenant the job runs in. */
  readonly tenant: TenantNamespace;
  /**
   * The SparkApplication name.
   * @default 'pyspark-pi' for Python, 'spark-pi' for Scala
   */
  readonly name?: string;
}

/** The image that runs the seed platform's jobs. */
export const DEFAULT_SPARK_IMAGE = 'apache/spark:4.0.0';

const SCALA_IN_TAG = /-scala(\d+\.\d+)(?:-|$)/;
const EXAMPLES_JAR = /spark-examples_(\d+\.\d+)-(\d+\.\d+\.\d+)\.jar$/;

/**
 * The SparkPi example, in PySpark or Scala, with the seed platform's defaults: `apache/spark:4.0.0`,
 * the example file from the image, a driver and two executors of one core (limit 1200m) and 512m,
 * the platform restart policy (SparkJob.PLATFORM_RESTART_POLICY: a failed submission is retried, a failed run is final) and the hardened security context. Synth checks that the image tag,
 * sparkVersion and the examples jar agree.
 *
 * @see https://github.com/kubeflow/spark-operator/blob/v2.3.0/examples/spark-pi.yaml
 */
export class SparkPiJob extends SparkJob {
  /** The image a SparkPi job runs unless `image` says otherwise. */
  public static readonly DEFAULT_IMAGE = DEFAULT_SPARK_IMAGE;

  /**
   * The spec of the SparkPi example with the same defaults as a SparkPiJob, for a SparkJob or a
   * ScheduledSparkJob (whose synth checks it as it checks any spec).
   */
  public static spec(props: SparkPiSpecProps): SparkApplicationSpec {
    return sparkPiSpec(props);
  }

  /** The language of the example. */
  public readonly language: SparkPiLanguage;

  constructor(scope: Construct, id: string, props: SparkPiJobProps) {
    const found: string[] = [];
    const spec = sparkPiSpec(props, (p) => found.push(p));
    super(scope, id, {
      tenant: props.tenant,
      name: props.name ?? (props.language === SparkPiLanguage.PYTHON ? 'pyspark-pi' : 'spark-pi'),
      spec,
    });
    this.language = props.language;
    this.problems.addAll(found);
  }
}

/**
 * The spec of the SparkPi example with the seed platform's defaults (see SparkPiJob), for a
 * SparkJob or a ScheduledSparkJob; reports where the image tag, sparkVersion and the examples jar
 * disagree.
 */
export function sparkPiSpec(props: SparkPiSpecProps, report: Report = () => undefined): SparkApplicationSpec {
  const image = props.image ?? DEFAULT_SPARK_IMAGE;
  const tag = imageTag(image);
  const tagVersion = imageSparkVersion(image);
  const sparkVersion = props.sparkVersion ?? tagVersion ?? SPARK_OPERATOR_SPARK_VERSION;
  const scala = (tag !== undefined ? SCALA_IN_TAG.exec(tag)?.[1] : undefined) ?? defaultScala(sparkVersion);
  const python = props.language === SparkPiLanguage.PYTHON;
  const mainApplicationFile = props.mainApplicationFile ?? (python
    ? 'local:///opt/spark/examples/src/main/python/pi.py'
    : `local:///opt/spark/examples/jars/spark-examples_${scala}-${sparkVersion}.jar`);
  const driver = props.driver ?? {};
  const executor = props.executor ?? {};

  const versionProblem = imageSparkVersionProblem(image, sparkVersion);
  if (versionProblem !== undefined) {
    report(versionProblem);
  }
  const jar = EXAMPLES_JAR.exec(mainApplicationFile);
  if (!python && !jar) {
    report(`mainApplicationFile ${mainApplicationFile} is not a spark-examples_<scala>-<version>.jar, which holds org.apache.spark.examples.SparkPi: leave mainApplicationFile unset to use the jar in the image`);
  }

  return {
    type: python ? SparkApplicationSpecType.PYTHON : SparkApplicationSpecType.SCALA,
    ...(python ? { pythonVersion: SparkApplicationSpecPythonVersion.VALUE_3 } : { mainClass: 'org.apache.spark.examples.SparkPi' }),
    mode: SparkApplicationSpecMode.CLUSTER,
    image,
    imagePullPolicy: 'IfNotPresent',
    mainApplicationFile,
    ...(props.slices !== undefined ? { arguments: [String(props.slices)] } : {}),
    sparkVersion,
    restartPolicy: PLATFORM_RESTART_POLICY,
    ...(props.dynamicAllocation !== undefined ? { dynamicAllocation: dynamicAllocationSpec(props.dynamicAllocation) } : {}),
    driver: {
      cores: driver.cores ?? 1,
      coreLimit: driver.coreLimit ?? '1200m',
      memory: driver.memory ?? '512m',
      labels: { version: sparkVersion },
    },
    executor: {
      ...(props.dynamicAllocation === undefined || executor.instances !== undefined ? { instances: executor.instances ?? 2 } : {}),
      cores: executor.cores ?? 1,
      coreLimit: executor.coreLimit ?? '1200m',
      memory: executor.memory ?? '512m',
      labels: { version: sparkVersion },
    },
  };
}

const VERSION_IN_TAG = /^v?(\d+\.\d+\.\d+)(?:-|$)/;

/** The Spark version an image's tag starts with (`4.0.0` of `apache/spark:4.0.0-scala2.13-java17`), if any. */
export function imageSparkVersion(image: string): string | undefined {
  const tag = imageTag(image);
  return tag !== undefined ? VERSION_IN_TAG.exec(tag)?.[1] : undefined;
}

/** The problem of an image whose tag names no Spark version, or another one than sparkVersion. */
export function imageSparkVersionProblem(image: string, sparkVersion: string): string | undefined {
  const tagVersion = imageSparkVersion(image);
  if (tagVersion === undefined) {
    return `image "${image}" has no Spark version in its tag, so sparkVersion ${sparkVersion} cannot be checked against it: pin a tag such as "apache/spark:${sparkVersion}"`;
  }
  return tagVersion !== sparkVersion
    ? `sparkVersion ${sparkVersion} does not match image "${image}" (Spark ${tagVersion}): set sparkVersion to "${tagVersion}" or use the image "apache/spark:${sparkVersion}"`
    : undefined;
}

function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

// The apache/spark images build Spark 3.x with Scala 2.12 and Spark 4.x with Scala 2.13.
function defaultScala(sparkVersion: string): string {
  return sparkVersion.startsWith('3.') ? '2.12' : '2.13';
}
