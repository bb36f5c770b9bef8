/**
 * The Pod Security Standards, as the Pod Security Admission controller enforces them from a
 * namespace's `pod-security.kubernetes.io/*` labels, evaluated at synth time so that a pod the API
 * server would reject is reported before anything is applied.
 *
 * The rules are those of version v1.31 of the standards (the k3s v1.31 cluster's), which is the
 * version the tenants' labels pin.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */

/** A Pod Security Standards level, from least to most restrictive. */
export enum PodSecurityLevel {
  /** Unrestricted: no checks at all. */
  PRIVILEGED = 'privileged',
  /** Prevents known privilege escalations; allows the default pod configuration. */
  BASELINE = 'baseline',
  /** Current pod hardening best practice: non-root, no privilege escalation, all capabilities dropped, seccomp. */
  RESTRICTED = 'restricted',
}

/**
 * The problem with `level` as a Pod Security level (a value from JavaScript or a cast may be any
 * string; the API server refuses a namespace whose `pod-security.kubernetes.io/enforce` label is
 * not one of the three levels), or undefined.
 * @param what names the prop in the message, for example `podSecurity`
 */
export function podSecurityLevelProblem(level: unknown, what: string): string | undefined {
  const levels = Object.values(PodSecurityLevel) as string[];
  if (typeof level === 'string' && levels.includes(level)) {
    return undefined;
  }
  const near = typeof level === 'string' ? levels.find((l) => l === level.trim().toLowerCase()) : undefined;
  return `${what} ${JSON.stringify(level)} is not a Pod Security level: use PodSecurityLevel.RESTRICTED, BASELINE or PRIVILEGED ("restricted", "baseline" or "privileged")${near !== undefined ? `; did you mean "${near}"?` : ''}`;
}

/** The version of the standards the tenants pin (`enforce-version` and friends) and this module implements. */
export const POD_SECURITY_VERSION = 'v1.31';

