import { ApiObjectMetadata } from 'cdk8s';
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { registerAppChecks } from '../core/app';
import { chartDeliveryOf } from '../core/delivery';
import { derivedName, dnsLabelProblem, dnsSubdomainProblem, KUBERNETES_NAMESPACES, labelKeyProblem, labelValueProblem, reservedNamespaceProblem } from '../core/names';
import { POD_SECURITY_VERSION, PodSecurityLevel, podSecurityLevelProblem } from '../core/pod-security';
import { Problems } from '../core/problems';
import { Quantity } from '../core/quantity';
import {
  ApiServerEndpoint,
  apiServerProblems,
  egressProblems,
  ingressProblems,
  K3D_API_SERVER_ENDPOINTS,
  TenantEgressRule,
  TenantIngressRule,
} from './tenant-network';

/** The label that marks every object of a tenant, and its namespace, with the tenant's name. */
export const TENANT_LABEL = 'spark-platform.io/tenant';
/** The namespace label that names the service account a tenant's Spark drivers must run as. */
export const DRIVER_ACCOUNT_LABEL = 'spark-platform.io/driver-service-account';
/** The namespace label that names the service account a tenant's Spark executors must run as. */
export const EXECUTOR_ACCOUNT_LABEL = 'spark-platform.io/executor-service-account';
/** The label Spark puts on its pods: `driver` or `executor`. */
export const SPARK_ROLE_LABEL = 'spark-role';

/**
 * Namespaces a tenant may not take: Kubernetes' own, where cluster components run and where
 * objects without a namespace land.
 */
export const RESERVED_NAMESPACES = KUBERNETES_NAMESPACES;

/** A tenant's ResourceQuota, in Kubernetes quantities. */
export interface TenantQuotaProps {
  /**
   * Total CPU all pods of the tenant may request (`requests.cpu`).
   * @default '4'
   */
  readonly requestsCpu?: string;
  /**
   * Total CPU limit of all pods of the tenant (`limits.cpu`).
   * @default '8'
   */
  readonly limitsCpu?: string;
  /**
   * Total memory all pods of the tenant may request (`requests.memory`).
   * @default '8Gi'
   */
  readonly requestsMemory?: string;
  /**
   * Total memory limit of all pods of the tenant (`limits.memory`).
   * @default '16Gi'
   */
  readonly limitsMemory?: string;
  /**
   * Number of pods the tenant may run at once.
   * @default 10
   */
  readonly pods?: number;
}

/** A tenant's quota in parsed form, for the checks of the constructs that run in the tenant. */
export interface TenantQuota {
  readonly requestsCpu: Quantity;
  readonly limitsCpu: Quantity;
  readonly requestsMemory: Quantity;
  readonly limitsMemory: Quantity;
  readonly pods: number;
}

/** The seed platform's per-team quota. */
export const DEFAULT_TENANT_QUOTA: Required<TenantQuotaProps> = {
  requestsCpu: '4',
  limitsCpu: '8',
  requestsMemory: '8Gi',
  limitsMemory: '16Gi',
  pods: 10,
};

/**
 * The LimitRange defaults a container gets when it sets no requests or limits of its own, in
 * Kubernetes quantities. Spark pods set their own and are not affected.
 */
export interface TenantLimitRangeProps {
  /**
   * CPU request of a container that sets none (`defaultRequest.cpu`).
   * @default '500m'
   */
  readonly defaultCpuRequest?: string;
  /**
   * CPU limit of a container that sets none (`default.cpu`).
   * @default '1'
   */
  readonly defaultCpuLimit?: string;
  /**
   * Memory request of a container that sets none (`defaultRequest.memory`).
   * @default '512Mi'
   */
  readonly defaultMemoryRequest?: string;
  /**
   * Memory limit of a container that sets none (`default.memory`).
   * @default '1Gi'
   */
  readonly defaultMemoryLimit?: string;
}

