import * as fs from 'fs';
import * as path from 'path';
import { PlatformApp, Quantity, SparkJobBase } from '../../lib';
import { ROLLING_EVENT_LOG_CONF } from '../../lib/addons/storage/spark-history-server';
import { sparkPods } from '../../lib/jobs/spark-pods';
import { walkOperator } from '../../lib/operator/operator-path';
import { buildSeedPlatform } from '../../platform';
import { parseDocs, scratchDir } from '../support/project';

// Reads the table of docs/operator-contract.md: every field the seed writes has a row, and every
// row has a test here that checks the modelled behaviour on the seed's synthesized objects.

const DOC = fs.readFileSync(path.join(__dirname, '../../docs/operator-contract.md'), 'utf8');
/** The field patterns of each row: the backticked names of its first column. */
const ROWS: string[][] = DOC.split('\n')
  .filter((l) => l.startsWith('| `'))
  .map((l) => [...l.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));

const app = new PlatformApp({ outdir: scratchDir('contract-') });
buildSeedPlatform(app);
const docs = parseDocs(app.synthYaml());
const jobs = app.node.findAll().filter((c): c is SparkJobBase => c instanceof SparkJobBase);
const walks = jobs.map((job) => ({ job, spec: job.renderedSpec, walk: walkOperator({ name: job.name, namespace: job.tenant.namespaceName, spec: job.renderedSpec, batchSchedulerEnabled: true }) }));
const apps = docs.filter((d) => d.kind === 'SparkApplication');
const scheduled = docs.filter((d) => d.kind === 'ScheduledSparkApplication');
const specs = [...apps.map((a) => a.spec), ...scheduled.map((s) => s.spec.template)];
const args = (name: string) => walks.find((w) => w.job.name === name)!.walk.sparkSubmitArgs;
const index = (list: string[], prefix: string) => list.findIndex((a) => a.startsWith(prefix));

/** The fields the seed writes, as the table names them. */
function writtenFields(): string[] {
  const fields = new Set<string>();
  const nested = ['driver', 'executor', 'sparkConf', 'hadoopConf', 'batchSchedulerOptions', 'dynamicAllocation', 'restartPolicy'];
  for (const spec of specs) {
    for (const [k, v] of Object.entries(spec)) {
      if (nested.includes(k)) {
        Object.keys(v as object).forEach((kk) => fields.add(`${k}.${kk}`));
      } else {
        fields.add(k);
      }
    }
  }
  scheduled.forEach((s) => Object.keys(s.spec).forEach((k) => fields.add(`ScheduledSparkApplication.spec.${k}`)));
  docs.filter((d) => d.kind === 'Queue').forEach((q) => Object.keys(q.spec).forEach((k) => fields.add(`Queue.spec.${k}`)));
  return [...fields];
}

const matches = (pattern: string, field: string) => (pattern.endsWith('.*') ? field.startsWith(pattern.slice(0, -1)) : field === pattern);