/**
 * The labels that make a namespace enforce, warn about and audit a Pod Security level, pinned to
 * POD_SECURITY_VERSION: what the platform's own namespaces (the operator's, the add-ons') carry.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}

/** The container security context fields the standards look at. */
export interface SecurityContextFields {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly capabilities?: { readonly add?: string[]; readonly drop?: string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly appArmorProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly windowsOptions?: { readonly hostProcess?: boolean };
  readonly procMount?: string;
}

/** The pod security context fields the standards look at. */
export interface PodSecurityContextFields {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: { readonly type?: string };
  readonly appArmorProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly windowsOptions?: { readonly hostProcess?: boolean };
  readonly sysctls?: { readonly name: string }[];
}

/** A container as the standards see it. */
export interface ContainerFields {
  readonly name: string;
  readonly securityContext?: SecurityContextFields;
  readonly ports?: { readonly hostPort?: number }[];
}

/**
 * The parts of a pod the standards look at, named as in a Pod (`metadata.annotations` and the
 * `spec` fields), so that a Pod's spec plus its annotations can be passed as they are.
 */
export interface PodSecurityInput {
  readonly annotations?: Record<string, string>;
  readonly os?: { readonly name?: string };
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: PodSecurityContextFields;
  readonly containers?: ContainerFields[];
  readonly initContainers?: ContainerFields[];
  readonly ephemeralContainers?: ContainerFields[];
  /** Each volume is its name plus exactly one source field (`emptyDir`, `hostPath`, ...). */
  readonly volumes?: { readonly name: string }[];
}

/** One field of a pod that a level does not allow. */
export interface PodSecurityViolation {
  /** The control of the standards, for example `Running as Non-root user`. */
  readonly control: string;
  /** The field, relative to the pod spec (`containers[0].securityContext.runAsUser`, `hostNetwork`, `annotations["..."]`). */
  readonly field: string;
  /** The value found; undefined when the field is unset but must be set. */
  readonly value: unknown;
  /** What the level allows in that field. */
  readonly allowed: string;
  /** How to fix it. */
  readonly fix: string;
}

/** Capabilities that the baseline level lets a container add (the container runtime's default set). */
export const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/** Sysctls that the baseline level allows: namespaced and safe (as of v1.29, unchanged in v1.31). */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

/** Volume sources that the restricted level allows. */
export const RESTRICTED_VOLUME_TYPES = [
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret',
];

const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
const SECCOMP_TYPES = ['RuntimeDefault', 'Localhost'];
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;
const SELINUX_FIELDS = ['user', 'role'] as const;
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/**
 * Returns the fields of a pod that the level does not allow, in the order of the standards'
 * controls; empty when the Pod Security Admission controller would admit the pod.
 */
export function podSecurityViolations(level: PodSecurityLevel, pod: PodSecurityInput): PodSecurityViolation[] {
  if (level === PodSecurityLevel.PRIVILEGED) {
    return [];
  }
  const out: PodSecurityViolation[] = [];
  const add = (control: string, field: string, value: unknown, allowed: string, fix: string) => out.push({ control, field, value, allowed, fix });
  // Each container with its field path. The loops below index it: no iterator per loop, which adds
  // up over the four pods checked per Spark job.
  const containers: { path: string; c: ContainerFields }[] = [];
  const addContainers = (list: ContainerFields[] | undefined, name: string) => {
    for (let i = 0; i < (list?.length ?? 0); i++) {
      containers.push({ path: `${name}[${i}]`, c: list![i] });
    }
  };
  addContainers(pod.initContainers, 'initContainers');
  addContainers(pod.containers, 'containers');
  addContainers(pod.ephemeralContainers, 'ephemeralContainers');
  const podSc = pod.securityContext ?? {};
  const scOf = (c: ContainerFields) => c.securityContext ?? {};

  // --- baseline ---
  const hostProcess = 'HostProcess';
  if (podSc.windowsOptions?.hostProcess === true) {
    add(hostProcess, 'securityContext.windowsOptions.hostProcess', true, 'false or unset', 'remove windowsOptions.hostProcess');
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    if (scOf(c).windowsOptions?.hostProcess === true) {
      add(hostProcess, `${path}.securityContext.windowsOptions.hostProcess`, true, 'false or unset', 'remove windowsOptions.hostProcess');
    }
  }
  for (let i = 0; i < HOST_NAMESPACES.length; i++) {
    const field = HOST_NAMESPACES[i];
    if (pod[field] === true) {
      add('Host Namespaces', field, true, 'false or unset', `remove ${field}: the pod must not share the node's namespaces`);
    }
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    if (scOf(c).privileged === true) {
      add('Privileged Containers', `${path}.securityContext.privileged`, true, 'false or unset', 'remove privileged: true');
    }
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    const extra = (scOf(c).capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.includes(cap));
    if (extra.length > 0) {
      add('Capabilities', `${path}.securityContext.capabilities.add`, extra, `only ${BASELINE_CAPABILITIES.join(', ')}`, `do not add ${extra.join(', ')}`);
    }
  }
  (pod.volumes ?? []).forEach((v, i) => {
    if ('hostPath' in v) {
      add('HostPath Volumes', `volumes[${i}].hostPath`, (v as { hostPath: unknown }).hostPath, 'unset', `replace hostPath volume "${v.name}" with an emptyDir, configMap, secret or persistentVolumeClaim volume`);
    }
  });
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    (c.ports ?? []).forEach((p, j) => {
      if (p.hostPort !== undefined && p.hostPort !== 0) {
        add('Host Ports', `${path}.ports[${j}].hostPort`, p.hostPort, '0 or unset', 'remove hostPort and reach the pod through a Service');
      }
    });
  }
  const appArmorOk = (type?: string) => type === undefined || type === 'RuntimeDefault' || type === 'Localhost';
  if (!appArmorOk(podSc.appArmorProfile?.type)) {
    add('AppArmor', 'securityContext.appArmorProfile.type', podSc.appArmorProfile?.type, 'RuntimeDefault, Localhost or unset', 'use appArmorProfile.type RuntimeDefault');
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    if (!appArmorOk(scOf(c).appArmorProfile?.type)) {
      add('AppArmor', `${path}.securityContext.appArmorProfile.type`, scOf(c).appArmorProfile?.type, 'RuntimeDefault, Localhost or unset', 'use appArmorProfile.type RuntimeDefault');
    }
  }
  const annotations = pod.annotations ?? {};
  for (const key in annotations) {
    const value = annotations[key];
    if (Object.hasOwn(annotations, key) && key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      add('AppArmor', `annotations["${key}"]`, value, 'runtime/default, localhost/<profile> or unset', 'use runtime/default');
    }
  }
  const seLinux = (path: string, options?: SecurityContextFields['seLinuxOptions']) => {
    if (options?.type !== undefined && !SELINUX_TYPES.includes(options.type)) {
      add('SELinux', `${path}.seLinuxOptions.type`, options.type, `${SELINUX_TYPES.filter((t) => t).join(', ')} or unset`, 'remove seLinuxOptions.type or use container_t');
    }
    if (options === undefined) {
      return;
    }
    for (let i = 0; i < SELINUX_FIELDS.length; i++) {
      const field = SELINUX_FIELDS[i];
      if (options[field] !== undefined && options[field] !== '') {
        add('SELinux', `${path}.seLinuxOptions.${field}`, options[field], 'unset', `remove seLinuxOptions.${field}`);
      }
    }
  };
  seLinux('securityContext', podSc.seLinuxOptions);
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    seLinux(`${path}.securityContext`, scOf(c).seLinuxOptions);
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    const procMount = scOf(c).procMount;
    if (procMount !== undefined && procMount !== 'Default') {
      add('/proc Mount Type', `${path}.securityContext.procMount`, procMount, 'Default or unset', 'remove procMount');
    }
  }
  if (podSc.seccompProfile?.type === 'Unconfined') {
    add('Seccomp', 'securityContext.seccompProfile.type', 'Unconfined', 'RuntimeDefault, Localhost or unset', 'use seccompProfile.type RuntimeDefault');
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    if (scOf(c).seccompProfile?.type === 'Unconfined') {
      add('Seccomp', `${path}.securityContext.seccompProfile.type`, 'Unconfined', 'RuntimeDefault, Localhost or unset', 'use seccompProfile.type RuntimeDefault');
    }
  }
  (podSc.sysctls ?? []).forEach((s, i) => {
    if (!SAFE_SYSCTLS.includes(s.name)) {
      add('Sysctls', `securityContext.sysctls[${i}].name`, s.name, `only ${SAFE_SYSCTLS.join(', ')}`, `remove sysctl ${s.name}`);
    }
  });
  if (level === PodSecurityLevel.BASELINE) {
    return out;
  }

  // --- restricted ---
  (pod.volumes ?? []).forEach((v, i) => {
    let source: string | undefined;
    for (const k in v) {
      if (Object.hasOwn(v, k) && k !== 'name') {
        source = k;
        break;
      }
    }
    // hostPath is reported once, by the baseline control that the restricted level includes.
    if (source !== undefined && source !== 'hostPath' && !RESTRICTED_VOLUME_TYPES.includes(source)) {
      add('Volume Types', `volumes[${i}].${source}`, (v as Record<string, unknown>)[source], RESTRICTED_VOLUME_TYPES.join(', '), `replace ${source} volume "${v.name}" with a persistentVolumeClaim (a PersistentVolume may still use ${source}) or one of ${RESTRICTED_VOLUME_TYPES.join(', ')}`);
    }
  });
  // Windows pods are exempt from the Linux-only controls (v1.25+).
  const linux = pod.os?.name !== 'windows';
  if (linux) {
    for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
      if (scOf(c).allowPrivilegeEscalation !== false) {
        add('Privilege Escalation', `${path}.securityContext.allowPrivilegeEscalation`, scOf(c).allowPrivilegeEscalation, 'false', 'set allowPrivilegeEscalation: false');
      }
    }
  }
  if (podSc.runAsNonRoot === false) {
    add('Running as Non-root', 'securityContext.runAsNonRoot', false, 'true', 'set runAsNonRoot: true');
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    const own = scOf(c).runAsNonRoot;
    if (own === false || (own === undefined && podSc.runAsNonRoot !== true)) {
      add('Running as Non-root', `${path}.securityContext.runAsNonRoot`, own, 'true, here or in the pod securityContext', 'set runAsNonRoot: true');
    }
  }
  if (podSc.runAsUser === 0) {
    add('Running as Non-root user', 'securityContext.runAsUser', 0, 'a non-zero uid or unset', 'run as a non-zero uid, such as 185 for the apache/spark image');
  }
  for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
    if (scOf(c).runAsUser === 0) {
      add('Running as Non-root user', `${path}.securityContext.runAsUser`, 0, 'a non-zero uid or unset', 'run as a non-zero uid, such as 185 for the apache/spark image');
    }
  }
  if (linux) {
    const podSeccomp = podSc.seccompProfile?.type;
    if (podSeccomp !== undefined && podSeccomp !== 'Unconfined' && !SECCOMP_TYPES.includes(podSeccomp)) {
      add('Seccomp', 'securityContext.seccompProfile.type', podSeccomp, 'RuntimeDefault or Localhost', 'set seccompProfile.type RuntimeDefault');
    }
    for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
      const own = scOf(c).seccompProfile?.type;
      if (own === undefined ? !SECCOMP_TYPES.includes(podSeccomp ?? '') : own !== 'Unconfined' && !SECCOMP_TYPES.includes(own)) {
        add('Seccomp', `${path}.securityContext.seccompProfile.type`, own, 'RuntimeDefault or Localhost, here or in the pod securityContext', 'set seccompProfile.type RuntimeDefault');
      }
    }
    for (let i = 0; i < containers.length; i++) {
    const { path, c } = containers[i];
      const caps = scOf(c).capabilities;
      if (!(caps?.drop ?? []).includes('ALL')) {
        add('Capabilities', `${path}.securityContext.capabilities.drop`, caps?.drop, 'a list that includes ALL', 'set capabilities.drop: [ALL]');
      }
      const extra = (caps?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE' && BASELINE_CAPABILITIES.includes(cap));
      if (extra.length > 0) {
        add('Capabilities', `${path}.securityContext.capabilities.add`, extra, 'only NET_BIND_SERVICE', `do not add ${extra.join(', ')}`);
      }
    }
  }
  return out;
}

