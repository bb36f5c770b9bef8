import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import {
  SparkApplicationSpec,
  SparkApplicationSpecMode,
  SparkApplicationSpecPythonVersion,
  SparkApplicationSpecType,
} from '../../../imports/sparkoperator.k8s.io';
import { registerAppChecks } from '../../core/app';
import { declareApplySteps } from '../../core/apply-plan';
import { dnsSubdomainProblem } from '../../core/names';
import { Problems } from '../../core/problems';
import { SparkJob } from '../../jobs/spark-job';
import { imageSparkVersion, imageSparkVersionProblem, SparkExecutorSizeProps, SparkPodSizeProps } from '../../jobs/spark-pi-job';
import { PLATFORM_RESTART_POLICY } from '../../jobs/restart-policy';
import { SPARK_OPERATOR_SPARK_VERSION } from '../../operator/spark-operator-release';
import { TENANT_LABEL, TenantNamespace } from '../../tenancy/tenant-namespace';
import { PIPELINE_LABEL, PipelineStorage, storageReachProblem } from './pipeline-storage';
import { pythonSyntaxProblem } from './python-syntax';

/** A PySpark program kept in the repository: its file name and its text. */
export interface PySparkScriptSource {
  /** The file name, for example `flight_delays.py`. */
  readonly fileName: string;
  /** The program, for example read from the repository with fs.readFileSync. */
  readonly source: string;
}

export interface PySparkScriptProps {
  /** The tenant whose jobs run the script; the ConfigMap is created in its namespace. */
  readonly tenant: TenantNamespace;
  /** The ConfigMap's name, an RFC 1123 subdomain. */
  readonly name: string;
  /** The program. */
  readonly script: PySparkScriptSource;
  /**
   * Labels of the ConfigMap, besides the tenant's.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Where the driver finds the script: the ConfigMap is mounted here. */
export const SCRIPT_MOUNT_PATH = '/opt/pipeline';

/** A ConfigMap holds at most 1 MiB of data. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

/**
 * A PySpark program shipped in a ConfigMap of the tenant's namespace, so that it is reviewed and
 * versioned in the repository and never baked into an image. The operator's webhook mounts it into
 * the driver (`driver.configMaps`) at SCRIPT_MOUNT_PATH, and `mainApplicationFile` runs it from there
 * (`local://`, so it is read in the tenant's driver pod, never by the operator).
 */
export class PySparkScript extends Construct {
  /** The ConfigMap. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The ConfigMap's name. */
  public readonly name: string;
  /** `local:///opt/pipeline/<fileName>`, the job's main application file. */
  public readonly applicationFile: string;

  constructor(scope: Construct, id: string, props: PySparkScriptProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.name = props.name;
    problems.add(dnsSubdomainProblem(props.name, 'name'));
    const { fileName, source } = props.script;
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.py$/.test(fileName)) {
      problems.add(`script.fileName "${fileName}" is not the name of a Python file: use letters, digits, "_", "-" and ".", ending in ".py", for example "flight_delays.py"`);
    }
    const bytes = Buffer.byteLength(source, 'utf8');
    if (source.trim() === '') {
      problems.add("script.source is empty: give the program's text, for example read from its file in the repository");
    } else if (bytes > MAX_SCRIPT_BYTES) {
      problems.add(`script.source is ${bytes} bytes, more than the ${MAX_SCRIPT_BYTES} a ConfigMap holds: ship the program as a local:/// file in the image, or an s3a:// dependency`);
    } else {
      problems.add(pythonSyntaxProblem(source, fileName, 'script.source'));
    }
    this.applicationFile = `local://${SCRIPT_MOUNT_PATH}/${fileName}`;
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: props.name, namespace: props.tenant.namespaceName, labels: { ...props.labels, [TENANT_LABEL]: props.tenant.namespaceName } },
      data: { [fileName]: source },
    });
  }
}

export interface PySparkScriptJobProps {
  /** The tenant the job runs in. */
  readonly tenant: TenantNamespace;
  /** The SparkApplication name; its ConfigMap is `<name>-script`. */
  readonly name: string;
  /** The program. */
  readonly script: PySparkScriptSource;
  /** Where the tenant's data lives; its image, with the S3A client, runs the job. */
  readonly storage: PipelineStorage;
  /**
   * The program's arguments, for example its input and output URIs.
   * @default - none
   */
  readonly arguments?: string[];
  /**
   * The Spark version, which must be the image's.
   * @default - the version that starts the image's tag, else the operator's Spark version
   */
  readonly sparkVersion?: string;
  /**
   * The pipeline the job belongs to: its ConfigMap gets the label PIPELINE_LABEL with this value.
   * @default - no pipeline label
   */
  readonly pipeline?: string;
  /** @default - 1 core, limit 1200m, 1g */
  readonly driver?: SparkPodSizeProps;
  /** @default - 2 instances of 1 core, limit 1200m, 1g */
  readonly executor?: SparkExecutorSizeProps;
}

