import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { Problems } from '../core/problems';
import { Quantity } from '../core/quantity';

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
  /**
   * Total storage all persistent volume claims of the tenant may request (`requests.storage`),
   * on-demand claims of Spark pods among them.
   * @default '20Gi'
   */
  readonly requestsStorage?: string;
  /**
   * Number of persistent volume claims the tenant may have (`persistentvolumeclaims`).
   * @default 10
   */
  readonly persistentVolumeClaims?: number;
}

/** A tenant's quota in parsed form, for the checks of the constructs that run in the tenant. */
export interface TenantQuota {
  readonly requestsCpu: Quantity;
  readonly limitsCpu: Quantity;
  readonly requestsMemory: Quantity;
  readonly limitsMemory: Quantity;
  readonly pods: number;
  readonly requestsStorage: Quantity;
  readonly persistentVolumeClaims: number;
}

/** The seed platform's per-team quota. */
export const DEFAULT_TENANT_QUOTA: Required<TenantQuotaProps> = {
  requestsCpu: '4',
  limitsCpu: '8',
  requestsMemory: '8Gi',
  limitsMemory: '16Gi',
  pods: 10,
  requestsStorage: '20Gi',
  persistentVolumeClaims: 10,
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
 * The tenant's ResourceQuota: the compute its pods may request and use in total, and how many
 * pods it may run at once.
 */
export function tenantResourceQuota(scope: Construct, metadata: ApiObjectMetadata, quota: TenantQuota): k8s.KubeResourceQuota {
  return new k8s.KubeResourceQuota(scope, 'ResourceQuota', {
    metadata,
    spec: {
      hard: {
        'requests.cpu': k8s.Quantity.fromString(quota.requestsCpu.toCpuString()),
        'limits.cpu': k8s.Quantity.fromString(quota.limitsCpu.toCpuString()),
        'requests.memory': k8s.Quantity.fromString(quota.requestsMemory.toMemoryString()),
        'limits.memory': k8s.Quantity.fromString(quota.limitsMemory.toMemoryString()),
        'pods': k8s.Quantity.fromNumber(quota.pods),
        'requests.storage': k8s.Quantity.fromString(quota.requestsStorage.toMemoryString()),
        'persistentvolumeclaims': k8s.Quantity.fromNumber(quota.persistentVolumeClaims),
      },
    },
  });
}

/**
 * PriorityClasses of Kubernetes itself, which the kubelet and the scheduler favour over every
 * other pod: a tenant's pod at one of them would evict other teams' pods.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
 */
export const SYSTEM_PRIORITY_CLASSES = ['system-node-critical', 'system-cluster-critical'];

/**
 * A ResourceQuota of no pods for the system PriorityClasses, so that the API server refuses any pod
 * of the tenant at one of them, whoever creates it (the operator's controller included). A quota
 * counts only the pods its scope selector matches.
 * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/#resource-quota-per-priorityclass
 */
export function systemPriorityQuota(scope: Construct, metadata: ApiObjectMetadata): k8s.KubeResourceQuota {
  return new k8s.KubeResourceQuota(scope, 'SystemPriorityQuota', {
    metadata,
    spec: {
      hard: { pods: k8s.Quantity.fromNumber(0) },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: SYSTEM_PRIORITY_CLASSES }] },
    },
  });
}

/**
 * The tenant's LimitRange. With limits.cpu and limits.memory in the quota, a pod without limits is
 * rejected; the defaults let such pods (a debugging pod, a team's helper) run, counted against the
 * quota.
 */
export function tenantLimitRange(scope: Construct, metadata: ApiObjectMetadata, d: TenantContainerDefaults): k8s.KubeLimitRange {
  return new k8s.KubeLimitRange(scope, 'LimitRange', {
    metadata,
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

/** The container defaults in parsed form; a malformed prop is recorded and takes its default. */
export function parseContainerDefaults(problems: Problems, props: TenantLimitRangeProps, quota: TenantQuota): TenantContainerDefaults {
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

/** The quota in parsed form; a malformed prop is recorded and takes the seed's value. */
export function parseQuota(problems: Problems, props: TenantQuotaProps): TenantQuota {
  const quantity = (key: Exclude<keyof TenantQuotaProps, 'pods' | 'persistentVolumeClaims'>) => parseOrDefault(problems, props[key], DEFAULT_TENANT_QUOTA[key], `quota.${key}`);
  const count = (key: 'pods' | 'persistentVolumeClaims', what: string) => {
    const value = props[key] ?? DEFAULT_TENANT_QUOTA[key];
    if (Number.isInteger(value) && value >= 0) {
      return value;
    }
    problems.add(`quota.${key} ${value} is not a whole number of ${what}: use an integer of 0 or more, for example ${DEFAULT_TENANT_QUOTA[key]}`);
    return DEFAULT_TENANT_QUOTA[key];
  };
  const quota: TenantQuota = {
    requestsCpu: quantity('requestsCpu'),
    limitsCpu: quantity('limitsCpu'),
    requestsMemory: quantity('requestsMemory'),
    limitsMemory: quantity('limitsMemory'),
    pods: count('pods', 'pods'),
    requestsStorage: quantity('requestsStorage'),
    persistentVolumeClaims: count('persistentVolumeClaims', 'claims'),
  };
  const neverAbove = 'a pod\'s request never exceeds its limit';
  notAbove(problems, ['quota.requestsCpu', quota.requestsCpu], ['quota.limitsCpu', quota.limitsCpu], 'cpu', neverAbove, 'raise limitsCpu or lower requestsCpu');
  notAbove(problems, ['quota.requestsMemory', quota.requestsMemory], ['quota.limitsMemory', quota.limitsMemory], 'memory', neverAbove, 'raise limitsMemory or lower requestsMemory');
  return quota;
}
