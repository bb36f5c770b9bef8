import {
  SparkApplicationSpec,
  SparkApplicationSpecDriverSecurityContext,
  SparkApplicationSpecExecutorSecurityContext,
  SparkApplicationSpecType,
} from '../../imports/sparkoperator.k8s.io';
import { namedImageUser, podNamedUserProblems } from '../core/pod-security';
import { Quantity, Report } from '../core/quantity';
import { podFieldProblems } from '../operator/pod-field-policy';
import { ALLOWED_DEPENDENCY_URI, RESERVED_POD_LABEL, sparkConfKeyProblem } from '../operator/spark-conf-policy';
import { SPARK_OPERATOR_SPARK_VERSION } from '../operator/spark-operator-release';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { dynamicAllocationProblems } from './dynamic-allocation';
import { sparkConfValueProblem } from './spark-conf-values';
import { sparkPodFieldProblems } from './spark-pod-fields';
import { sparkPodsByMode, sparkPodSecurityProblems } from './spark-pods';
import { ApplicationResources, applicationResources, PodResources } from './spark-resources';

/** The uid and gid of the `spark` user of the apache/spark images. */
export const SPARK_UID = 185;

/**
 * The container security context Spark pods get unless the spec sets one: the upstream examples'
 * hardening (uid 185 of the apache/spark image, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp), which the Pod Security `restricted` level accepts.
 */
