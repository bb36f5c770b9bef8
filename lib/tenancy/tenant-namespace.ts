import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from '../core/app';
import { chartDeliveryOf } from '../core/delivery';
import { derivedName, dnsLabelProblem, dnsSubdomainProblem, KUBERNETES_NAMESPACES, labelKeyProblem, labelValueProblem, reservedNamespaceProblem } from '../core/names';
import { POD_SECURITY_VERSION, PodSecurityLevel, podSecurityLevelProblem } from '../core/pod-security';
import { Problems } from '../core/problems';
import { tenantAccounts } from './tenant-accounts';
import {
  ApiServerEndpoint,
  apiServerProblems,
  egressProblems,
  egressRule,
  ingressPolicySpec,
  ingressProblems,
  isolationPolicies,
  K3D_API_SERVER_ENDPOINTS,
  TenantEgressRule,
  TenantIngressRule,
} from './tenant-network';
import {
  DEFAULT_TENANT_LIMIT_RANGE,
  DEFAULT_TENANT_QUOTA,
  parseContainerDefaults,
  parseQuota,
  SYSTEM_PRIORITY_CLASSES,
  systemPriorityQuota,
  TenantContainerDefaults,
  TenantLimitRangeProps,
  tenantLimitRange,
  TenantQuota,
  TenantQuotaProps,
  tenantResourceQuota,
} from './tenant-quota';

export { SPARK_ROLE_LABEL } from './tenant-network';
export {
  DEFAULT_TENANT_LIMIT_RANGE,
  DEFAULT_TENANT_QUOTA,
  SYSTEM_PRIORITY_CLASSES,
  type TenantContainerDefaults,
  type TenantLimitRangeProps,
  type TenantQuota,
  type TenantQuotaProps,
} from './tenant-quota';

/** The label that marks every object of a tenant, and its namespace, with the tenant's name. */
export const TENANT_LABEL = 'spark-platform.io/tenant';
/** The namespace label that names the service account a tenant's Spark drivers must run as. */
export const DRIVER_ACCOUNT_LABEL = 'spark-platform.io/driver-service-account';
/** The namespace label that names the service account a tenant's Spark executors must run as. */
export const EXECUTOR_ACCOUNT_LABEL = 'spark-platform.io/executor-service-account';

/**
 * The label of a tenant's namespace that names the Volcano queue every job of the tenant must be
 * scheduled in (set by the scheduling add-on). Without it, a job may use the tenant's own queue
 * or none.
 */
export const BATCH_QUEUE_LABEL = 'spark-platform.io/batch-queue';

/**
 * The namespace annotation that lists, separated by spaces, the Secrets the tenant's Spark pods may
 * read (the storage add-on's keys, for example); the admission policies refuse any other.
 */
export const JOB_SECRETS_ANNOTATION = 'spark-platform.io/job-secrets';
/**
 * The namespace annotation that lists, separated by spaces, the PriorityClasses the tenant's Spark
 * pods may run at; the admission policies refuse any other.
 */
export const PRIORITY_CLASSES_ANNOTATION = 'spark-platform.io/priority-classes';

/**
 * Namespaces a tenant may not take: Kubernetes' own, where cluster components run and where
 * objects without a namespace land.
 */
export const RESERVED_NAMESPACES = KUBERNETES_NAMESPACES;

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
   * @default TenantNamespace.DEFAULT_QUOTA (requests.cpu 4, limits.cpu 8, requests.memory 8Gi, limits.memory 16Gi, pods 10, requests.storage 20Gi, persistentvolumeclaims 10)
   */
  readonly quota?: TenantQuotaProps;
  /**
   * PriorityClasses the team's Spark pods may run at (`priorityClassName` of the driver, the
   * executors and the PodGroup). The system classes are never allowed: a quota of no pods refuses
   * them in the namespace.
   * @default - none: the pods run at the cluster's default priority
   */
  readonly priorityClasses?: string[];
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
   * @default TenantNamespace.DEFAULT_LIMIT_RANGE (requests 500m and 512Mi, limits 1 and 1Gi)
   */
  readonly limitRange?: TenantLimitRangeProps | false;
}

/**
 * One team of the Spark platform: its Namespace; the ServiceAccounts its Spark drivers and
 * executors run as, the driver's with a Role that holds what a Spark driver calls and nothing more,
 * the executor's with no permissions and no token; the team's own permissions bound to its people's
 * group; a ResourceQuota on compute, pods, storage and claims, and one of no pods at the system
 * PriorityClasses; and by default isolation from the other teams: NetworkPolicies, the Pod Security
 * Admission `restricted` level and a LimitRange with container defaults. The Secrets and
 * PriorityClasses its Spark pods may use are annotated on the namespace for the admission policies.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
 */