/** An image whose Dockerfile names its user rather than giving a uid. */
export interface NamedImageUser {
  /** The image repository, without tag: `apache/spark` also matches `docker.io/apache/spark`. */
  readonly repository: string;
  /** The user name the image runs as. */
  readonly user: string;
  /** The uid of that user in the image. */
  readonly uid: number;
}

/**
 * Images that run as a named user. The kubelet cannot tell whether a named user is root, so a
 * container that must run as non-root (`runAsNonRoot: true`) from such an image fails to start
 * ("container has runAsNonRoot and image has non-numeric user") unless `runAsUser` gives the uid.
 */
export const NAMED_IMAGE_USERS: NamedImageUser[] = [
  { repository: 'apache/spark', user: 'spark', uid: 185 },
  { repository: 'library/spark', user: 'spark', uid: 185 },
  { repository: 'ghcr.io/kubeflow/spark-operator/controller', user: 'spark', uid: 185 },
  // The platform's apache/spark image with the S3A client (k3d/spark-s3a/Dockerfile), built into k3d.
  { repository: 'spark-platform/spark-s3a', user: 'spark', uid: 185 },
];

/** The named user an image runs as, if it is one of NAMED_IMAGE_USERS. */
export function namedImageUser(image: string): NamedImageUser | undefined {
  const repository = image.split('@')[0].replace(/:[^/:]+$/, '');
  const normalized = repository.startsWith('docker.io/') ? repository.slice('docker.io/'.length) : repository;
  const full = normalized.includes('/') ? normalized : `library/${normalized}`;
  return NAMED_IMAGE_USERS.find((u) => u.repository === full || u.repository === normalized);
}