export const HARDENED_SECURITY_CONTEXT: SparkApplicationSpecDriverSecurityContext & SparkApplicationSpecExecutorSecurityContext = {
  runAsUser: SPARK_UID,
  runAsGroup: SPARK_UID,
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The pod security context of the hardened pod templates. */
export const HARDENED_POD_SECURITY_CONTEXT = {
  runAsUser: SPARK_UID,
  runAsGroup: SPARK_UID,
  fsGroup: SPARK_UID,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Spark's names of the driver's and executors' containers, which pod templates must use. */
export const SPARK_CONTAINER = { driver: 'spark-kubernetes-driver', executor: 'spark-kubernetes-executor' } as const;

/**
 * The pod template a role gets unless the spec sets one: the hardened security contexts, so that
 * the pods satisfy the Pod Security `restricted` level even when the operator's webhook, which
 * copies the spec's security contexts into the pods, is down or disabled. Executors get no
 * service account token.
 */
export function hardenedTemplate(role: 'driver' | 'executor'): Record<string, unknown> {
  return {
    spec: {
      ...(role === 'executor' ? { automountServiceAccountToken: false } : {}),
      securityContext: HARDENED_POD_SECURITY_CONTEXT,
      containers: [{ name: SPARK_CONTAINER[role], securityContext: HARDENED_SECURITY_CONTEXT }],
    },
  };
}

/** Heap below which Spark refuses to start a driver or executor (1.5 x its 300 MiB reserve). */
export const MIN_SPARK_HEAP_MIB = 450;

/**
 * The spec a tenant's job runs with: the tenant's driver and executor accounts, hardened security
 * contexts and pod templates, wherever the spec leaves them unset.
 */
export function tenantSparkSpec(tenant: TenantNamespace, spec: SparkApplicationSpec): SparkApplicationSpec {
  return {
    ...spec,
    driver: {
      ...spec.driver,
      serviceAccount: spec.driver.serviceAccount ?? tenant.serviceAccountName,
      securityContext: spec.driver.securityContext ?? HARDENED_SECURITY_CONTEXT,
      template: spec.driver.template ?? hardenedTemplate('driver'),
    },
    executor: {
      ...spec.executor,
      serviceAccount: spec.executor.serviceAccount ?? tenant.executorServiceAccountName,
      securityContext: spec.executor.securityContext ?? HARDENED_SECURITY_CONTEXT,
      template: spec.executor.template ?? hardenedTemplate('executor'),
    },
  };
}

const TEMPLATE_SPEC_KEYS = ['securityContext', 'containers', 'automountServiceAccountToken', 'nodeSelector', 'tolerations', 'affinity', 'terminationGracePeriodSeconds'];
const DEPENDENCY = new RegExp(`^${ALLOWED_DEPENDENCY_URI}$`);
const RESERVED_LABEL = new RegExp(`^${RESERVED_POD_LABEL}$`);

/**
 * What a tenant's SparkApplication may not ask of the operator (TenantAdmissionPolicy refuses it on
 * the cluster), each naming the field and the fix.
 */
export function tenantPolicyProblems(tenant: TenantNamespace, spec: SparkApplicationSpec, report: Report): void {
  const ns = tenant.namespaceName;
  if (spec.mode !== undefined && spec.mode !== 'cluster') {
    report(`mode "${spec.mode}" runs the driver inside the operator's controller, with its credentials, which the platform does not allow: use mode cluster`);
  }
  for (const [role, account, expected, prop] of [
    ['driver', spec.driver.serviceAccount, tenant.serviceAccountName, 'serviceAccountName'],
    ['executor', spec.executor.serviceAccount, tenant.executorServiceAccountName, 'executorServiceAccountName'],
  ] as const) {
    if (account !== expected) {
      report(`${role}.serviceAccount "${account}" is not ${ns}'s ${role} account: ${ns}'s ${role}s run as "${expected}" (the tenant's ${prop}), which is what the namespace admits; leave it unset or set "${expected}"`);
    }
  }
  const problems = [
    ...Object.keys(spec.sparkConf ?? {}).map((key) => sparkConfKeyProblem(key, `sparkConf["${key}"]`)),
    ...Object.keys(spec.hadoopConf ?? {}).map((key) => sparkConfKeyProblem(`spark.hadoop.${key}`, `hadoopConf["${key}"]`)),
  ];
  problems.filter((p): p is string => p !== undefined).forEach(report);
  for (const [key, value] of Object.entries(spec.sparkConf ?? {})) {
    const problem = sparkConfValueProblem(key, value, `sparkConf["${key}"]`);
    if (problem !== undefined) {
      report(problem);
    }
  }
  if (spec.mainApplicationFile === undefined) {
    report('mainApplicationFile is not set: the operator needs the application to run; set it to a file of the image, for example "local:///opt/spark/examples/src/main/python/pi.py"');
  } else if (!spec.mainApplicationFile.startsWith('local:///')) {
    report(`mainApplicationFile "${spec.mainApplicationFile}" is not a local:/// file of the image: the operator's controller would read or resolve it with its own credentials; put the file into the image or mount it, and refer to it as local:///...`);
  }
  for (const field of ['jars', 'files', 'pyFiles', 'archives'] as const) {
    (spec.deps?.[field] ?? []).forEach((uri, i) => {
      if (!DEPENDENCY.test(uri)) {
        report(`deps.${field}[${i}] "${uri}" is not one local:/// file of the image: spark-submit runs in the operator's controller, which reads a file: or plain path from its own disk, fetches every other scheme (s3a:// among them) itself, and splits entries at commas; put the file into the image and give one local:///... path per entry`);
      }
    });
  }
  for (const field of ['packages', 'repositories', 'excludePackages'] as const) {
    if ((spec.deps?.[field] ?? []).length > 0) {
      report(`deps.${field} makes the operator's controller resolve packages from the network for the tenant: build the jars into the image and list them in deps.jars as local:/// files`);
    }
  }
  if (spec.proxyUser !== undefined) {
    report(`proxyUser "${spec.proxyUser}" makes the operator submit as another user: remove it`);
  }
  if (spec.driver.kubernetesMaster !== undefined) {
    report(`driver.kubernetesMaster "${spec.driver.kubernetesMaster}" points the driver at another API server: remove it`);
  }
  for (const role of ['driver', 'executor'] as const) {
    const p = spec[role];
    for (const [field, labels] of [[`${role}.labels`, p.labels], [`${role}.template.metadata.labels`, p.template?.metadata?.labels]] as const) {
      for (const key of Object.keys(labels ?? {})) {
        if (RESERVED_LABEL.test(key)) {
          report(`${field}["${key}"] is a label the operator, Spark, the scheduler or the platform own: the operator finds its pods by these, and the platform's policies select on them; remove it or use a label of your own`);
        }
      }
    }
    const templateSpec = p.template?.spec;
    if (templateSpec !== undefined) {
      for (const key of Object.keys(templateSpec).filter((k) => !TEMPLATE_SPEC_KEYS.includes(k))) {
        report(`${role}.template.spec.${key} is not something a pod template may set here (only ${TEMPLATE_SPEC_KEYS.join(', ')}): set it through the SparkApplication's own fields, or remove it`);
      }
      (templateSpec.containers ?? []).forEach((c: Record<string, unknown>, i: number) => {
        for (const key of Object.keys(c).filter((k) => k !== 'name' && k !== 'securityContext')) {
          report(`${role}.template.spec.containers[${i}].${key} may not be set in a pod template (only name and securityContext): use the SparkApplication's ${role} fields`);
        }
      });
      if (role === 'executor' && templateSpec.automountServiceAccountToken !== undefined && templateSpec.automountServiceAccountToken !== false) {
        report('executor.template.spec.automountServiceAccountToken true gives executors an API token they never need: remove it or set false');
      }
    }
  }
  if (spec.sparkUiOptions?.serviceType !== undefined && spec.sparkUiOptions.serviceType !== 'ClusterIP') {
    report(`sparkUIOptions.serviceType "${spec.sparkUiOptions.serviceType}" would expose the driver UI outside the cluster: use ClusterIP and kubectl port-forward`);
  }
  if ((spec.driverIngressOptions ?? []).length > 0) {
    report('driverIngressOptions would expose the driver UI outside the cluster: remove them and use kubectl port-forward');
  }
  if (spec.batchScheduler !== undefined && spec.batchScheduler !== 'volcano') {
    report(`batchScheduler "${spec.batchScheduler}" is not the platform's scheduler: use volcano or leave it unset`);
  }
  if (spec.batchSchedulerOptions?.queue !== undefined && spec.batchSchedulerOptions.queue !== ns) {
    report(`batchSchedulerOptions.queue "${spec.batchSchedulerOptions.queue}" is not ${ns}'s queue: a tenant schedules into its own queue "${ns}"; leave it unset or set "${ns}"`);
  }
  podFieldProblems(tenant, spec, report);
}

/**
 * The problems of a tenant's job that the spec alone shows, found when the job is declared, and
 * what its pods need at their peak (undefined when a resource value could not be read).
 */
export function sparkJobProblems(tenant: TenantNamespace, spec: SparkApplicationSpec, report: Report): ApplicationResources | undefined {
  const ns = tenant.namespaceName;
  tenantPolicyProblems(tenant, spec, report);

  const jvm = spec.type === SparkApplicationSpecType.SCALA || spec.type === SparkApplicationSpecType.JAVA;
  if (jvm && (spec.mainClass === undefined || spec.mainClass.trim() === '')) {
    report(`mainClass is not set for a ${spec.type} application: spark-submit needs the class whose main method runs; set mainClass, for example "org.apache.spark.examples.SparkPi"`);
  }
  // A job of another Spark major version is refused below; its examples jar would only repeat that.
  const fileProblem = spec.sparkVersion.split('.')[0] === SPARK_OPERATOR_SPARK_VERSION.split('.')[0] ? applicationFileProblem(spec) : undefined;
  if (fileProblem !== undefined) {
    report(fileProblem);
  }
  if (spec.timeToLiveSeconds !== undefined && spec.timeToLiveSeconds < 0) {
    report(`timeToLiveSeconds ${spec.timeToLiveSeconds} is negative, but it is how many seconds the operator keeps the application after it ends: use 0 or more, for example 86400 for a day, or leave it unset to keep the application until it is deleted`);
  }
  const major = (v: string) => v.split('.')[0];
  if (major(spec.sparkVersion) !== major(SPARK_OPERATOR_SPARK_VERSION)) {
    report(`sparkVersion ${spec.sparkVersion} is not a Spark ${major(SPARK_OPERATOR_SPARK_VERSION)}.x version: the operator submits every application with the spark-submit of Spark ${SPARK_OPERATOR_SPARK_VERSION}, and upstream supports only Spark ${major(SPARK_OPERATOR_SPARK_VERSION)} applications with it; use a Spark ${SPARK_OPERATOR_SPARK_VERSION} image, for example "apache/spark:${SPARK_OPERATOR_SPARK_VERSION}"`);
  }

  dynamicAllocationProblems(spec, report);
  const resources = applicationResources(spec, { cpuLimit: tenant.containerDefaults?.cpuLimit }, report);
  const pods = sparkPodsByMode(spec);
  for (const role of ['driver', 'executor'] as const) {
    const memory = Quantity.parseSparkMemory(spec[role].memory ?? '1g', `${role}.memory`, () => undefined);
    if (memory !== undefined && memory.mebibytes < MIN_SPARK_HEAP_MIB) {
      report(`${role}.memory "${spec[role].memory}" is below the ${MIN_SPARK_HEAP_MIB}m of heap Spark needs to start (1.5 x its reserved 300m), so the ${role} would fail at once: use at least "512m"`);
    }
    const image = spec[role].image ?? spec.image;
    if (image !== undefined && namedImageUser(image)) {
      for (const webhook of [true, false]) {
        const pod = (webhook ? pods.withWebhook : pods.withoutWebhook).find((p) => p.role === role)!.pod;
        const named = podNamedUserProblems({ securityContext: pod.securityContext, containers: pod.containers?.slice(0, 1).map((c) => ({ ...c, image })) }, `${role} pod`);
        if (named.length > 0) {
          report(`${role}${webhook ? '.securityContext' : '.template'} sets runAsNonRoot without runAsUser, and image ${image} runs as the named user "${namedImageUser(image)!.user}", which the kubelet cannot check, so the ${role} never starts: set runAsUser: ${namedImageUser(image)!.uid}`);
          break;
        }
      }
    }
  }
  if (resources) {
    const quota = tenant.quota;
    for (const role of ['driver', 'executor'] as const) {
      const pod = resources[role];
      if (spec[role].coreLimit !== undefined) {
        if (pod.cpuLimit && pod.cpuRequest.isGreaterThan(pod.cpuLimit)) {
          report(`${role}.coreLimit ${pod.cpuLimit.toCpuString()} is below the pod's CPU request ${pod.cpuRequest.toCpuString()} (${spec[role].coreRequest !== undefined ? 'coreRequest' : 'cores'}), and the API server rejects a pod whose request exceeds its limit: raise coreLimit to at least "${pod.cpuRequest.toCpuString()}" or lower the request`);
        }
      } else if (!pod.cpuLimit) {
        report(`${role}.coreLimit is not set but ${ns}'s ResourceQuota sets limits.cpu, so the API server rejects the pod (must specify limits.cpu): set ${role}.coreLimit, for example "${pod.cpuRequest.toCpuString()}"`);
      } else if (pod.cpuRequest.isGreaterThan(pod.cpuLimit)) {
        report(`${role}.coreLimit is not set, so ${ns}'s LimitRange gives the pod its default CPU limit ${pod.cpuLimit.toCpuString()}, below its request ${pod.cpuRequest.toCpuString()}, and the API server rejects it: set ${role}.coreLimit to at least "${pod.cpuRequest.toCpuString()}"`);
      }
      if (spec[role].memoryLimit !== undefined && pod.memoryRequest.isGreaterThan(pod.memoryLimit)) {
        report(`${role}.memoryLimit ${spec[role].memoryLimit} is below the pod's memory request ${pod.memoryRequest.toMemoryString()} (memory plus Spark's overhead), and the API server rejects a pod whose request exceeds its limit: raise memoryLimit to at least "${pod.memoryRequest.toMemoryString()}" or leave it unset`);
      }
    }
    const scale = spec.dynamicAllocation?.enabled === true ? 'dynamicAllocation.maxExecutors' : 'executor.instances';
    const pods = `driver + ${resources.executors} executor${resources.executors === 1 ? '' : 's'}`;
    // Every resource the job exceeds is one cause (the job is too big for its tenant), so they make
    // one message; a single one keeps the fix that names its own knob.
    const over: { what: string; clause: string; alone: string; raise: string; fitting: number }[] = [];
    const fitting = (allows: Quantity, driverPod: Quantity, executorPod: Quantity) =>
      (executorPod.millis > 0 ? Math.floor((allows.millis - driverPod.millis) / executorPod.millis) : Infinity);
    const check = (what: string, needs: Quantity | undefined, allows: Quantity, show: 'cpu' | 'memory', fix: string, field: string, pick: (p: PodResources) => Quantity | undefined) => {
      if (needs && needs.isGreaterThan(allows)) {
        const f = (q: Quantity) => (show === 'cpu' ? q.toCpuString() : q.toMemoryString());
        const overhead = show === 'memory' ? ' with Spark\'s memory overhead' : '';
        over.push({
          what,
          clause: `${what} ${f(needs)}${overhead} (allows ${f(allows)})`,
          alone: `${what}: ${pods} need ${f(needs)}${overhead}; ${ns} allows ${f(allows)} in total: ${fix}`,
          raise: `quota.${field} to at least ${f(needs)}`,
          fitting: fitting(allows, pick(resources.driver)!, pick(resources.executor)!),
        });
      }
    };
    check('requests.cpu', resources.requestsCpu, quota.requestsCpu, 'cpu', `lower cores/coreRequest or ${scale}, or raise the tenant's quota.requestsCpu`, 'requestsCpu', (p) => p.cpuRequest);
    check('limits.cpu', resources.limitsCpu, quota.limitsCpu, 'cpu', `lower coreLimit or ${scale}, or raise the tenant's quota.limitsCpu`, 'limitsCpu', (p) => p.cpuLimit);
    check('requests.memory', resources.requestsMemory, quota.requestsMemory, 'memory', `lower memory or ${scale}, or raise the tenant's quota.requestsMemory`, 'requestsMemory', (p) => p.memoryRequest);
    check('limits.memory', resources.limitsMemory, quota.limitsMemory, 'memory', `lower memory/memoryLimit or ${scale}, or raise the tenant's quota.limitsMemory`, 'limitsMemory', (p) => p.memoryLimit);
    if (resources.pods > quota.pods) {
      // A job needs its driver and at least one executor: never suggest fewer.
      const fewer = quota.pods >= 2 ? `lower ${scale} to ${quota.pods - 1} or ` : '';
      over.push({
        what: 'pods',
        clause: `pods ${resources.pods} (allows ${quota.pods})`,
        alone: `pods: ${pods} are ${resources.pods} pods; ${ns} allows ${quota.pods}: ${fewer}raise the tenant's quota.pods to at least ${resources.pods}`,
        raise: `quota.pods to at least ${resources.pods}`,
        fitting: quota.pods - 1,
      });
    }
    if (over.length === 1) {
      report(over[0].alone);
    } else if (over.length > 1) {
      // The fix must fit every exceeded resource at once: the executors that do, or else smaller
      // pods (which do not help a pod count) or a bigger quota.
      const fit = Math.min(...over.map((o) => o.fitting));
      const podsOver = over.some((o) => o.what === 'pods');
      const smaller = fit >= 1 && Number.isFinite(fit) ? `lower ${scale} to ${fit}, or ` : podsOver ? '' : 'make the driver and executor pods smaller, or ';
      const list = (items: string[]) => `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
      report(`${pods} exceed ${ns}'s quota in ${over.length} resources, ${list(over.map((o) => o.clause))}: `
        + `${smaller}raise the tenant's ${list(over.map((o) => o.raise))}`);
    }
  }
  sparkPodFieldProblems(spec).forEach(report);
  // The namespace's Pod Security Admission rejects violating driver and executor pods at creation.
  for (const problem of sparkPodSecurityProblems(spec, tenant.podSecurity, ns, pods)) {
    report(problem);
  }
  return resources;
}

/** The examples jar of the apache/spark images: `spark-examples_<scala>-<spark version>.jar`. */
const EXAMPLES_JAR = /^local:\/\/\/opt\/spark\/examples\/jars\/spark-examples_(\d+\.\d+)-(\d+\.\d+\.\d+)\.jar$/;

/** The file extensions spark-submit runs as each type of application. */
const APPLICATION_FILE: Record<string, { extension: RegExp; kind: string; example: string }> = {
  // spark-submit runs a primary resource ending in .py with the PythonRunner (SparkSubmit.isPython);
  // anything else it starts as a JVM application, which needs a main class.
  [SparkApplicationSpecType.PYTHON]: { extension: /\.py$/, kind: 'a .py file', example: 'local:///opt/spark/examples/src/main/python/pi.py' },
  [SparkApplicationSpecType.SCALA]: { extension: /\.jar$/, kind: 'a .jar file', example: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar' },
  [SparkApplicationSpecType.JAVA]: { extension: /\.jar$/, kind: 'a .jar file', example: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar' },
  [SparkApplicationSpecType.R]: { extension: /\.[Rr]$/, kind: 'an .R file', example: 'local:///opt/spark/examples/src/main/r/dataframe.R' },
};

/**
 * The problem with the application file of a spec, or undefined: a file of another kind than the
 * application's type (a Python job given a jar, which spark-submit would start as a JVM application
 * with no main class), or an examples jar of another Spark version than the job's, which the image
 * does not have (the apache/spark images hold only their own version's jar: Scala 2.12 for Spark 3,
 * 2.13 for Spark 4).
 */
export function applicationFileProblem(spec: SparkApplicationSpec): string | undefined {
  const file = spec.mainApplicationFile;
  if (file === undefined || !file.startsWith('local:///')) {
    return undefined;
  }
  const expected = APPLICATION_FILE[spec.type];
  if (expected !== undefined && !expected.extension.test(file)) {
    return `mainApplicationFile ${file} is not ${expected.kind}, which a ${spec.type} application runs, so spark-submit would not run it as one: give a ${spec.type} file of the image, for example "${expected.example}", or set type to match the file`;
  }
  const jar = EXAMPLES_JAR.exec(file);
  const scala = spec.sparkVersion.startsWith('3.') ? '2.12' : '2.13';
  if (jar && (jar[2] !== spec.sparkVersion || jar[1] !== scala)) {
    return `mainApplicationFile ${file} is the examples jar of Spark ${jar[2]} (Scala ${jar[1]}) but the image runs Spark ${spec.sparkVersion} (sparkVersion), whose only examples jar is Scala ${scala}'s: use local:///opt/spark/examples/jars/spark-examples_${scala}-${spec.sparkVersion}.jar`;
  }
  return undefined;
}
