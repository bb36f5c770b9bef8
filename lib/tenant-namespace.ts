import { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-30';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { dnsLabelProblem, dnsSubdomainProblem } from './names';
import { Problems } from './problems';
import { Quantity } from './quantity';

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
   * Extra labels for the Namespace object.
   * @default - only the tenant label
   */
  readonly labels?: Record<string, string>;
}

/**
 * One team of the Spark platform: its Namespace, the ServiceAccount its Spark drivers run as, a Role
 * and RoleBinding that give that account what a Spark driver and the team need in the namespace and
 * nothing more, and a ResourceQuota.
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

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    const problems = new Problems(this);
    this.namespaceName = props.name;
    this.serviceAccountName = props.serviceAccountName ?? `${props.name}-sa`;
    problems.add(dnsLabelProblem(this.namespaceName, 'name'));
    if (props.serviceAccountName !== undefined) {
      problems.add(dnsSubdomainProblem(props.serviceAccountName, 'serviceAccountName'));
    }
    this.quota = parseQuota(problems, props.quota ?? {});

    const labels = { [TENANT_LABEL]: this.namespaceName };
    const metadata = (name: string): ApiObjectMetadata => ({ name, namespace: this.namespaceName, labels });

    this.namespace = new kplus.Namespace(this, 'Resource', {
      metadata: { name: this.namespaceName, labels: { ...props.labels, ...labels } },
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
  }
}

function parseQuota(problems: Problems, props: TenantQuotaProps): TenantQuota {
  const quantity = (key: 'requestsCpu' | 'limitsCpu' | 'requestsMemory' | 'limitsMemory'): Quantity => {
    const value = props[key] ?? DEFAULT_TENANT_QUOTA[key];
    return problems.attempt(() => Quantity.parse(value, `quota.${key}`)) ?? Quantity.parse(DEFAULT_TENANT_QUOTA[key], key);
  };
  const pods = props.pods ?? DEFAULT_TENANT_QUOTA.pods;
  if (!Number.isInteger(pods) || pods < 0) {
    problems.add(`quota.pods ${pods} is not a whole number of pods: use an integer of 0 or more, for example 10`);
  }
  const quota: TenantQuota = {
    requestsCpu: quantity('requestsCpu'),
    limitsCpu: quantity('limitsCpu'),
    requestsMemory: quantity('requestsMemory'),
    limitsMemory: quantity('limitsMemory'),
    pods: Number.isInteger(pods) && pods >= 0 ? pods : DEFAULT_TENANT_QUOTA.pods,
  };
  if (quota.requestsCpu.isGreaterThan(quota.limitsCpu)) {
    problems.add(`quota.requestsCpu ${quota.requestsCpu.toCpuString()} is more than quota.limitsCpu ${quota.limitsCpu.toCpuString()}: a pod's CPU request never exceeds its limit, so raise limitsCpu or lower requestsCpu`);
  }
  if (quota.requestsMemory.isGreaterThan(quota.limitsMemory)) {
    problems.add(`quota.requestsMemory ${quota.requestsMemory.toMemoryString()} is more than quota.limitsMemory ${quota.limitsMemory.toMemoryString()}: a pod's memory request never exceeds its limit, so raise limitsMemory or lower requestsMemory`);
  }
  return quota;
}