/** The container defaults in parsed form. */
export interface TenantContainerDefaults {
  readonly cpuRequest: Quantity;
  readonly cpuLimit: Quantity;
  readonly memoryRequest: Quantity;
  readonly memoryLimit: Quantity;
}

/** The platform's container defaults: half of one core and 512Mi requested, one core and 1Gi at most. */
export const DEFAULT_TENANT_LIMIT_RANGE: Required<TenantLimitRangeProps> = {
  defaultCpuRequest: '500m',
  defaultCpuLimit: '1',
  defaultMemoryRequest: '512Mi',
  defaultMemoryLimit: '1Gi',
};

export interface TenantNamespaceProps {
  /** The team's namespace name, an RFC 1123 label such as `team-alpha`. */
  readonly name: string;
  /**
   * Name of the service account the team's Spark drivers run as. It may manage pods, services,
   * configmaps and persistent volume claims in the namespace, which is what a driver does.
   * @default `${name}-sa` (shortened with a hash when longer than 63 characters, see derivedName)
   */
  readonly serviceAccountName?: string;
  /**
   * Name of the service account the team's Spark executors run as. It has no permissions and no
   * API token: executors never call the API server.
   * @default `${name}-executor` (shortened with a hash when longer than 63 characters, see derivedName)
   */
  readonly executorServiceAccountName?: string;
  /**
   * The group (as the cluster's authentication reports it) of the team's people. It is bound to
   * what the team does by hand: run SparkApplications and ScheduledSparkApplications, read pods,
   * their logs and events, exec into pods. Workload accounts never get these permissions.
   * @default `${name}-developers`
   */
  readonly developersGroup?: string;
  /**
   * The team's ResourceQuota; each field left out takes the seed's value.
   * @default DEFAULT_TENANT_QUOTA (requests.cpu 4, limits.cpu 8, requests.memory 8Gi, limits.memory 16Gi, pods 10)
   */
  readonly quota?: TenantQuotaProps;
  /**
   * Extra labels for the Namespace object. The Pod Security Admission labels come from
   * `podSecurity` and the platform's own from the other props; neither may be given here.
   * @default - only the platform's labels
   */
  readonly labels?: Record<string, string>;
  /**
   * Whether NetworkPolicies isolate the tenant: all traffic of its pods is denied except between
   * the tenant's own pods, DNS queries to kube-dns, Spark drivers' calls to the Kubernetes API and
   * the destinations in `egress` and those that add-ons open.
   * @default true
   */
  readonly networkIsolation?: boolean;
  /**
   * Further destinations the tenant's pods may reach. Needs networkIsolation.
   * @default - none: pods reach only their own namespace, DNS and (drivers) the API server
   */
  readonly egress?: TenantEgressRule[];
  /**
   * Where Spark drivers reach the Kubernetes API server. Needs networkIsolation.
   * @default K3D_API_SERVER_ENDPOINTS (the `kubernetes` Service 10.43.0.1 on 443 and the k3d nodes' network 172.28.0.0/16 on 6443)
   */
  readonly apiServer?: ApiServerEndpoint[];
  /**
   * The Pod Security Standards level that the namespace enforces, warns about and audits. Spark
   * pods of SparkJob satisfy `restricted` with their default security context and pod templates.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Defaults for containers that set no requests or limits, within the quota; `false` for no
   * LimitRange, so that such pods are rejected by the quota.
   * @default DEFAULT_TENANT_LIMIT_RANGE (requests 500m and 512Mi, limits 1 and 1Gi)
   */
  readonly limitRange?: TenantLimitRangeProps | false;
}

/**
 * One team of the Spark platform: its Namespace; the ServiceAccounts its Spark drivers and
 * executors run as, the driver's with a Role that holds what a Spark driver calls and nothing more,
 * the executor's with no permissions and no token; the team's own permissions bound to its people's
 * group; a ResourceQuota; and by default isolation from the other teams: NetworkPolicies, the Pod
 * Security Admission `restricted` level and a LimitRange with container defaults.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
 */
