import { Testing } from 'cdk8s';
import { ConcurrencyPolicy, DynamicAllocationProps, ScheduledSparkJob, ScheduledSparkJobProps, SparkJob, SparkJobBase, SparkPiJob, SparkPiLanguage, TenantNamespace } from '../../lib';
import { objectSchemaProblems } from '../../lib/core/schema';
import { capacityLines } from '../../lib/jobs/capacity';
import { cronScheduleProblem, timeZoneProblem } from '../../lib/jobs/cron';
import { sparkPiSpec } from '../../lib/jobs/spark-pi-job';
import { schemaErrors } from '../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

function tenantApp() {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
  return { app, chart, tenant };
}

describe('dynamic allocation', () => {
  test('typed props map to spec.dynamicAllocation, with shuffle tracking and executor.instances at the initial executors (operator 2.3.0 reads it, kubeflow/spark-operator#2832)', () => {
    const { app, chart, tenant } = tenantApp();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi', dynamicAllocation: { minExecutors: 1, initialExecutors: 2, maxExecutors: 3, shuffleTrackingTimeout: 60000 } });
    expect(problemsOf(app)).toEqual([]);
    const [job] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(job.spec.dynamicAllocation).toEqual({ enabled: true, minExecutors: 1, initialExecutors: 2, maxExecutors: 3, shuffleTrackingEnabled: true, shuffleTrackingTimeout: 60000 });
    // Spark starts max(min, initial, instances) = 2 executors either way (Utils.getDynamicAllocationInitialExecutors).
    expect(job.spec.executor.instances).toBe(2);
    expect(objectSchemaProblems(job)).toEqual([]);
    expect(schemaErrors(job)).toEqual([]);
  });

  test('the quota check and the capacity table count a dynamic job at maxExecutors', () => {
    const { chart, tenant } = tenantApp();
    const job = new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi', dynamicAllocation: { minExecutors: 1, maxExecutors: 3 } });
    expect(job.resources?.executors).toBe(3);
    const lines = capacityLines(chart);
    // A driver and 3 executors of 1 core (limit 1200m) and 512m + 384m overhead.
    expect(lines.find((l) => l.resource === 'requests.cpu')?.jobs).toBe('4');
    expect(lines.find((l) => l.resource === 'limits.cpu')?.jobs).toBe('4800m');
    expect(lines.find((l) => l.resource === 'requests.memory')?.jobs).toBe('3584Mi');
    expect(lines.find((l) => l.resource === 'pods')?.jobs).toBe('4');
  });

  test.each<[string, Partial<DynamicAllocationProps>, RegExp]>([
    ['over quota at maxExecutors', { maxExecutors: 4 }, /requests\.cpu: driver \+ 4 executors need 5; team-alpha allows 4 in total: lower cores\/coreRequest or dynamicAllocation\.maxExecutors/],
    ['no executor at all', { maxExecutors: 0 }, /dynamicAllocation\.maxExecutors 0 is not a whole number of at least 1: Spark refuses a job that may have no executor/],
    ['min above max', { minExecutors: 3, maxExecutors: 2 }, /dynamicAllocation\.minExecutors 3 is above maxExecutors 2, which Spark refuses/],
    ['initial below min', { minExecutors: 2, initialExecutors: 1, maxExecutors: 3 }, /dynamicAllocation\.initialExecutors 1 is below minExecutors 2: Spark needs min <= initial <= max/],
    ['initial above max', { initialExecutors: 3, maxExecutors: 2 }, /dynamicAllocation\.initialExecutors 3 is above maxExecutors 2/],
    ['a negative minimum', { minExecutors: -1, maxExecutors: 2 }, /dynamicAllocation\.minExecutors -1 is not a whole number of at least 0/],
    ['shuffle tracking off', { maxExecutors: 2, shuffleTrackingEnabled: false }, /dynamicAllocation\.shuffleTrackingEnabled is false: on Kubernetes there is no external shuffle service/],
    ['a timeout that is not milliseconds', { maxExecutors: 2, shuffleTrackingTimeout: 1.5 }, /dynamicAllocation\.shuffleTrackingTimeout 1\.5 is not a number of milliseconds/],
  ])('%s fails synth', (_, dynamicAllocation, message) => {
    const { app, chart, tenant } = tenantApp();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi', dynamicAllocation: dynamicAllocation as DynamicAllocationProps });
    expect(problemsOf(app).join('\n')).toMatch(message);
  });

  test('unbounded dynamic allocation (no maxExecutors) fails synth', () => {
    const { app, chart, tenant } = tenantApp();
    const spec = sparkPiSpec({ language: SparkPiLanguage.SCALA });
    new SparkJob(chart, 'Unbounded', { tenant, name: 'unbounded', spec: { ...spec, executor: { ...spec.executor, instances: undefined }, dynamicAllocation: { enabled: true, minExecutors: 1 } } });
    expect(problemsOf(app).join('\n')).toMatch(/\[test\/Unbounded\] dynamicAllocation\.maxExecutors is not set: with dynamic allocation on, Spark may ask for unbounded executors/);
  });

  test('executor.instances beside dynamic allocation, bounds without enabled, and the prop beside the spec field fail synth', () => {
    const { app, chart, tenant } = tenantApp();
    new SparkPiJob(chart, 'Both', { tenant, language: SparkPiLanguage.SCALA, name: 'both', executor: { instances: 2 }, dynamicAllocation: { maxExecutors: 2 } });
    const spec = sparkPiSpec({ language: SparkPiLanguage.SCALA });
    new SparkJob(chart, 'Off', { tenant, name: 'off', spec: { ...spec, dynamicAllocation: { maxExecutors: 2 } } });
    new SparkJob(chart, 'Twice', { tenant, name: 'twice', spec: { ...spec, executor: { ...spec.executor, instances: undefined }, dynamicAllocation: { enabled: true, maxExecutors: 2 } }, dynamicAllocation: { maxExecutors: 2 } });
    const problems = problemsOf(app).join('\n');
    expect(problems).toMatch(/\[test\/Both\] executor\.instances 2 is set beside dynamic allocation.*set dynamicAllocation\.initialExecutors/);
    expect(problems).toMatch(/\[test\/Off\] dynamicAllocation\.maxExecutors is set but dynamicAllocation\.enabled is not true, so the operator ignores it/);
    expect(problems).toMatch(/\[test\/Twice\] dynamicAllocation is set both as a prop and in spec\.dynamicAllocation/);
  });
});

