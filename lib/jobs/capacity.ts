import { IConstruct } from 'constructs';
import { Quantity } from '../core/quantity';
import { SparkJobBase } from './spark-job-base';
import { TenantNamespace } from '../tenancy/tenant-namespace';

/** One line of the capacity table: a quota resource of a tenant against its jobs' peak needs. */
export interface CapacityLine {
  readonly tenant: string;
  readonly resource: 'requests.cpu' | 'limits.cpu' | 'requests.memory' | 'limits.memory' | 'pods';
  readonly quota: string;
  /** What all the tenant's jobs need when they run at the same time. */
  readonly jobs: string;
  /** Quota less jobs; negative when the jobs cannot all run at once. */
  readonly headroom: string;
  readonly overcommitted: boolean;
}

/** Lists, per tenant under `scope`, each quota resource, what its declared jobs need together, and the headroom. */
export function capacityLines(scope: IConstruct): CapacityLine[] {
  const lines: CapacityLine[] = [];
  for (const tenant of scope.node.findAll().filter((c): c is TenantNamespace => c instanceof TenantNamespace)) {
    const jobs = SparkJobBase.jobsIn(tenant).map((j) => j.resources).filter((r) => r !== undefined);
    const sum = (pick: (r: (typeof jobs)[number]) => Quantity | undefined) => jobs.reduce((acc, r) => acc.plus(pick(r) ?? Quantity.ZERO), Quantity.ZERO);
    const q = tenant.quota;
    const line = (resource: CapacityLine['resource'], quota: Quantity, need: Quantity, print: (x: Quantity) => string): CapacityLine => ({
      tenant: tenant.namespaceName,
      resource,
      quota: print(quota),
      jobs: print(need),
      headroom: print(quota.minus(need)),
      overcommitted: need.isGreaterThan(quota),
    });
    const cpu = (x: Quantity) => x.toCpuString();
    const memory = (x: Quantity) => x.toMemoryString();
    lines.push(
      line('requests.cpu', q.requestsCpu, sum((r) => r.requestsCpu), cpu),
      line('limits.cpu', q.limitsCpu, sum((r) => r.limitsCpu), cpu),
      line('requests.memory', q.requestsMemory, sum((r) => r.requestsMemory), memory),
      line('limits.memory', q.limitsMemory, sum((r) => r.limitsMemory), memory),
      line('pods', Quantity.of(q.pods), Quantity.of(jobs.reduce((n, r) => n + r.pods, 0)), (x) => String(x.units)),
    );
  }
  return lines;
}

/** Renders capacityLines as a plain-text table, with a note for tenants whose jobs cannot all run at once. */
export function capacityTable(scope: IConstruct): string {
  const lines = capacityLines(scope);
  const rows = [['TENANT', 'RESOURCE', 'QUOTA', 'JOBS NEED', 'HEADROOM'], ...lines.map((l) => [l.tenant, l.resource, l.quota, l.jobs, l.overcommitted ? `${l.headroom} (over)` : l.headroom])];
  // reduce, not Math.max(...rows): spreading one argument per row overflows the stack for large platforms.
  const widths = rows[0].map((_, i) => rows.reduce((width, r) => Math.max(width, r[i].length), 0));
  const text = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  const over = [...new Set(lines.filter((l) => l.overcommitted).map((l) => l.tenant))];
  if (over.length > 0) {
    text.push(`note: the jobs of ${over.join(', ')} fit one at a time but not all at once; those that start last wait for quota`);
  }
  return text.join('\n');
}