export class TenantNamespace extends Construct {
  /** The Namespace name. */
  public readonly namespaceName: string;
  /** The name of the ServiceAccount that Spark drivers of this tenant run as. */
  public readonly serviceAccountName: string;
  /** The name of the ServiceAccount that Spark executors of this tenant run as. */
  public readonly executorServiceAccountName: string;
  /** The group of the team's people. */
  public readonly developersGroup: string;
  /**
   * The quota in parsed form. A field whose prop was malformed is reported at synth and holds the
   * seed's default here, so that the checks of other constructs still run.
   */
  public readonly quota: TenantQuota;
  /** The Namespace. */
  public readonly namespace: k8s.KubeNamespace;
  /** The drivers' ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The executors' ServiceAccount. */
  public readonly executorServiceAccount: k8s.KubeServiceAccount;
  /** The drivers' Role. */
  public readonly role: k8s.KubeRole;
  /** The team's Role, bound to its people's group. */
  public readonly developerRole: k8s.KubeRole;
  /** The ResourceQuota. */
  public readonly resourceQuota: k8s.KubeResourceQuota;
  /** The Pod Security Standards level the namespace enforces. */
  public readonly podSecurity: PodSecurityLevel;
  /** Whether NetworkPolicies isolate the tenant. */
  public readonly networkIsolation: boolean;
  /** Where Spark drivers may reach the API server. */
  public readonly apiServer: readonly ApiServerEndpoint[];
  /** The LimitRange; undefined when `limitRange` is false. */
  public readonly limitRange?: k8s.KubeLimitRange;
  /** The LimitRange's container defaults in parsed form; undefined when `limitRange` is false. */
  public readonly containerDefaults?: TenantContainerDefaults;

  private readonly problems: Problems;
  private readonly policies: k8s.KubeNetworkPolicy[] = [];
  private readonly egressRules: { readonly id: string; readonly rule: TenantEgressRule }[] = [];
  private readonly ingressRules: { readonly id: string; readonly rule: TenantIngressRule }[] = [];

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.problems = problems;
    this.namespaceName = props.name;
    this.serviceAccountName = props.serviceAccountName ?? derivedName(props.name, 'sa');
    this.executorServiceAccountName = props.executorServiceAccountName ?? derivedName(props.name, 'executor');
    this.developersGroup = props.developersGroup ?? `${props.name}-developers`;
    this.quota = parseQuota(problems, props.quota ?? {});
    this.podSecurity = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    problems.add(podSecurityLevelProblem(this.podSecurity, 'podSecurity'));
    this.networkIsolation = props.networkIsolation ?? true;
    this.apiServer = props.apiServer ?? K3D_API_SERVER_ENDPOINTS;

    problems.add(dnsLabelProblem(this.namespaceName, 'name'));
    problems.add(reservedNamespaceProblem(this.namespaceName, chartDeliveryOf(this), id));
    for (const [prop, account] of [['serviceAccountName', props.serviceAccountName], ['executorServiceAccountName', props.executorServiceAccountName]] as const) {
      if (account !== undefined) {
        // The admission policy compares accounts with namespace labels, so the name must be a label value too.
        problems.add(dnsSubdomainProblem(account, prop) ?? labelValueProblem(account, prop));
      }
    }
    if (this.serviceAccountName === this.executorServiceAccountName) {
      problems.add(`executorServiceAccountName "${this.executorServiceAccountName}" is the drivers' account: executors must run as an account with no permissions and no token; give it its own name or leave it unset`);
    }
    if (this.developersGroup.trim() === '') {
      problems.add('developersGroup is empty: give the group the cluster reports for the team\'s people, for example "team-alpha-developers"');
    }
    const platformLabels = [TENANT_LABEL, DRIVER_ACCOUNT_LABEL, EXECUTOR_ACCOUNT_LABEL];
    for (const [key, value] of Object.entries(props.labels ?? {})) {
      if (key.startsWith(POD_SECURITY_LABEL_PREFIX)) {
        problems.add(`labels key ${key} is set from podSecurity: remove it from labels and set podSecurity, for example PodSecurityLevel.BASELINE`);
      } else if (platformLabels.includes(key)) {
        problems.add(`labels key ${key} is set by the platform from the tenant's props: remove it from labels`);
      } else {
        problems.add(labelKeyProblem(key, 'labels') ?? labelValueProblem(value, `labels[${JSON.stringify(key)}]`));
      }
    }

