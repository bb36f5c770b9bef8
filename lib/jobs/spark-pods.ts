import { SparkApplicationSpec, SparkApplicationSpecDriver, SparkApplicationSpecExecutor } from '../../imports/sparkoperator.k8s.io';
import { ContainerFields, PodSecurityInput, PodSecurityLevel, podSecurityViolations } from '../core/pod-security';

/** The driver or an executor pod of a SparkApplication, as far as the Pod Security Standards look at it. */
export interface SparkPod {
  /** `driver` or `executor`. */
  readonly role: 'driver' | 'executor';
  /** The pod's security-relevant fields after Spark and the operator's webhook built it. */
  readonly pod: PodSecurityInput;
  /**
   * Names a field of `pod` (as returned in a PodSecurityViolation) by where it comes from in the
   * SparkApplication spec, for example `containers[0].securityContext.runAsUser` of the driver is
   * `driver.securityContext.runAsUser`.
   */
  sourceOf(field: string): string;
}

/** Spark's names of the main containers (`spark.kubernetes.{driver,executor}.podTemplateContainerName` otherwise). */
const MAIN_CONTAINER = { driver: 'spark-kubernetes-driver', executor: 'spark-kubernetes-executor' } as const;
/** The volume types Spark mounts from `spark.kubernetes.<role>.volumes.<type>.<name>.*`. */
const SPARK_CONF_VOLUME = /^spark\.kubernetes\.(driver|executor)\.volumes\.(hostPath|emptyDir|nfs|persistentVolumeClaim)\.([^.]+)\.mount\.path$/;

/**
 * Builds the driver and executor pods that Spark 3.5 and the Spark Operator 2.3 webhook create from
 * a SparkApplication, with the fields the Pod Security Standards check: the pod template
 * (`template`) as the base; the main container with `securityContext` (the webhook replaces the
 * container's security context with it) and `ports`; `sidecars` and `initContainers`;
 * `podSecurityContext` (replaces the pod's); `hostNetwork`; `annotations`; the volumes Spark adds
 * itself (an emptyDir `spark-local-dir-1`, the `spark-conf-volume-<role>` configMap, the service
 * account token, which is projected), the spec's `volumes` the role mounts, the configMaps, secrets,
 * `hadoopConfigMap`/`sparkConfigMap`, and volumes declared in `sparkConf`.
 *
 * @see https://github.com/kubeflow/spark-operator/blob/v2.3.0/internal/webhook/sparkpod_defaulter.go
 */
export function sparkPods(spec: SparkApplicationSpec, options: SparkPodOptions = {}): SparkPod[] {
  const webhook = options.webhook ?? true;
  return [sparkPod(spec, 'driver', spec.driver, webhook), sparkPod(spec, 'executor', spec.executor, webhook)];
}

/** A SparkApplication's pods as the operator's webhook patches them, and as Spark makes them from the templates alone. */
export interface SparkPodsByMode {
  readonly withWebhook: SparkPod[];
  readonly withoutWebhook: SparkPod[];
}

/** Builds the pods of both modes once, for the checks that look at both. */
export function sparkPodsByMode(spec: SparkApplicationSpec): SparkPodsByMode {
  return { withWebhook: sparkPods(spec, { webhook: true }), withoutWebhook: sparkPods(spec, { webhook: false }) };
}

/** How the pods are built. */
export interface SparkPodOptions {
  /**
   * Whether the operator's mutating webhook patches the pods (security contexts, sidecars, init
   * containers, volumes, host network from the spec). Without it, the pods are what Spark makes of
   * the pod templates alone: what the namespace admits when the webhook is down or disabled.
   * @default true
   */
  readonly webhook?: boolean;
}