export class TenantNamespace extends Construct {
  /** The quota of a tenant that sets none: the values each field of `quota` defaults to. */
  public static readonly DEFAULT_QUOTA = DEFAULT_TENANT_QUOTA;
  /** The LimitRange of a tenant that sets none: the values each field of `limitRange` defaults to. */
  public static readonly DEFAULT_LIMIT_RANGE = DEFAULT_TENANT_LIMIT_RANGE;
  /** The namespaces no tenant may take: Kubernetes' own. */
  public static readonly RESERVED_NAMESPACES = RESERVED_NAMESPACES;

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
  /** The ResourceQuota of no pods at the system PriorityClasses. */
  public readonly systemPriorityQuota: k8s.KubeResourceQuota;
  /** The PriorityClasses the tenant's Spark pods may run at. */
  public readonly priorityClasses: readonly string[];
  /** The LimitRange; undefined when `limitRange` is false. */
  public readonly limitRange?: k8s.KubeLimitRange;
  /** The LimitRange's container defaults in parsed form; undefined when `limitRange` is false. */
  public readonly containerDefaults?: TenantContainerDefaults;

  private readonly problems: Problems;
  private readonly policies: k8s.KubeNetworkPolicy[] = [];
  private readonly secrets: string[] = [];
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
    this.priorityClasses = props.priorityClasses ?? [];

    problems.add(dnsLabelProblem(this.namespaceName, 'name'));
    problems.add(reservedNamespaceProblem(this.namespaceName, chartDeliveryOf(this), id));
    for (const [prop, account] of [['serviceAccountName', props.serviceAccountName], ['executorServiceAccountName', props.executorServiceAccountName]] as const) {
      if (account !== undefined) {
        // The admission policy compares accounts with namespace labels, so the name must be a label value too.
        problems.add(dnsSubdomainProblem(account, prop) ?? labelValueProblem(account, prop));
      }
    }
    this.priorityClasses.forEach((name, i) => {
      if (SYSTEM_PRIORITY_CLASSES.includes(name)) {
        problems.add(`priorityClasses[${i}] "${name}" is a class of Kubernetes itself, which would let the tenant's pods evict other teams' pods: remove it, or create a PriorityClass of the platform's own and list that`);
      } else {
        problems.add(dnsSubdomainProblem(name, `priorityClasses[${i}]`));
      }
    });
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
        // The admission policies read the classes the tenant's pods may use from here.
        annotations: this.priorityClasses.length > 0 ? { [PRIORITY_CLASSES_ANNOTATION]: this.priorityClasses.join(' ') } : undefined,
      },
    });

    const accounts = tenantAccounts(this, this, metadata);
    this.serviceAccount = accounts.serviceAccount;
    this.executorServiceAccount = accounts.executorServiceAccount;
    this.role = accounts.role;
    this.developerRole = accounts.developerRole;

    this.resourceQuota = tenantResourceQuota(this, metadata(`${this.namespaceName}-quota`), this.quota);
    this.systemPriorityQuota = systemPriorityQuota(this, metadata(`${this.namespaceName}-no-system-priority`));

    const limitRangeProps = props.limitRange ?? {};
    if (limitRangeProps !== false) {
      this.containerDefaults = parseContainerDefaults(problems, limitRangeProps, this.quota);
      this.limitRange = tenantLimitRange(this, metadata(`${this.namespaceName}-limits`), this.containerDefaults);
    }

    if (this.networkIsolation) {
      problems.addAll(apiServerProblems([...this.apiServer], 'apiServer'));
      this.policies.push(...isolationPolicies(this, this.namespaceName, this.apiServer, tenantLabels));
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

  /** The Secrets the tenant's Spark pods may read, in the order they were allowed. */
  public get jobSecrets(): readonly string[] {
    return [...this.secrets];
  }

  /**
   * Lets the tenant's Spark pods read a Secret of its namespace (as environment, volume or image
   * pull secret); add-ons use it for the keys they give the tenant's jobs. The admission policies
   * refuse every Secret not allowed here, so that a job cannot read what the namespace holds for
   * others (a History Server's keys, for example).
   */
  public allowJobSecret(name: string): void {
    this.problems.add(dnsSubdomainProblem(name, `allowJobSecret("${name}")`));
    if (!this.secrets.includes(name)) {
      this.secrets.push(name);
      this.namespace.metadata.addAnnotation(JOB_SECRETS_ANNOTATION, this.secrets.join(' '));
    }
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
      spec: ingressPolicySpec(rule),
    }));
  }

  private allowEgressTo(what: string, rule: TenantEgressRule): void {
    this.problems.addAll(egressProblems(rule, what));
    this.egressRules.push({ id: what, rule });
  }
}

const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';