    const tenantLabels = { [TENANT_LABEL]: this.namespaceName };
    const metadata = (name: string): ApiObjectMetadata => ({ name, namespace: this.namespaceName, labels: tenantLabels });

    // Enforce rejects violating pods; warn makes kubectl print the violations of a Deployment or
    // Job's pod template when it is applied, not when its pods fail; audit records them. The version
    // is pinned so that a cluster upgrade does not change the rules under running jobs.
    const podSecurityLabels: Record<string, string> = {};
    for (const mode of ['enforce', 'warn', 'audit']) {
      podSecurityLabels[`${POD_SECURITY_LABEL_PREFIX}${mode}`] = this.podSecurity;
      podSecurityLabels[`${POD_SECURITY_LABEL_PREFIX}${mode}-version`] = POD_SECURITY_VERSION;
    }
    this.namespace = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.namespaceName,
        labels: {
          ...props.labels,
          ...podSecurityLabels,
          ...tenantLabels,
          // The admission policy reads which accounts the tenant's Spark pods must run as from here.
          [DRIVER_ACCOUNT_LABEL]: this.serviceAccountName,
          [EXECUTOR_ACCOUNT_LABEL]: this.executorServiceAccountName,
        },
      },
    });

    // Spark drivers call the API server with this account's token, so it is mounted.
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(this.serviceAccountName),
      automountServiceAccountToken: true,
    });
    // Executors never call the API server: no token, no permissions, so a job's code in an
    // executor has no credentials to use.
    this.executorServiceAccount = new k8s.KubeServiceAccount(this, 'ExecutorServiceAccount', {
      metadata: metadata(this.executorServiceAccountName),
      automountServiceAccountToken: false,
    });

    const manage = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
    const read = ['get', 'list', 'watch'];
    // What a Spark driver calls in its namespace: it creates, watches and deletes its executor pods,
    // their configmaps and, with on-demand volumes, their persistent volume claims; on termination it
    // deletes the driver Service the submission created.
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: metadata(`${this.namespaceName}-spark-driver`),
      rules: [
        { apiGroups: [''], resources: ['pods', 'configmaps', 'persistentvolumeclaims'], verbs: manage },
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: metadata(`${this.namespaceName}-spark-driver`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.role.name },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespaceName }],
    });

    // What the team's people do by hand: run their Spark applications, follow them, look into pods.
    this.developerRole = new k8s.KubeRole(this, 'DeveloperRole', {
      metadata: metadata(`${this.namespaceName}-developer`),
      rules: [
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications', 'scheduledsparkapplications'], verbs: manage },
        { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications/status', 'scheduledsparkapplications/status'], verbs: read },
        { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'events', 'resourcequotas', 'limitranges', 'persistentvolumeclaims'], verbs: read },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'DeveloperRoleBinding', {
      metadata: metadata(`${this.namespaceName}-developers`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.developerRole.name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: this.developersGroup }],
    });

    this.resourceQuota = new k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: metadata(`${this.namespaceName}-quota`),
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(this.quota.requestsCpu.toCpuString()),
          'limits.cpu': k8s.Quantity.fromString(this.quota.limitsCpu.toCpuString()),
          'requests.memory': k8s.Quantity.fromString(this.quota.requestsMemory.toMemoryString()),
          'limits.memory': k8s.Quantity.fromString(this.quota.limitsMemory.toMemoryString()),
          'pods': k8s.Quantity.fromNumber(this.quota.pods),
        },
      },
    });

    const limitRangeProps = props.limitRange ?? {};
    if (limitRangeProps !== false) {
      this.containerDefaults = parseContainerDefaults(problems, limitRangeProps, this.quota);
      const d = this.containerDefaults;
      // With limits.cpu and limits.memory in the quota, a pod without limits is rejected; the
      // defaults let such pods (a debugging pod, a team's helper) run, counted against the quota.
      this.limitRange = new k8s.KubeLimitRange(this, 'LimitRange', {
        metadata: metadata(`${this.namespaceName}-limits`),
        spec: {
          limits: [{
            type: 'Container',
            defaultRequest: {
              cpu: k8s.Quantity.fromString(d.cpuRequest.toCpuString()),
              memory: k8s.Quantity.fromString(d.memoryRequest.toMemoryString()),
            },
            default: {
              cpu: k8s.Quantity.fromString(d.cpuLimit.toCpuString()),
              memory: k8s.Quantity.fromString(d.memoryLimit.toMemoryString()),
            },
          }],
        },
      });
    }

    if (this.networkIsolation) {
      problems.addAll(apiServerProblems([...this.apiServer], 'apiServer'));
      this.isolate();
      (props.egress ?? []).forEach((rule, i) => this.allowEgressTo(`egress[${i}]`, rule));
      if ((props.egress ?? []).length > 0) {
        this.policies.push(new k8s.KubeNetworkPolicy(this, 'AllowEgress', {
          metadata: metadata(`${this.namespaceName}-allow-egress`),
          spec: { podSelector: {}, policyTypes: ['Egress'], egress: (props.egress ?? []).map(egressRule) },
        }));
      }
    } else {
      for (const prop of ['egress', 'apiServer'] as const) {
        if (props[prop] !== undefined) {
          problems.add(`${prop} has no effect with networkIsolation false, where no NetworkPolicy restricts the pods: remove ${prop} or turn networkIsolation on`);
        }
      }
    }
  }

  /**
   * The NetworkPolicies, in the order default deny, same namespace, DNS, API server for drivers,
   * `egress`, and those that add-ons added; empty without networkIsolation.
   */
  public get networkPolicies(): readonly k8s.KubeNetworkPolicy[] {
    return [...this.policies];
  }

  /** The destinations the tenant's pods may reach besides their namespace, DNS and the API server. */
  public get egress(): readonly TenantEgressRule[] {
    return this.egressRules.map((r) => r.rule);
  }

  /** The connections other namespaces may open to the tenant's pods. */
  public get ingress(): readonly TenantIngressRule[] {
    return this.ingressRules.map((r) => r.rule);
  }

  /**
   * Opens destinations to every pod of the tenant, or only to the pods `fromPodLabels` selects, as
   * one NetworkPolicy `<tenant>-<name>`; add-ons use it for what their jobs reach (object storage,
   * for example). Without networkIsolation nothing is restricted and nothing is added.
   * @param name names the policy, for example `allow-object-store`
   * @param fromPodLabels labels of the tenant's pods the policy opens the destinations to, for
   * example a data-loading Job's; the rules then do not appear in `egress`, which lists what every
   * pod of the tenant may reach
   */
  public allowEgress(name: string, rules: TenantEgressRule[], fromPodLabels?: Record<string, string>): void {
    if (!this.networkIsolation) {
      return;
    }
    if (fromPodLabels === undefined) {
      rules.forEach((rule, i) => this.allowEgressTo(`${name}[${i}]`, rule));
    } else {
      rules.forEach((rule, i) => this.problems.addAll(egressProblems(rule, `${name}[${i}]`)));
      if (Object.keys(fromPodLabels).length === 0) {
        this.problems.add(`allowEgress("${name}") got no pod labels, which would open the destinations to every pod of the tenant: give the labels of the pods that need them, or leave fromPodLabels out to open them to all`);
      }
    }
    this.policies.push(new k8s.KubeNetworkPolicy(this, `Policy-${name}`, {
      metadata: { name: `${this.namespaceName}-${name}`, namespace: this.namespaceName, labels: { [TENANT_LABEL]: this.namespaceName } },
      spec: { podSelector: fromPodLabels ? { matchLabels: fromPodLabels } : {}, policyTypes: ['Egress'], egress: rules.map(egressRule) },
    }));
  }

  /**
   * Lets pods of another namespace connect to some of the tenant's pods on some ports, as one
   * NetworkPolicy `<tenant>-<name>`; add-ons use it, for example, to let Prometheus scrape drivers.
   * Without networkIsolation nothing is restricted and nothing is added.
   */
  public allowIngress(name: string, rule: TenantIngressRule): void {
    if (!this.networkIsolation) {
      return;
    }
    this.problems.addAll(ingressProblems(rule, name));
    this.ingressRules.push({ id: name, rule });
    this.policies.push(new k8s.KubeNetworkPolicy(this, `Policy-${name}`, {
      metadata: { name: `${this.namespaceName}-${name}`, namespace: this.namespaceName, labels: { [TENANT_LABEL]: this.namespaceName } },
      spec: {
        podSelector: { matchLabels: rule.toPodLabels },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.fromNamespace } },
            podSelector: { matchLabels: rule.fromPodLabels },
          }],
          ports: tcp(rule.ports),
        }],
      },
    }));
  }

  private allowEgressTo(what: string, rule: TenantEgressRule): void {
    this.problems.addAll(egressProblems(rule, what));
    this.egressRules.push({ id: what, rule });
  }

  /** Creates the NetworkPolicies that isolate the tenant. */
  private isolate(): void {
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => this.policies.push(new k8s.KubeNetworkPolicy(this, id, {
      metadata: { name: `${this.namespaceName}-${name}`, namespace: this.namespaceName, labels: { [TENANT_LABEL]: this.namespaceName } },
      spec,
    }));
    const everyPod: k8s.LabelSelector = {};

    // Everything not allowed below is denied, in both directions, for every pod of the namespace.
    policy('DefaultDeny', 'default-deny', { podSelector: everyPod, policyTypes: ['Ingress', 'Egress'] });

    // The driver and its executors talk both ways on ports Spark picks (driver RPC 7078, block
    // managers, UI 4040): any pod of the tenant may reach any other, no pod of another namespace may.
    policy('AllowSameNamespace', 'allow-same-namespace', {
      podSelector: everyPod,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: everyPod }] }],
      egress: [{ to: [{ podSelector: everyPod }] }],
    });

    // Executors find the driver by its Service's DNS name, so every pod needs DNS.
    policy('AllowDns', 'allow-dns', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        }],
        ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
      }],
    });

    // Only drivers call the API server, to create and watch their executor pods. The API server is
    // not a pod, so it is found by address: the kubernetes Service and the server node, each on its port.
    policy('AllowDriverApiServer', 'allow-driver-apiserver', {
      podSelector: { matchLabels: { [SPARK_ROLE_LABEL]: 'driver' } },
      policyTypes: ['Egress'],
      egress: this.apiServer.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: tcp([e.port]) })),
    });
  }
}