/** A pod's containers with their own and the pod's security context, as far as the user check needs. */
interface PodUserFields {
  readonly securityContext?: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number };
  readonly containers?: { readonly name?: string; readonly image?: string; readonly securityContext?: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number } }[];
  readonly initContainers?: { readonly name?: string; readonly image?: string; readonly securityContext?: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number } }[];
}

/**
 * The containers of a pod spec that must run as non-root from an image with a named user and set
 * no numeric `runAsUser`, here or in the pod's security context.
 * @param at the pod spec's field path in the messages, for example `spec.template.spec`
 */
export function podNamedUserProblems(pod: PodUserFields, at: string): string[] {
  const problems: string[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    (pod[field] ?? []).forEach((c, i) => {
      const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      const named = c.image !== undefined ? namedImageUser(c.image) : undefined;
      if (nonRoot === true && uid === undefined && named) {
        problems.push(`${at}.${field}[${i}].securityContext.runAsUser is not set, but the container must run as non-root and image ${c.image} runs as the named user "${named.user}", which the kubelet cannot check, so the container never starts (CreateContainerConfigError): set runAsUser: ${named.uid}`);
      }
    });
  }
  return problems;
}

/** Where the pod spec sits in each built-in kind that has one. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The named-user problems of a synthesized object whose kind has a pod spec (Deployment, Job, ...). */
export function namedImageUserProblems(doc: { kind?: unknown; [key: string]: unknown }): string[] {
  const at = POD_SPEC_PATHS[String(doc.kind)];
  if (!at) {
    return [];
  }
  const pod = at.reduce<any>((v, k) => v?.[k], doc);
  return pod ? podNamedUserProblems(pod, at.join('.')) : [];
}