/** A nightly SparkPi in team-alpha, with `props` over it. */
function scheduled(props: Partial<ScheduledSparkJobProps> = {}) {
  const { app, chart, tenant } = tenantApp();
  const job = new ScheduledSparkJob(chart, 'Nightly', {
    tenant,
    name: 'spark-pi-nightly',
    schedule: '0 2 * * *',
    timeZone: 'Europe/Berlin',
    concurrencyPolicy: ConcurrencyPolicy.FORBID,
    successfulRunHistoryLimit: 3,
    failedRunHistoryLimit: 5,
    spec: sparkPiSpec({ language: SparkPiLanguage.SCALA }),
    ...props,
  });
  return { app, chart, tenant, job };
}

describe('ScheduledSparkJob', () => {
  test('a ScheduledSparkApplication in the tenant with its schedule, policy and limits, valid against the upstream CRD', () => {
    const { app, chart, tenant, job } = scheduled();
    expect(problemsOf(app)).toEqual([]);
    const [object] = ofKind(Testing.synth(chart), 'ScheduledSparkApplication');
    expect(object.metadata).toEqual({ name: 'spark-pi-nightly', namespace: 'team-alpha' });
    expect(object.spec).toMatchObject({ schedule: '0 2 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid', successfulRunHistoryLimit: 3, failedRunHistoryLimit: 5 });
    expect(object).toMatchSnapshot();
    expect(objectSchemaProblems(object)).toEqual([]);
    expect(schemaErrors(object)).toEqual([]);
    expect(SparkJobBase.jobsIn(tenant)).toEqual([job]);
  });

  test('its template is the spec a one-off job of the same spec runs with: accounts, hardening, field for field', () => {
    const { chart, tenant } = scheduled({ timeZone: undefined });
    new SparkJob(chart, 'Once', { tenant, name: 'spark-pi-once', spec: sparkPiSpec({ language: SparkPiLanguage.SCALA }) });
    const docs = Testing.synth(chart);
    const [template] = ofKind(docs, 'ScheduledSparkApplication').map((s) => s.spec.template);
    const [oneOff] = ofKind(docs, 'SparkApplication');
    expect(template).toEqual(oneOff.spec);
    expect(template.driver.serviceAccount).toBe('team-alpha-sa');
    expect(template.executor.template.spec.automountServiceAccountToken).toBe(false);
    expect(ofKind(docs, 'ScheduledSparkApplication')[0].spec.timeZone).toBe('UTC');
  });

  test('the same checks as a one-off job: quota, with dynamic allocation at its maximum in the capacity table', () => {
    const { app, chart } = scheduled({ dynamicAllocation: { maxExecutors: 2 }, spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA, executor: {} }), executor: { cores: 1, coreLimit: '1200m', memory: '512m' } } });
    expect(problemsOf(app)).toEqual([]);
    expect(capacityLines(chart).find((l) => l.resource === 'pods')?.jobs).toBe('3');
    const over = scheduled({ dynamicAllocation: { maxExecutors: 9 }, spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA }), executor: { cores: 1, coreLimit: '1200m', memory: '512m' } } });
    expect(problemsOf(over.app).join('\n')).toMatch(/\[test\/Nightly\] driver \+ 9 executors exceed team-alpha's quota in 3 resources, requests\.cpu 10 \(allows 4\), .*: lower dynamicAllocation\.maxExecutors to 3/);
  });

  test.each<[string, Partial<ScheduledSparkJobProps>, RegExp]>([
    ['a six-field (seconds) schedule', { schedule: '0 0 2 * * *' }, /schedule "0 0 2 \* \* \*" has 6 fields, not 5 \(a seconds field is not accepted\): use five fields/],
    ['an hour out of range', { schedule: '0 24 * * *' }, /schedule "0 24 \* \* \*": the hour field "24" is outside 0-23/],
    ['an unknown descriptor', { schedule: '@fortnightly' }, /schedule "@fortnightly" is not a descriptor robfig\/cron knows/],
    ['@every without a duration', { schedule: '@every often' }, /schedule "@every often" has no positive Go duration after @every/],
    ['a time zone inside the schedule', { schedule: 'CRON_TZ=UTC 0 2 * * *' }, /names its time zone itself: set the timeZone prop/],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, /timeZone "Mars\/Olympus" is not a time zone of the IANA database: use an IANA time zone name/],
    ['an offset for a time zone', { timeZone: '+01:00' }, /timeZone "\+01:00" is not a time zone name/],
    ["the controller's local zone", { timeZone: 'Local' }, /timeZone "Local" is the zone of the operator's controller pod/],
    ['no concurrency policy (JavaScript)', { concurrencyPolicy: '' as ConcurrencyPolicy }, /concurrencyPolicy "" is not one the operator knows \(Allow, Forbid, Replace\): without one it starts only the first run/],
    ['a negative history limit', { failedRunHistoryLimit: -1 }, /failedRunHistoryLimit -1 is not a whole number of runs/],
    ['a name too long for its runs', { name: 'a'.repeat(44) }, /has 44 characters: the operator names each run "<name>-<19 digits>".*at most 43/],
    ["another tenant's queue in the template", { spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA }), batchSchedulerOptions: { queue: 'team-beta' } } }, /batchSchedulerOptions\.queue "team-beta" is not team-alpha's queue/],
  ])('%s fails synth', (_, props, message) => {
    expect(problemsOf(scheduled(props).app).join('\n')).toMatch(message);
  });
});

describe('schedules as robfig/cron reads them', () => {
  test.each(['0 2 * * *', '*/15 * * * *', '0 9-17 * * mon-fri', '30 6 1,15 * ?', '0 0 1 jan *', '@daily', '@midnight', '@every 1h30m', '@every 90s'])('%s is accepted', (schedule) => {
    expect(cronScheduleProblem(schedule)).toBeUndefined();
  });

  test.each(['', '* * * *', '60 * * * *', '0 0 0 * *', '0 0 * 13 *', '0 0 * * 7', '0 0 * * mon-sun-x', '5-1 * * * *', '*/0 * * * *', '@every 0s'])('%j is refused', (schedule) => {
    expect(cronScheduleProblem(schedule)).toEqual(expect.stringContaining(`schedule "${schedule}"`));
  });

  test('time zones Go loads pass, aliases included', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta', 'Etc/GMT+2']) {
      expect(timeZoneProblem(zone)).toBeUndefined();
    }
  });
});