const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';

function tcp(ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }));
}

function egressRule(rule: TenantEgressRule): k8s.NetworkPolicyEgressRule {
  return {
    to: [rule.namespace !== undefined
      ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.namespace } }, podSelector: { matchLabels: rule.podLabels } }
      : { ipBlock: { cidr: rule.cidr ?? '', except: rule.except } }],
    ports: rule.ports !== undefined ? tcp(rule.ports) : undefined,
  };
}

function parseContainerDefaults(problems: Problems, props: TenantLimitRangeProps, quota: TenantQuota): TenantContainerDefaults {
  const quantity = (key: keyof TenantLimitRangeProps) => parseOrDefault(problems, props[key], DEFAULT_TENANT_LIMIT_RANGE[key], `limitRange.${key}`);
  const d: TenantContainerDefaults = {
    cpuRequest: quantity('defaultCpuRequest'),
    cpuLimit: quantity('defaultCpuLimit'),
    memoryRequest: quantity('defaultMemoryRequest'),
    memoryLimit: quantity('defaultMemoryLimit'),
  };
  const requestAboveLimit = 'the API server rejects a LimitRange whose default request exceeds its default limit';
  notAbove(problems, ['limitRange.defaultCpuRequest', d.cpuRequest], ['limitRange.defaultCpuLimit', d.cpuLimit], 'cpu', requestAboveLimit, 'lower defaultCpuRequest or raise defaultCpuLimit');
  notAbove(problems, ['limitRange.defaultMemoryRequest', d.memoryRequest], ['limitRange.defaultMemoryLimit', d.memoryLimit], 'memory', requestAboveLimit, 'lower defaultMemoryRequest or raise defaultMemoryLimit');
  const overQuota = 'one container that sets none would need more than the whole quota and never start';
  notAbove(problems, ['limitRange.defaultCpuRequest', d.cpuRequest], ['quota.requestsCpu', quota.requestsCpu], 'cpu', overQuota, 'lower defaultCpuRequest or raise quota.requestsCpu');
  notAbove(problems, ['limitRange.defaultCpuLimit', d.cpuLimit], ['quota.limitsCpu', quota.limitsCpu], 'cpu', overQuota, 'lower defaultCpuLimit or raise quota.limitsCpu');
  notAbove(problems, ['limitRange.defaultMemoryRequest', d.memoryRequest], ['quota.requestsMemory', quota.requestsMemory], 'memory', overQuota, 'lower defaultMemoryRequest or raise quota.requestsMemory');
  notAbove(problems, ['limitRange.defaultMemoryLimit', d.memoryLimit], ['quota.limitsMemory', quota.limitsMemory], 'memory', overQuota, 'lower defaultMemoryLimit or raise quota.limitsMemory');
  return d;
}