const CHECKS: Record<string, () => void> = {
  type: () => {
    for (const { spec, walk } of walks) {
      expect(walk.sparkSubmitArgs[walk.sparkSubmitArgs.length - 1 - (spec.arguments?.length ?? 0)]).toBe(spec.mainApplicationFile);
    }
  },
  pythonVersion: () => expect(args('pyspark-pi-test')).toContain('spark.kubernetes.pyspark.pythonVersion=3'),
  mainClass: () => expect(args('spark-pi-test').slice(4, 6)).toEqual(['--class', 'org.apache.spark.examples.SparkPi']),
  mode: () => walks.forEach(({ walk }) => expect(walk.sparkSubmitArgs.slice(2, 4)).toEqual(['--deploy-mode', 'cluster'])),
  image: () => walks.forEach(({ walk, spec }) => {
    expect(index(walk.sparkSubmitArgs, 'spark.kubernetes.container.image=')).toBeLessThan(index(walk.sparkSubmitArgs, 'spark.eventLog.enabled='));
    expect(walk.sparkSubmitArgs).toContain(`spark.kubernetes.driver.container.image=${spec.image}`);
  }),
  imagePullPolicy: () => expect(args('spark-pi-test')).toContain('spark.kubernetes.container.image.pullPolicy=IfNotPresent'),
  mainApplicationFile: () => specs.forEach((s) => expect(s.mainApplicationFile).toMatch(/^local:\/\/\//)),
  arguments: () => {
    const w = walks.find((x) => x.job.name === 'flight-delays')!;
    expect(w.walk.sparkSubmitArgs.slice(-w.spec.arguments!.length)).toEqual(w.spec.arguments);
  },
  sparkVersion: () => walks.forEach(({ walk }) => {
    expect(walk.refused).toEqual([]);
    expect(walk.sparkSubmitArgs.some((a) => a.includes('mutated-by-spark-operator'))).toBe(false);
  }),
  'restartPolicy.*': () => specs.forEach((s) => expect(s.restartPolicy).toEqual({ type: 'OnFailure', onFailureRetries: 0, onSubmissionFailureRetries: 5, onSubmissionFailureRetryInterval: 60 })),
  'dynamicAllocation.*': () => expect(args('pyspark-pi-test')).toEqual(expect.arrayContaining(['spark.dynamicAllocation.enabled=true', 'spark.dynamicAllocation.minExecutors=1', 'spark.dynamicAllocation.maxExecutors=2', 'spark.dynamicAllocation.shuffleTracking.enabled=true'])),
  'executor.instances': () => walks.forEach(({ walk, spec }) => {
    expect(walk.nilDereferences).toEqual([]);
    expect(walk.sparkSubmitArgs).toContain(`spark.executor.instances=${spec.executor.instances}`);
  }),
  batchScheduler: () => walks.forEach(({ walk }) => expect(walk.podGroup).toBeDefined()),
  'batchSchedulerOptions.queue': () => walks.forEach(({ walk, job }) => expect(walk.podGroup).toMatchObject({ queue: job.tenant.namespaceName, minMember: 1, name: `spark-${job.name}-pg` })),
  'batchSchedulerOptions.resources': () => walks.forEach(({ walk, job, spec }) => {
    const r = job.resources!;
    expect(walk.podGroup!.minResources.memory.equals(r.driver.memoryRequest.plus(r.executor.memoryRequest.times(spec.executor.instances!)))).toBe(true);
  }),
  'driver.cores': () => walks.forEach(({ walk }) => expect(index(walk.sparkSubmitArgs, 'spark.driver.cores=')).toBeGreaterThan(index(walk.sparkSubmitArgs, 'spark.eventLog.enabled='))),
  'driver.coreLimit': () => walks.forEach(({ walk }) => expect(walk.sparkSubmitArgs).toContain('spark.kubernetes.driver.limit.cores=1200m')),
  'driver.memory': () => {
    // The same string means 512 MiB to Spark and 0.512 bytes to Kubernetes.
    expect(Quantity.parseSparkMemory('512m', 'm', () => undefined)!.mebibytes).toBe(512);
    expect(Quantity.parse('512m', 'm', () => undefined)!.isGreaterThan(Quantity.of(1))).toBe(false);
    walks.forEach(({ walk, spec }) => expect(walk.sparkSubmitArgs).toContain(`spark.executor.memory=${spec.executor.memory}`));
  },
  'driver.serviceAccount': () => walks.forEach(({ walk, job }) => expect(walk.sparkSubmitArgs).toContain(`spark.kubernetes.authenticate.driver.serviceAccountName=${job.tenant.serviceAccountName}`)),
  'driver.labels': () => expect(args('spark-pi-test')).toContain('spark.kubernetes.driver.label.version=4.0.0'),
  'driver.securityContext': () => specs.forEach((s) => sparkPods(s).forEach((p) => expect(p.pod.containers![0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false }))),
  'driver.template': () => walks.forEach(({ walk }) => expect(walk.sparkSubmitArgs).toContain('spark.kubernetes.executor.podTemplateContainerName=spark-kubernetes-executor')),
  'driver.env': () => walks.forEach(({ walk, spec }) => {
    expect(spec.driver.env!.every((e) => e.valueFrom?.secretKeyRef !== undefined)).toBe(true);
    expect(walk.sparkSubmitArgs.some((a) => a.includes('AWS_SECRET_ACCESS_KEY'))).toBe(false);
  }),
  'driver.configMaps': () => {
    const spec = walks.find((w) => w.job.name === 'flight-delays')!.spec;
    expect(sparkPods(spec).find((p) => p.role === 'driver')!.pod.volumes!.map((v) => v.name)).toContain('flight-delays-script-vol');
  },
  'sparkConf.*': () => walks.forEach(({ walk }) => {
    const a = walk.sparkSubmitArgs;
    expect(index(a, 'spark.kubernetes.namespace=')).toBeLessThan(index(a, 'spark.eventLog.dir='));
    expect(index(a, 'spark.eventLog.dir=')).toBeLessThan(index(a, 'spark.kubernetes.driver.pod.name='));
  }),
  'sparkConf.spark.eventLog.rolling.*': () => specs.forEach((s) => expect(s.sparkConf).toMatchObject(ROLLING_EVENT_LOG_CONF)),
  'hadoopConf.*': () => walks.forEach(({ walk }) => expect(walk.sparkSubmitArgs.some((a) => a.startsWith('spark.hadoop.fs.s3a.endpoint='))).toBe(true)),
  'ScheduledSparkApplication.spec.*': () => {
    const nightly = scheduled.find((s) => s.metadata.name === 'spark-pi-nightly')!;
    const run = walkOperator({ name: 'spark-pi-nightly-1700000000000000000', namespace: 'team-beta', labels: { 'sparkoperator.k8s.io/scheduled-app-name': 'spark-pi-nightly' }, spec: nightly.spec.template, batchSchedulerEnabled: true });
    expect(run.nilDereferences).toEqual([]);
    expect(run.podGroup!.name).toBe('spark-spark-pi-nightly-1700000000000000000-pg');
    expect(run.sparkSubmitArgs).toContain('spark.kubernetes.driver.label.sparkoperator.k8s.io/scheduled-app-name=spark-pi-nightly');
  },
  'Queue.spec.capability': () => {
    for (const q of docs.filter((d) => d.kind === 'Queue')) {
      const tenantJobs = walks.filter((w) => w.job.tenant.namespaceName === q.metadata.name);
      for (const { walk } of tenantJobs) {
        // A PodGroup whose minimum exceeds the capability would never be enqueued.
        expect(walk.podGroup!.minResources.memory.isGreaterThan(Quantity.parse(q.spec.capability.memory, 'm', () => undefined)!)).toBe(false);
      }
    }
  },
};
// Rows naming a driver field cover the executor's twin with the same test.
for (const f of ['cores', 'coreLimit', 'memory', 'serviceAccount', 'labels', 'securityContext', 'template', 'env']) {
  CHECKS[`executor.${f}`] = CHECKS[`driver.${f}`];
}

describe('docs/operator-contract.md', () => {
  test('the table has rows', () => expect(ROWS.length).toBeGreaterThan(20));

  test('every field the seed writes has a row', () => {
    const missing = writtenFields().filter((f) => !ROWS.some((row) => row.some((p) => matches(p, f))));
    expect(missing).toEqual([]);
  });

  test.each(ROWS.map((row) => [row.join(', '), row] as const))('row %s has a test, and it holds', (_, row) => {
    for (const pattern of row) {
      expect(Object.keys(CHECKS)).toContain(pattern);
      CHECKS[pattern]();
    }
  });
});
