import { IConstruct } from 'constructs';
import { Quantity } from '../core/quantity';
import { SparkJobBase } from './spark-job-base';
import { TenantNamespace } from '../tenancy/tenant-namespace';

/** One line of the capacity table: a quota resource of a tenant against its pods' peak needs. */
export interface CapacityLine {
  readonly tenant: string;
  readonly resource: 'requests.cpu' | 'limits.cpu' | 'requests.memory' | 'limits.memory' | 'pods';
  readonly quota: string;
  /** What the platform's own pods in the tenant's namespace need (History Server, setup Jobs, ...). */
  readonly platform: string;
  /** What all the tenant's jobs need when they run at the same time. */
  readonly jobs: string;
  /** Quota less the platform's pods and the jobs; negative when they cannot all run at once. */
  readonly headroom: string;
  readonly overcommitted: boolean;
}

/** A pod the platform runs in a tenant's namespace besides its Spark jobs, and what it counts against the quota. */
export interface PlatformPod {
  /** What it is, for example `History Server spark-history-server`. */
  readonly what: string;
  readonly requestsCpu: Quantity;
  readonly limitsCpu: Quantity;
  readonly requestsMemory: Quantity;
  readonly limitsMemory: Quantity;
}

const PLATFORM_PODS = new WeakMap<TenantNamespace, PlatformPod[]>();

/**
 * Counts a pod of the platform (an add-on's server, a setup Job's pod) in the tenant's capacity
 * table, so that the headroom it shows is what the tenant's jobs really have.
 */
export function countPlatformPod(tenant: TenantNamespace, pod: PlatformPod): void {
  PLATFORM_PODS.set(tenant, [...(PLATFORM_PODS.get(tenant) ?? []), pod]);
}

/** The platform's pods counted in a tenant's namespace, in the order they were counted. */
export function platformPodsIn(tenant: TenantNamespace): readonly PlatformPod[] {
  return [...(PLATFORM_PODS.get(tenant) ?? [])];
}

/** Lists, per tenant under `scope`, each quota resource, what its declared jobs need together, and the headroom. */
export function capacityLines(scope: IConstruct): CapacityLine[] {
  const lines: CapacityLine[] = [];
  for (const tenant of scope.node.findAll().filter((c): c is TenantNamespace => c instanceof TenantNamespace)) {
    const jobs = SparkJobBase.jobsIn(tenant).map((j) => j.resources).filter((r) => r !== undefined);
    const sum = (pick: (r: (typeof jobs)[number]) => Quantity | undefined) => jobs.reduce((acc, r) => acc.plus(pick(r) ?? Quantity.ZERO), Quantity.ZERO);
    const platform = platformPodsIn(tenant);
    const own = (pick: (p: PlatformPod) => Quantity) => platform.reduce((acc, p) => acc.plus(pick(p)), Quantity.ZERO);
    const q = tenant.quota;
    const line = (resource: CapacityLine['resource'], quota: Quantity, byPlatform: Quantity, need: Quantity, print: (x: Quantity) => string): CapacityLine => ({
      tenant: tenant.namespaceName,
      resource,
      quota: print(quota),
      platform: print(byPlatform),
      jobs: print(need),
      headroom: print(quota.minus(byPlatform).minus(need)),
      overcommitted: byPlatform.plus(need).isGreaterThan(quota),
    });
    const cpu = (x: Quantity) => x.toCpuString();
    const memory = (x: Quantity) => x.toMemoryString();
    lines.push(
      line('requests.cpu', q.requestsCpu, own((p) => p.requestsCpu), sum((r) => r.requestsCpu), cpu),
      line('limits.cpu', q.limitsCpu, own((p) => p.limitsCpu), sum((r) => r.limitsCpu), cpu),
      line('requests.memory', q.requestsMemory, own((p) => p.requestsMemory), sum((r) => r.requestsMemory), memory),
      line('limits.memory', q.limitsMemory, own((p) => p.limitsMemory), sum((r) => r.limitsMemory), memory),
      line('pods', Quantity.of(q.pods), Quantity.of(platform.length), Quantity.of(jobs.reduce((n, r) => n + r.pods, 0)), (x) => String(x.units)),
    );
  }
  return lines;
}

/** Renders capacityLines as a plain-text table, with a note for tenants whose jobs cannot all run at once. */
export function capacityTable(scope: IConstruct): string {
  const lines = capacityLines(scope);
  const rows = [['TENANT', 'RESOURCE', 'QUOTA', 'PLATFORM', 'JOBS NEED', 'HEADROOM'], ...lines.map((l) => [l.tenant, l.resource, l.quota, l.platform, l.jobs, l.overcommitted ? `${l.headroom} (over)` : l.headroom])];
  // reduce, not Math.max(...rows): spreading one argument per row overflows the stack for large platforms.
  const widths = rows[0].map((_, i) => rows.reduce((width, r) => Math.max(width, r[i].length), 0));
  const text = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  const over = [...new Set(lines.filter((l) => l.overcommitted).map((l) => l.tenant))];
  if (over.length > 0) {
    text.push(`note: the jobs of ${over.join(', ')} fit one at a time but not all at once; those that start last are refused by the quota and resubmitted (5 times, about 15 minutes in all, with the platform's restart policy)`);
  }
  const counted = scope.node.findAll()
    .filter((c): c is TenantNamespace => c instanceof TenantNamespace && platformPodsIn(c).length > 0)
    .map((tenant) => `${tenant.namespaceName}: ${platformPodsIn(tenant).map((p) => p.what).join(', ')}`);
  if (counted.length > 0) {
    text.push(`note: PLATFORM counts the platform's own pods in each namespace (${counted.join('; ')})`);
  }
  return text.join('\n');
}
