import { SparkApplicationSpec } from '../../imports/sparkoperator.k8s.io';

/**
 * The fields of a SparkApplication's driver and executor that become fields of their pods, judged
 * as the Kubernetes 1.31 API server judges pods (pkg/apis/core/validation/validation.go, beyond the
 * OpenAPI schema the whole-app checks use): a pod it refuses makes the driver fail at submission,
 * or leaves the application waiting for executors that never come.
 *
 * - environment variable names (validateEnvVarName): at 1.31 the RelaxedEnvironmentVariableValidation
 *   feature gate is alpha and off by default (pkg/features/kube_features.go: alpha at 1.30, beta and
 *   on at 1.32), so names follow IsEnvVarName (k8s.io/apimachinery pkg/util/validation):
 *   `[-._a-zA-Z][-._a-zA-Z0-9]*`, not "." or "..", and no "..";
 *   an env var with both `value` and `valueFrom` is refused too;
 * - volume mounts (validateVolumeMounts): each names a volume of the pod, and no two share a mount
 *   path; the operator's webhook adds only the spec's `volumes` a role mounts
 *   (kubeflow/spark-operator v2.3.0 internal/webhook/sparkpod_defaulter.go addVolumes), and Spark
 *   adds the volumes it declares in `spark.kubernetes.<role>.volumes.*` with their mounts;
 * - volume names unique (validateVolumes), container names unique RFC 1123 labels
 *   (validateContainers, validateInitContainers), Spark's main container being one of them;
 * - port names (validateContainerPorts): IANA service names (IsValidPortName: 1 to 15 lower-case
 *   letters, digits and "-", at least one letter, no "--", no "-" at either end), unique in their
 *   container, where Spark names its own driver ports `driver-rpc-port`, `blockmanager` and
 *   `spark-ui` (resource-managers/kubernetes/core/.../Constants.scala), and container ports 1-65535.
 */