function sparkPod(spec: SparkApplicationSpec, role: 'driver' | 'executor', p: SparkApplicationSpecDriver | SparkApplicationSpecExecutor, webhook: boolean): SparkPod {
  // Where each field comes from is needed only to name a violation: worked out when first asked.
  let sources: [string, string][] | undefined;
  return {
    role,
    pod: buildPod(spec, role, p, webhook),
    sourceOf: (field) => {
      if (sources === undefined) {
        sources = [];
        buildPod(spec, role, p, webhook, sources);
        // Longest prefix first, so that `containers[0].securityContext` wins over `containers[0]`.
        sources.sort((a, b) => b[0].length - a[0].length);
      }
      const match = sources.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`));
      return match ? match[1] + field.slice(match[0].length) : `${role}.${field}`;
    },
  };
}

/** The pod of a role; with `sources`, records there where each of its fields comes from in the spec. */
function buildPod(spec: SparkApplicationSpec, role: 'driver' | 'executor', p: SparkApplicationSpecDriver | SparkApplicationSpecExecutor, webhook: boolean, sources?: [string, string][]): PodSecurityInput {
  // Without the webhook, nothing the webhook copies from the spec reaches the pod.
  if (!webhook) {
    p = { template: p.template, volumeMounts: p.volumeMounts?.filter((m) => m.name.startsWith('spark-local-dir-')) } as typeof p;
    spec = { ...spec, volumes: spec.volumes?.filter((v) => v.name.startsWith('spark-local-dir-')), hadoopConfigMap: undefined, sparkConfigMap: undefined };
  }
  // Called as from?.(...): without `sources`, the source texts are not even built.
  const from = sources === undefined ? undefined : (field: string, source: string) => sources.push([field, source]);
  const template: any = p.template?.spec ?? {};
  const tpl = `${role}.template.spec`;

  // Spark takes the template's first container (or the one named by podTemplateContainerName) as its own.
  const templateContainers: ContainerFields[] = template.containers ?? [];
  const mainName = spec.sparkConf?.[`spark.kubernetes.${role}.podTemplateContainerName`];
  const mainIndex = Math.max(0, templateContainers.findIndex((c) => c.name === mainName));
  const templateMain = templateContainers[mainIndex];
  const containers: ContainerFields[] = [{
    name: MAIN_CONTAINER[role],
    securityContext: p.securityContext ?? templateMain?.securityContext,
    ports: templateMain?.ports,
  }];
  from?.('containers[0].securityContext', !webhook || (p.securityContext === undefined && templateMain?.securityContext !== undefined)
    ? `${tpl}.containers[${mainIndex}].securityContext`
    : `${role}.securityContext`);
  from?.('containers[0].ports', `${tpl}.containers[${mainIndex}].ports`);
  from?.('containers[0]', role);
  templateContainers.forEach((c, i) => {
    if (i !== mainIndex) {
      from?.(`containers[${containers.length}]`, `${tpl}.containers[${i}]`);
      containers.push(c);
    }
  });
  (p.sidecars ?? []).forEach((c, i) => {
    from?.(`containers[${containers.length}]`, `${role}.sidecars[${i}]`);
    containers.push(c);
  });

  const initContainers: ContainerFields[] = [];
  (template.initContainers ?? []).forEach((c: ContainerFields, i: number) => {
    from?.(`initContainers[${initContainers.length}]`, `${tpl}.initContainers[${i}]`);
    initContainers.push(c);
  });
  (p.initContainers ?? []).forEach((c, i) => {
    from?.(`initContainers[${initContainers.length}]`, `${role}.initContainers[${i}]`);
    initContainers.push(c);
  });

  const volumes: { name: string }[] = [];
  const volume = (v: { name: string }, source: string) => {
    from?.(`volumes[${volumes.length}]`, source);
    volumes.push(v);
  };
  (template.volumes ?? []).forEach((v: { name: string }, i: number) => volume(v, `${tpl}.volumes[${i}]`));
  volume({ name: 'spark-local-dir-1', emptyDir: {} } as { name: string }, `${role} (Spark's local directory)`);
  volume({ name: `spark-conf-volume-${role === 'driver' ? 'driver' : 'exec'}`, configMap: { name: 'spark-conf' } } as { name: string }, `${role} (Spark's configuration)`);
  volume({ name: 'kube-api-access', projected: {} } as { name: string }, `${role} (the service account token)`);
  const mounted = new Set((p.volumeMounts ?? []).map((m) => m.name));
  (spec.volumes ?? []).forEach((v, i) => {
    if (mounted.has(v.name)) {
      volume(v, `volumes[${i}]`);
    }
  });
  for (const [i, c] of (p.configMaps ?? []).entries()) {
    volume({ name: `${c.name}-vol`, configMap: { name: c.name } } as { name: string }, `${role}.configMaps[${i}]`);
  }
  for (const [i, s] of (p.secrets ?? []).entries()) {
    volume({ name: `${s.name}-volume`, secret: { secretName: s.name } } as { name: string }, `${role}.secrets[${i}]`);
  }
  for (const key of ['hadoopConfigMap', 'sparkConfigMap'] as const) {
    if (spec[key] !== undefined) {
      volume({ name: key, configMap: { name: spec[key] } } as { name: string }, key);
    }
  }
  for (const key of Object.keys(spec.sparkConf ?? {})) {
    const match = SPARK_CONF_VOLUME.exec(key);
    if (match && match[1] === role) {
      volume({ name: match[3], [match[2]]: {} } as { name: string }, `sparkConf["${key}"]`);
    }
  }

  from?.('securityContext', !webhook || (p.podSecurityContext === undefined && template.securityContext !== undefined) ? `${tpl}.securityContext` : `${role}.podSecurityContext`);
  from?.('hostNetwork', p.hostNetwork === true || template.hostNetwork !== true ? `${role}.hostNetwork` : `${tpl}.hostNetwork`);
  from?.('hostPID', `${tpl}.hostPID`);
  from?.('hostIPC', `${tpl}.hostIPC`);
  from?.('os', `${tpl}.os`);
  const annotations: Record<string, string> = { ...p.template?.metadata?.annotations, ...p.annotations };
  for (const key of Object.keys(annotations)) {
    from?.(`annotations["${key}"]`, p.annotations?.[key] !== undefined ? `${role}.annotations["${key}"]` : `${role}.template.metadata.annotations["${key}"]`);
  }

  return {
    annotations,
    os: template.os,
    hostNetwork: p.hostNetwork === true || template.hostNetwork === true,
    hostPID: template.hostPID,
    hostIPC: template.hostIPC,
    securityContext: p.podSecurityContext ?? template.securityContext,
    containers,
    initContainers,
    volumes,
  };
}

/**
 * The pod security problems of a SparkApplication in a namespace that enforces `level`: one message
 * per field of the driver or executor pod that the level does not allow, named by where it comes
 * from in the spec, with the fix.
 *
 * @param namespace the namespace, for the messages
 */
export function sparkPodSecurityProblems(spec: SparkApplicationSpec, level: PodSecurityLevel, namespace: string, pods: SparkPodsByMode = sparkPodsByMode(spec)): string[] {
  // A field both pods take from the spec (a shared volume) is one problem, naming both pods.
  const found = new Map<string, { readonly roles: string[]; readonly message: (pods: string) => string }>();
  // The pods as the operator's webhook patches them, and as Spark makes them from the templates
  // alone, which is what the namespace sees while the webhook is down or disabled.
  for (const webhook of [true, false]) {
    for (const { role, pod, sourceOf } of webhook ? pods.withWebhook : pods.withoutWebhook) {
      for (const v of podSecurityViolations(level, pod)) {
        const source = sourceOf(v.field);
        const key = `${source}\n${v.control}`;
        if (found.get(key)?.roles.includes(role)) {
          continue;
        }
        const what = v.value === undefined ? `${source} is not set, which` : `${source} ${JSON.stringify(v.value)}`;
        const hardened = source.startsWith(`${role}.securityContext`) ? `, or leave ${role}.securityContext unset to get HARDENED_SECURITY_CONTEXT`
          : source.startsWith(`${role}.template`) ? `, or leave ${role}.template unset to get the hardened pod template` : '';
        const when = webhook ? '' : ' without the operator\'s webhook, which patches pods only while it runs';
        const entry = found.get(key) ?? { roles: [], message: (pods: string) => `${what} is not allowed by the pod security level ${level} of ${namespace} (${v.control.toLowerCase()}: ${v.allowed}), so the API server would reject the ${pods}${when}: ${v.fix}${hardened}` };
        entry.roles.push(role);
        found.set(key, entry);
      }
    }
  }
  return [...found.values()].map((e) => e.message(e.roles.length > 1 ? 'driver and executor pods' : `${e.roles[0]} pod`));
}