/**
 * The SparkApplication spec that runs a PySparkScript: cluster mode, the script mounted into the
 * driver, SparkJob.PLATFORM_RESTART_POLICY (a failed submission is retried, a failed run is final), and
 * the sizes given (1 core with a 1200m limit and 1g by default).
 */
export function pysparkScriptSpec(script: PySparkScript, props: Pick<PySparkScriptJobProps, 'storage' | 'arguments' | 'sparkVersion' | 'driver' | 'executor'>): SparkApplicationSpec {
  const image = props.storage.image;
  const sparkVersion = props.sparkVersion ?? imageSparkVersion(image) ?? SPARK_OPERATOR_SPARK_VERSION;
  const driver = props.driver ?? {};
  const executor = props.executor ?? {};
  return {
    type: SparkApplicationSpecType.PYTHON,
    pythonVersion: SparkApplicationSpecPythonVersion.VALUE_3,
    mode: SparkApplicationSpecMode.CLUSTER,
    image,
    imagePullPolicy: 'IfNotPresent',
    mainApplicationFile: script.applicationFile,
    ...(props.arguments && props.arguments.length > 0 ? { arguments: props.arguments } : {}),
    sparkVersion,
    restartPolicy: PLATFORM_RESTART_POLICY,
    driver: {
      cores: driver.cores ?? 1,
      coreLimit: driver.coreLimit ?? '1200m',
      memory: driver.memory ?? '1g',
      configMaps: [{ name: script.name, path: SCRIPT_MOUNT_PATH }],
    },
    executor: {
      instances: executor.instances ?? 2,
      cores: executor.cores ?? 1,
      coreLimit: executor.coreLimit ?? '1200m',
      memory: executor.memory ?? '1g',
    },
  };
}

/**
 * A PySpark job whose program lives in the repository: a PySparkScript (ConfigMap) and a SparkJob
 * that runs it on the storage's image, with every check of a SparkJob (quota, pod security, the
 * tenant's accounts and admission policy). Synth also checks that the tenant's pods may reach the
 * store and that sparkVersion is the image's.
 */
export class PySparkScriptJob extends SparkJob {
  /**
   * The spec that runs a PySparkScript, with the same defaults as a PySparkScriptJob, for a
   * ScheduledSparkJob.
   */
  public static spec(script: PySparkScript, props: Pick<PySparkScriptJobProps, 'storage' | 'arguments' | 'sparkVersion' | 'driver' | 'executor'>): SparkApplicationSpec {
    return pysparkScriptSpec(script, props);
  }

  /** The script's ConfigMap. */
  public readonly script: PySparkScript;

  constructor(scope: Construct, id: string, props: PySparkScriptJobProps) {
    // The ConfigMap is a sibling of the job's SparkApplication, created before super() needs its name.
    const holder = new Construct(scope, `${id}-script`);
    const script = new PySparkScript(holder, 'Script', {
      tenant: props.tenant,
      name: `${props.name}-script`,
      script: props.script,
      labels: props.pipeline !== undefined ? { [PIPELINE_LABEL]: props.pipeline } : undefined,
    });
    super(scope, id, { tenant: props.tenant, name: props.name, spec: pysparkScriptSpec(script, props) });
    this.script = script;
    script.configMap.metadata.addAnnotation('spark-platform.io/spark-application', props.name);
    this.problems.add(imageSparkVersionProblem(props.storage.image, this.spec.sparkVersion));
    if (props.storage.namespace !== props.tenant.namespaceName) {
      this.problems.add(`storage is the location of namespace ${props.storage.namespace}, not of the tenant ${props.tenant.namespaceName}: pass the tenant's own location, for example storage.locationOf(tenant)`);
    }
    this.node.addValidation({ validate: () => [storageReachProblem(props.tenant, props.storage)].filter((p): p is string => p !== undefined) });
    if (props.pipeline !== undefined) {
      // The apply plan: `npm run cluster:pipeline` checks what the driver logged.
      declareApplySteps(this, { pipeline: { pipeline: props.pipeline, kind: 'SparkApplication', namespace: props.tenant.namespaceName, name: props.name } });
    }
  }
}
