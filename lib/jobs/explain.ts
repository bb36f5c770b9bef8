import { IConstruct } from 'constructs';
import { Quantity } from '../core/quantity';
import { walkOperator } from '../operator/operator-path';
import { SparkOperatorRelease } from '../operator/spark-operator-release';
import { SparkJobBase } from './spark-job-base';
import { PodResources } from './spark-resources';

/** The name of the synth report that `spark-platform-synth --explain` prints. */
export const EXPLAIN_REPORT = 'explain';

/**
 * For each Spark job under `scope`: the spark-submit arguments operator 2.3.0 will run, the
 * PodGroup Volcano will get, and the driver and executor pods that will be created, with what they
 * cost against the tenant's ResourceQuota (lib/operator/operator-path.ts models the operator).
 */
export function explainJobs(scope: IConstruct): string {
  const jobs = scope.node.root.node.findAll().filter((c): c is SparkJobBase => c instanceof SparkJobBase);
  return jobs.map((job) => explainJob(job)).join('\n\n');
}

function explainJob(job: SparkJobBase): string {
  const ns = job.tenant.namespaceName;
  const scheduled = (job as { scheduledApplication?: unknown }).scheduledApplication !== undefined;
  // A scheduled job's runs are named `<name>-<unix nanoseconds>` (scheduledsparkapplication/controller.go:241).
  const name = scheduled ? `${job.name}-<unix-nanoseconds>` : job.name;
  const spec = job.renderedSpec;
  const batchSchedulerEnabled = SparkOperatorRelease.releasesOf(job).some((r) => (r.values.controller as { batchScheduler?: { enable?: boolean } } | undefined)?.batchScheduler?.enable === true);
  const walk = walkOperator({ name, namespace: ns, spec, batchSchedulerEnabled, ...(scheduled ? { labels: { 'sparkoperator.k8s.io/scheduled-app-name': job.name } } : {}) });
  const lines = [`${scheduled ? 'ScheduledSparkApplication' : 'SparkApplication'} ${ns}/${job.name}${scheduled ? ' (each run)' : ''}`];
  lines.push(...walk.refused.map((r) => `  refused by the operator's webhook: ${r}`), ...walk.nilDereferences.map((n) => `  never submitted: ${n}`));
  if (walk.sparkSubmitArgs.length > 0) {
    lines.push('  spark-submit (in the operator\'s controller):');
    for (let i = 0; i < walk.sparkSubmitArgs.length; i++) {
      const arg = walk.sparkSubmitArgs[i];
      const pair = arg.startsWith('--') && i + 1 < walk.sparkSubmitArgs.length;
      lines.push(`    ${pair ? `${arg} ${walk.sparkSubmitArgs[++i]}` : arg}`);
    }
  }
  const pg = walk.podGroup;
  lines.push(pg === undefined
    ? '  PodGroup: none (no batch scheduler)'
    : `  PodGroup ${pg.name}: queue ${pg.queue ?? 'default'}, minMember ${pg.minMember}, minResources ${Object.entries(pg.minResources).map(([k, q]) => `${k} ${k === 'cpu' ? q.toCpuString() : q.toMemoryString()}`).join(', ')}${pg.priorityClassName ? `, priorityClassName ${pg.priorityClassName}` : ''}`);
  const r = job.resources;
  if (r === undefined) {
    lines.push('  pods: not known (a resource value could not be read; see the problems)');
    return lines.join('\n');
  }
  const pod = (p: PodResources) => `cpu ${p.cpuRequest.toCpuString()} (limit ${p.cpuLimit?.toCpuString() ?? 'none'}), memory ${p.memoryRequest.toMemoryString()} (limit ${p.memoryLimit.toMemoryString()})`;
  const start = spec.executor.instances ?? r.executors;
  lines.push(`  pods: driver ${job.name}-driver: ${pod(r.driver)}`);
  lines.push(`        executors: ${start === r.executors ? r.executors : `${start} at start, up to ${r.executors}`} x ${pod(r.executor)}`);
  const q = job.tenant.quota;
  const cost = (what: string, need: Quantity | undefined, quota: Quantity, show: (x: Quantity) => string) => `${what} ${need === undefined ? 'n/a' : show(need)} of ${show(quota)}`;
  const cpu = (x: Quantity) => x.toCpuString();
  const mem = (x: Quantity) => x.toMemoryString();
  lines.push(`  quota of ${ns} at the job's peak: ${[
    cost('requests.cpu', r.requestsCpu, q.requestsCpu, cpu),
    cost('limits.cpu', r.limitsCpu, q.limitsCpu, cpu),
    cost('requests.memory', r.requestsMemory, q.requestsMemory, mem),
    cost('limits.memory', r.limitsMemory, q.limitsMemory, mem),
    `pods ${r.pods} of ${q.pods}`,
  ].join(', ')}`);
  return lines.join('\n');
}