export function sparkPodFieldProblems(spec: SparkApplicationSpec): string[] {
  const problems: string[] = [];
  const volumes = (spec.volumes ?? []).map((v) => v.name);
  volumes.filter((name, i) => volumes.indexOf(name) !== i).forEach((name) => problems.push(`volumes has two volumes named "${name}", which the API server refuses in one pod: give each volume its own name`));
  for (const role of ['driver', 'executor'] as const) {
    const p = spec[role];
    const confVolumes = Object.keys(spec.sparkConf ?? {})
      .map((key) => new RegExp(`^spark\\.kubernetes\\.${role}\\.volumes\\.[A-Za-z]+\\.([^.]+)\\.mount\\.path$`).exec(key)?.[1])
      .filter((name): name is string => name !== undefined);
    const podVolumes = new Set([...volumes, ...confVolumes]);
    const mainContainer = role === 'driver' ? 'spark-kubernetes-driver' : 'spark-kubernetes-executor';
    const containers: { field: string; name?: string; env?: readonly any[]; volumeMounts?: readonly any[]; ports?: readonly any[] }[] = [
      { field: role, name: mainContainer, env: p.env, volumeMounts: p.volumeMounts, ports: p.ports },
      ...(p.sidecars ?? []).map((c, i) => ({ field: `${role}.sidecars[${i}]`, name: c.name, env: c.env, volumeMounts: c.volumeMounts, ports: c.ports })),
      ...(p.initContainers ?? []).map((c, i) => ({ field: `${role}.initContainers[${i}]`, name: c.name, env: c.env, volumeMounts: c.volumeMounts, ports: c.ports })),
    ];
    const names = new Map<string, string>();
    for (const c of containers) {
      if (c.field !== role && typeof c.name === 'string') {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) || c.name.length > 63) {
          problems.push(`${c.field}.name "${c.name}" is not a valid container name (an RFC 1123 label), which the API server refuses: use lower-case letters, digits and "-", for example "log-shipper"`);
        } else if (names.has(c.name)) {
          problems.push(`${c.field}.name "${c.name}" is also the name of ${names.get(c.name)}, and the API server refuses two containers of one name in a pod: give it a name of its own, for example "${c.name}-2"`);
        }
      }
      if (typeof c.name === 'string' && !names.has(c.name)) {
        names.set(c.name, c.field === role ? `Spark's main ${role} container` : c.field);
      }
      (c.env ?? []).forEach((e, i) => {
        const what = `${c.field}.env[${i}]`;
        problems.push(...[envVarNameProblem(e?.name, `${what}.name`)].filter((x): x is string => x !== undefined));
        if (e?.value !== undefined && e.value !== '' && e.valueFrom !== undefined) {
          problems.push(`${what} "${e.name}" has both value and valueFrom, which the API server refuses: keep one of them`);
        }
      });
      const paths = new Map<string, number>();
      (c.volumeMounts ?? []).forEach((m, i) => {
        const what = `${c.field}.volumeMounts[${i}]`;
        if (!podVolumes.has(m?.name)) {
          const known = [...podVolumes];
          problems.push(`${what}.name "${m?.name}" names no volume of the ${role} pod, so the API server refuses the pod: add a volume "${m?.name}" to the spec's volumes${known.length > 0 ? `, or mount one of ${known.map((v) => `"${v}"`).join(', ')}` : ''}`);
        }
        if (typeof m?.mountPath === 'string') {
          if (paths.has(m.mountPath)) {
            problems.push(`${what}.mountPath "${m.mountPath}" is also the mount path of ${c.field}.volumeMounts[${paths.get(m.mountPath)}], and the API server refuses two mounts at one path: mount it elsewhere, for example "${m.mountPath.replace(/\/+$/, '')}-2"`);
          } else {
            paths.set(m.mountPath, i);
          }
        }
      });
      const ports = new Map<string, string>(c.field === 'driver' ? [['driver-rpc-port', "Spark's driver RPC port"], ['blockmanager', "Spark's block manager port"], ['spark-ui', "Spark's UI port"]] : []);
      (c.ports ?? []).forEach((port, i) => {
        const what = `${c.field}.ports[${i}]`;
        if (typeof port?.name === 'string') {
          const problem = portNameProblem(port.name, `${what}.name`);
          if (problem !== undefined) {
            problems.push(problem);
          } else if (ports.has(port.name)) {
            problems.push(`${what}.name "${port.name}" is also the name of ${ports.get(port.name)}, and the API server refuses two ports of one name in a container: give it a name of its own, for example "${port.name.slice(0, 13).replace(/-+$/, '')}-2"`);
          }
          ports.set(port.name, what);
        }
        if (typeof port?.containerPort === 'number' && (port.containerPort < 1 || port.containerPort > 65535 || !Number.isInteger(port.containerPort))) {
          problems.push(`${what}.containerPort ${port.containerPort} is not a port number, which the API server refuses: use a whole number from 1 to 65535`);
        }
      });
    }
    for (const key of Object.keys(p.envVars ?? {})) {
      problems.push(...[envVarNameProblem(key, `${role}.envVars["${key}"]`)].filter((x): x is string => x !== undefined));
    }
  }
  return problems;
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The problem with `name` as an environment variable name at Kubernetes 1.31's default rules, or undefined. */
export function envVarNameProblem(name: unknown, what: string): string | undefined {
  if (typeof name === 'string' && ENV_VAR_NAME.test(name) && name !== '.' && !name.includes('..')) {
    return undefined;
  }
  const fixed = typeof name === 'string' ? name.replace(/[^-._a-zA-Z0-9]+/g, '_').replace(/\.{2,}/g, '.').replace(/^[0-9]/, '_$&') : '';
  const suggestion = fixed !== '' && fixed !== name && ENV_VAR_NAME.test(fixed) && fixed !== '.' ? `; did you mean "${fixed}"?` : '';
  return `${what} ${JSON.stringify(name)} is not a valid environment variable name for the Kubernetes 1.31 API server: use letters, digits, "_", "-" and ".", not starting with a digit, for example "MY_SETTING"${suggestion}`;
}

/** The problem with `name` as a container port name (an IANA service name), or undefined. */
export function portNameProblem(name: string, what: string): string | undefined {
  if (name.length >= 1 && name.length <= 15 && /^[-a-z0-9]+$/.test(name) && /[a-z]/.test(name) && !name.includes('--') && !/^-|-$/.test(name)) {
    return undefined;
  }
  const fixed = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 15).replace(/-+$/, '');
  const suggestion = fixed !== '' && fixed !== name && /[a-z]/.test(fixed) ? `; did you mean "${fixed}"?` : '';
  return `${what} "${name}" is not a valid port name, which the API server refuses: use 1 to 15 lower-case letters, digits and "-", with at least one letter and no "-" at either end or twice in a row, for example "metrics"${suggestion}`;
}
