import { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-30';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from '../core/app';
import { dnsLabelProblem, dnsSubdomainProblem } from '../core/names';
import { POD_SECURITY_VERSION, PodSecurityLevel } from '../core/pod-security';
import { Problems } from '../core/problems';
import { Quantity } from '../core/quantity';
import { cidrProblem, egressProblems, portProblem, TenantEgressRule } from './tenant-egress';

/** The label that marks every object of a tenant with the tenant's name. */
export const TENANT_LABEL = 'spark-platform.io/tenant';

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

/**
 * Where pods reach the Kubernetes API server by default: the private (RFC 1918) address ranges. The
 * API server is not a pod, so no pod selector finds it; its addresses depend on the cluster. On
 * k3s the `kubernetes` Service (10.43.0.1:443) is translated to the server node's address on port
 * 6443 before network policy applies, and in k3d that node is a container on a Docker network in
 * 172.16.0.0/12 or 192.168.0.0/16. The private ranges cover that and most other clusters while
 * keeping the internet closed.
 */
export const DEFAULT_API_SERVER_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
/** The API server's ports: 443 of the `kubernetes` Service, 6443 where the server listens (k3s, kubeadm). */
export const DEFAULT_API_SERVER_PORTS = [443, 6443];
/** The label Spark puts on its pods: `driver` or `executor`. */
export const SPARK_ROLE_LABEL = 'spark-role';

export interface TenantNamespaceProps {
  /** The team's namespace name, an RFC 1123 label such as `team-alpha`. */
  readonly name: string;
  /**
   * Name of the service account the team's Spark drivers run as.
   * @default `${name}-sa`
   */
  readonly serviceAccountName?: string;
  /**
   * The team's ResourceQuota; each field left out takes the seed's value.
   * @default DEFAULT_TENANT_QUOTA (requests.cpu 4, limits.cpu 8, requests.memory 8Gi, limits.memory 16Gi, pods 10)
   */
  readonly quota?: TenantQuotaProps;
  /**
   * Extra labels for the Namespace object. The Pod Security Admission labels come from
   * `podSecurity` and may not be given here.
   * @default - only the tenant and pod security labels
   */
  readonly labels?: Record<string, string>;
  /**
   * Whether NetworkPolicies isolate the tenant: all traffic of its pods is denied except between
   * the tenant's own pods, DNS queries to kube-dns, Spark drivers' calls to the Kubernetes API and
   * the destinations in `egress`.
   * @default true
   */
  readonly networkIsolation?: boolean;
  /**
   * Further destinations the tenant's pods may reach, for example object storage. Needs
   * networkIsolation.
   * @default - none: pods reach only their own namespace, DNS and (drivers) the API server
   */
  readonly egress?: TenantEgressRule[];
  /**
   * Address ranges where Spark drivers reach the Kubernetes API server. Narrow them to the
   * cluster's API server addresses when they are known. Needs networkIsolation.
   * @default DEFAULT_API_SERVER_CIDRS (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)
   */
  readonly apiServerCidrs?: string[];
  /**
   * TCP ports on which Spark drivers reach the Kubernetes API server. Needs networkIsolation.
   * @default DEFAULT_API_SERVER_PORTS (443 and 6443)
   */
  readonly apiServerPorts?: number[];
  /**
   * The Pod Security Standards level that the namespace enforces, warns about and audits. Spark
   * pods of SparkJob satisfy `restricted` with their default security context.
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
 * One team of the Spark platform: its Namespace, the ServiceAccount its Spark drivers run as, a Role
 * and RoleBinding that give that account what a Spark driver and the team need in the namespace and
 * nothing more, a ResourceQuota, and by default isolation from the other teams: NetworkPolicies,
 * the Pod Security Admission `restricted` level and a LimitRange with container defaults.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
 */
export class TenantNamespace extends Construct {
  /** The Namespace name. */
  public readonly namespaceName: string;
  /** The name of the ServiceAccount that Spark drivers of this tenant run as. */
  public readonly serviceAccountName: string;
  /**
   * The quota in parsed form. A field whose prop was malformed is reported at synth and holds the
   * seed's default here, so that the checks of other constructs still run.
   */
  public readonly quota: TenantQuota;

  /** The Namespace. */
  public readonly namespace: kplus.Namespace;
  /** The team's ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The namespaced Role of the ServiceAccount. */
  public readonly role: kplus.Role;
  /** The ResourceQuota. */
  public readonly resourceQuota: k8s.KubeResourceQuota;
  /** The Pod Security Standards level the namespace enforces. */
  public readonly podSecurity: PodSecurityLevel;
  /**
   * The NetworkPolicies, in the order default deny, same namespace, DNS, API server for drivers,
   * and the extra egress when there is any; empty without networkIsolation.
   */
  public readonly networkPolicies: readonly k8s.KubeNetworkPolicy[];
  /** The LimitRange; undefined when `limitRange` is false. */
  public readonly limitRange?: k8s.KubeLimitRange;
  /** The LimitRange's container defaults in parsed form; undefined when `limitRange` is false. */
  public readonly containerDefaults?: TenantContainerDefaults;

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.namespaceName = props.name;
    this.serviceAccountName = props.serviceAccountName ?? `${props.name}-sa`;
    problems.add(dnsLabelProblem(this.namespaceName, 'name'));
    if (props.serviceAccountName !== undefined) {
      problems.add(dnsSubdomainProblem(props.serviceAccountName, 'serviceAccountName'));
    }
    this.quota = parseQuota(problems, props.quota ?? {});
    this.podSecurity = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    const networkIsolation = props.networkIsolation ?? true;
    const limitRangeProps = props.limitRange ?? {};

    const labels = { [TENANT_LABEL]: this.namespaceName };
    const metadata = (name: string): ApiObjectMetadata => ({ name, namespace: this.namespaceName, labels });

    for (const key of Object.keys(props.labels ?? {}).filter((k) => k.startsWith(POD_SECURITY_LABEL_PREFIX))) {
      problems.add(`labels key ${key} is set from podSecurity: remove it from labels and set podSecurity, for example PodSecurityLevel.BASELINE`);
    }
    // Enforce rejects violating pods; warn makes kubectl print the violations of a Deployment or
    // Job's pod template when it is applied, not when its pods fail; audit records them. The version
    // is pinned so that a cluster upgrade does not change the rules under running jobs.
    const podSecurityLabels: Record<string, string> = {};
    for (const mode of ['enforce', 'warn', 'audit']) {
      podSecurityLabels[`${POD_SECURITY_LABEL_PREFIX}${mode}`] = this.podSecurity;
      podSecurityLabels[`${POD_SECURITY_LABEL_PREFIX}${mode}-version`] = POD_SECURITY_VERSION;
    }
    this.namespace = new kplus.Namespace(this, 'Resource', {
      metadata: { name: this.namespaceName, labels: { ...props.labels, ...podSecurityLabels, ...labels } },
    });

    // Spark drivers call the API server with this account's token, so it must be mounted.
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(this.serviceAccountName),
      automountToken: true,
    });

    this.role = new kplus.Role(this, 'Role', { metadata: metadata(`${this.namespaceName}-spark`) });
    const resource = (apiGroup: string, resourceType: string) => kplus.ApiResource.custom({ apiGroup, resourceType });
    const manage = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
    const read = ['get', 'list', 'watch'];
    // What a Spark driver does in its namespace: executor pods, the driver's headless service, the
    // spark-conf configmaps and, with dynamic allocation or shuffle storage, PVCs.
    this.role.allow(manage, resource('', 'pods'), resource('', 'services'), resource('', 'configmaps'), resource('', 'persistentvolumeclaims'));
    // What the team does by hand: read driver logs, exec into pods, run their SparkApplications.
    this.role.allow(['get'], resource('', 'pods/log'));
    this.role.allow(['get', 'create'], resource('', 'pods/exec'));
    this.role.allow(manage, resource('sparkoperator.k8s.io', 'sparkapplications'), resource('sparkoperator.k8s.io', 'scheduledsparkapplications'));
    this.role.allow(read, resource('sparkoperator.k8s.io', 'sparkapplications/status'), resource('sparkoperator.k8s.io', 'scheduledsparkapplications/status'));
    // Read-only views that explain a stuck job: events and the quota it counts against.
    this.role.allow(read, resource('', 'events'), resource('', 'resourcequotas'), resource('', 'limitranges'));

    const binding = new kplus.RoleBinding(this, 'RoleBinding', {
      metadata: metadata(`${this.namespaceName}-spark`),
      role: this.role,
    });
    binding.addSubjects(this.serviceAccount);

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

    if (networkIsolation) {
      this.networkPolicies = this.isolate(problems, props, metadata);
    } else {
      for (const prop of ['egress', 'apiServerCidrs', 'apiServerPorts'] as const) {
        if (props[prop] !== undefined) {
          problems.add(`${prop} has no effect with networkIsolation false, where no NetworkPolicy restricts the pods: remove ${prop} or turn networkIsolation on`);
        }
      }
      this.networkPolicies = [];
    }
  }

  /** Creates the NetworkPolicies that isolate the tenant, checking the props they come from. */
  private isolate(problems: Problems, props: TenantNamespaceProps, metadata: (name: string) => ApiObjectMetadata): k8s.KubeNetworkPolicy[] {
    const apiServerCidrs = props.apiServerCidrs ?? DEFAULT_API_SERVER_CIDRS;
    const apiServerPorts = props.apiServerPorts ?? DEFAULT_API_SERVER_PORTS;
    const egress = props.egress ?? [];
    if (apiServerCidrs.length === 0) {
      problems.add('apiServerCidrs is empty, so Spark drivers cannot reach the Kubernetes API server to create their executors: leave it unset or give the API server\'s addresses, for example ["10.43.0.1/32", "172.18.0.2/32"]');
    }
    apiServerCidrs.forEach((cidr, i) => problems.add(cidrProblem(cidr, `apiServerCidrs[${i}]`)));
    if (apiServerPorts.length === 0) {
      problems.add('apiServerPorts is empty, so Spark drivers cannot reach the Kubernetes API server: leave it unset or give its ports, for example [443, 6443]');
    }
    apiServerPorts.forEach((port, i) => problems.add(portProblem(port, `apiServerPorts[${i}]`)));
    egress.forEach((rule, i) => egressProblems(rule, `egress[${i}]`).forEach((p) => problems.add(p)));

    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, id, { metadata: metadata(`${this.namespaceName}-${name}`), spec });
    const everyPod: k8s.LabelSelector = {};
    const tcp = (ports: number[]): k8s.NetworkPolicyPort[] => ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }));

    // Everything not allowed below is denied, in both directions, for every pod of the namespace.
    const policies = [policy('DefaultDeny', 'default-deny', { podSelector: everyPod, policyTypes: ['Ingress', 'Egress'] })];

    // The driver and its executors talk both ways on ports Spark picks (driver RPC 7078, block
    // managers, UI 4040): any pod of the tenant may reach any other, no pod of another namespace may.
    policies.push(policy('AllowSameNamespace', 'allow-same-namespace', {
      podSelector: everyPod,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: everyPod }] }],
      egress: [{ to: [{ podSelector: everyPod }] }],
    }));

    // Executors find the driver by its Service's DNS name, so every pod needs DNS.
    policies.push(policy('AllowDns', 'allow-dns', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        }],
        ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
      }],
    }));

    // Only drivers call the API server, to create and watch their executor pods and services. The
    // API server is not a pod, so it is found by address (see DEFAULT_API_SERVER_CIDRS).
    policies.push(policy('AllowDriverApiServer', 'allow-driver-apiserver', {
      podSelector: { matchLabels: { [SPARK_ROLE_LABEL]: 'driver' } },
      policyTypes: ['Egress'],
      egress: [{ to: apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(apiServerPorts) }],
    }));

    if (egress.length > 0) {
      policies.push(policy('AllowEgress', 'allow-egress', {
        podSelector: everyPod,
        policyTypes: ['Egress'],
        egress: egress.map((rule): k8s.NetworkPolicyEgressRule => ({
          to: [rule.namespace !== undefined
            ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.namespace } }, podSelector: { matchLabels: rule.podLabels } }
            : { ipBlock: { cidr: rule.cidr ?? '', except: rule.except } }],
          ports: rule.ports !== undefined ? tcp(rule.ports) : undefined,
        })),
      }));
    }
    return policies;
  }
}

const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';

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