/** Parses a Kubernetes quantity prop, recording a malformed one and falling back to its default. */
function parseOrDefault(problems: Problems, value: string | undefined, fallback: string, what: string): Quantity {
  return Quantity.parse(value ?? fallback, what, (p) => problems.add(p)) ?? Quantity.literal(fallback);
}

/** Records a problem when the first named quantity is more than the second. */
function notAbove(problems: Problems, [what, value]: [string, Quantity], [limitWhat, limit]: [string, Quantity], unit: 'cpu' | 'memory', why: string, fix: string): void {
  if (value.isGreaterThan(limit)) {
    const print = (q: Quantity) => (unit === 'cpu' ? q.toCpuString() : q.toMemoryString());
    problems.add(`${what} ${print(value)} is more than ${limitWhat} ${print(limit)}: ${why}; ${fix}`);
  }
}

function parseQuota(problems: Problems, props: TenantQuotaProps): TenantQuota {
  const quantity = (key: Exclude<keyof TenantQuotaProps, 'pods'>) => parseOrDefault(problems, props[key], DEFAULT_TENANT_QUOTA[key], `quota.${key}`);
  const pods = props.pods ?? DEFAULT_TENANT_QUOTA.pods;
  const podsValid = Number.isInteger(pods) && pods >= 0;
  if (!podsValid) {
    problems.add(`quota.pods ${pods} is not a whole number of pods: use an integer of 0 or more, for example 10`);
  }
  const quota: TenantQuota = {
    requestsCpu: quantity('requestsCpu'),
    limitsCpu: quantity('limitsCpu'),
    requestsMemory: quantity('requestsMemory'),
    limitsMemory: quantity('limitsMemory'),
    pods: podsValid ? pods : DEFAULT_TENANT_QUOTA.pods,
  };
  const neverAbove = 'a pod\'s request never exceeds its limit';
  notAbove(problems, ['quota.requestsCpu', quota.requestsCpu], ['quota.limitsCpu', quota.limitsCpu], 'cpu', neverAbove, 'raise limitsCpu or lower requestsCpu');
  notAbove(problems, ['quota.requestsMemory', quota.requestsMemory], ['quota.limitsMemory', quota.limitsMemory], 'memory', neverAbove, 'raise limitsMemory or lower requestsMemory');
  return quota;
}
