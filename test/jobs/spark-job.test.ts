import { Chart, Testing } from 'cdk8s';
import { SparkApplicationSpec, SparkApplicationSpecType } from '../../imports/sparkoperator.k8s.io';
import { SparkJob, SparkOperatorRelease, TenantNamespace } from '../../lib';
import { capacityLines, capacityTable } from '../../lib/jobs/capacity';
import { applicationResources } from '../../lib/jobs/spark-resources';
import { HARDENED_SECURITY_CONTEXT } from '../../lib/jobs/spark-spec';
import { schemaErrors } from '../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

/** A Scala job of a driver and `instances` executors, each 1 core (limit 1) and `memory` of heap. */
function scalaSpec(overrides: Partial<SparkApplicationSpec> = {}, memory = '1g', instances = 2): SparkApplicationSpec {
  return {
    type: SparkApplicationSpecType.SCALA,
    sparkVersion: '4.0.0',
    image: 'apache/spark:4.0.0',
    mainClass: 'com.example.Main',
    mainApplicationFile: 'local:///opt/app/app.jar',
    driver: { cores: 1, coreLimit: '1', memory },
    executor: { instances, cores: 1, coreLimit: '1', memory },
    ...overrides,
  };
}

function platform(quota = {}) {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha', quota });
  return { app, chart, tenant };
}

describe('SparkJob', () => {
  test('defaults', () => {
    const { chart, tenant } = platform();
    new SparkJob(chart, 'Etl', { tenant, name: 'etl', spec: scalaSpec() });
    expect(ofKind(Testing.synth(chart), 'SparkApplication')).toMatchSnapshot();
  });

  test("runs in the tenant's namespace as its service account, hardened, valid against the upstream CRD", () => {
    const { chart, tenant } = platform();
    const job = new SparkJob(chart, 'Etl', { tenant, name: 'etl', spec: scalaSpec() });
    const [app] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(app.metadata).toEqual({ name: 'etl', namespace: 'team-alpha' });
    expect(app.spec.driver.serviceAccount).toBe('team-alpha-sa');
    expect(app.spec.driver.securityContext).toEqual(HARDENED_SECURITY_CONTEXT);
    expect(app.spec.executor.securityContext).toEqual(HARDENED_SECURITY_CONTEXT);
    expect(schemaErrors(app)).toEqual([]);
    expect(SparkJob.jobsIn(tenant)).toEqual([job]);
  });

  test("a tenant's jobs are those of its own app, in the order they were made", () => {
    const { app, chart, tenant } = platform();
    const later = new SparkJob(new Chart(app, 'later'), 'Etl', { tenant, name: 'later', spec: scalaSpec() });
    const first = new SparkJob(chart, 'Etl', { tenant, name: 'first', spec: scalaSpec() });
    // A job another app declares for this tenant is not among its jobs, nor in its capacity.
    const elsewhere = appWithChart();
    new SparkJob(elsewhere.chart, 'Stray', { tenant, name: 'stray', spec: scalaSpec() });
    const jobs = SparkJob.jobsIn(tenant);
    // Compared by identity: a deep comparison of two constructs walks their whole trees.
    expect(jobs.length).toBe(2);
    expect(jobs[0] === later && jobs[1] === first).toBe(true);
    // Each job is a driver and two executors.
    expect(capacityLines(app).find((l) => l.resource === 'pods')?.jobs).toBe('6');
  });

  test('an explicit security context is kept', () => {
    const { chart, tenant } = platform();
    const securityContext = { ...HARDENED_SECURITY_CONTEXT, runAsUser: 1000, runAsGroup: 1000 };
    new SparkJob(chart, 'Etl', { tenant, name: 'etl', spec: scalaSpec({ driver: { cores: 1, coreLimit: '1', securityContext } }) });
    expect(ofKind(Testing.synth(chart), 'SparkApplication')[0].spec.driver.securityContext).toEqual(securityContext);
  });
});

describe("Spark's pod sizing", () => {
  test('JVM jobs add max(384Mi, 10%) of memory overhead', () => {
    const small = applicationResources(scalaSpec({}, '512m', 1))!;
    expect(small.driver.memoryRequest.toMemoryString()).toBe('896Mi');
    const large = applicationResources(scalaSpec({}, '8g', 1))!;
    expect(large.driver.memoryRequest.toMemoryString()).toBe(`${8192 + 819}Mi`);
    expect(large.driver.memoryLimit.equals(large.driver.memoryRequest)).toBe(true);
  });

  test('Python jobs add 40% of memory overhead', () => {
    const python = applicationResources(scalaSpec({ type: SparkApplicationSpecType.PYTHON }, '2g', 1))!;
    expect(python.driver.memoryRequest.toMemoryString()).toBe(`${2048 + 819}Mi`);
  });

  test('memoryOverhead and memoryOverheadFactor override the rule', () => {
    expect(applicationResources(scalaSpec({ memoryOverheadFactor: '0.5' }, '2g', 1))!.driver.memoryRequest.toMemoryString()).toBe('3Gi');
    const explicit = scalaSpec({}, '2g', 1);
    const withOverhead = { ...explicit, driver: { ...explicit.driver, memoryOverhead: '1g' } };
    expect(applicationResources(withOverhead)!.driver.memoryRequest.toMemoryString()).toBe('3Gi');
  });

  test('totals count the driver and every executor; CPU requests come from coreRequest or cores', () => {
    const spec = scalaSpec({}, '1g', 3);
    const need = applicationResources({ ...spec, executor: { ...spec.executor, coreRequest: '500m' } })!;
    expect(need.pods).toBe(4);
    expect(need.requestsCpu.toCpuString()).toBe('2500m');
    expect(need.limitsCpu?.toCpuString()).toBe('4');
    expect(need.requestsMemory.toMemoryString()).toBe(`${4 * (1024 + 384)}Mi`);
  });

  test('dynamic allocation counts maxExecutors', () => {
    const need = applicationResources(scalaSpec({ dynamicAllocation: { enabled: true, maxExecutors: 5 } }))!;
    expect(need.executors).toBe(5);
    expect(need.pods).toBe(6);
  });

  test('executor.instances defaults to Spark\'s 2', () => {
    const spec = scalaSpec();
    expect(applicationResources({ ...spec, executor: { cores: 1, coreLimit: '1' } })!.executors).toBe(2);
  });
});

describe('admission checks', () => {
  test('a job that fits passes', () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Etl', { tenant, name: 'etl', spec: scalaSpec() });
    expect(problemsOf(app)).toEqual([]);
  });

  test('memory over the quota once Spark adds its overhead fails, naming the job and the fix', () => {
    // 3 pods x 2g heap = 6Gi fits 8Gi by heap alone, but 3 x (2048 + 384)Mi = 7296Mi ... and 3 x 2.5g does not.
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Big', { tenant, name: 'big', spec: scalaSpec({}, '2560m') });
    expect(problemsOf(app)).toEqual([
      '[test/Big] requests.memory: driver + 2 executors need 8832Mi with Spark\'s memory overhead; team-alpha allows 8Gi in total: lower memory or executor.instances, or raise the tenant\'s quota.requestsMemory',
    ]);
  });

  test('CPU requests and limits and pod count over the quota fail', () => {
    const { app, chart, tenant } = platform({ pods: 4 });
    new SparkJob(chart, 'Wide', { tenant, name: 'wide', spec: scalaSpec({}, '512m', 8) });
    const problems = problemsOf(app);
    // One cause, the job too big for its tenant: one message, with a fix that fits every resource.
    expect(problems).toEqual([
      "[test/Wide] driver + 8 executors exceed team-alpha's quota in 3 resources, requests.cpu 9 (allows 4), limits.cpu 9 (allows 8) and pods 9 (allows 4): "
        + "lower executor.instances to 3, or raise the tenant's quota.requestsCpu to at least 9, quota.limitsCpu to at least 9 and quota.pods to at least 9",
    ]);
  });

  test('memory limits over the quota fail', () => {
    const { app, chart, tenant } = platform({ limitsMemory: '8Gi', requestsMemory: '4Gi' });
    const spec = scalaSpec({}, '512m', 1);
    new SparkJob(chart, 'Capped', { tenant, name: 'capped', spec: { ...spec, driver: { ...spec.driver, memoryLimit: '8Gi' } } });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/Capped\] limits\.memory: driver \+ 1 executor need 9088Mi .* allows 8Gi/)]);
  });

  test('a missing coreLimit fails without a LimitRange because the quota sets limits.cpu', () => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha', limitRange: false });
    new SparkJob(chart, 'NoLimit', { tenant, name: 'no-limit', spec: scalaSpec({ driver: { cores: 1, memory: '512m' }, executor: { instances: 1, cores: 2, memory: '512m' } }) });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/NoLimit\] driver\.coreLimit is not set but team-alpha's ResourceQuota sets limits\.cpu, so the API server rejects the pod \(must specify limits\.cpu\): set driver\.coreLimit, for example "1"$/),
      expect.stringMatching(/^\[test\/NoLimit\] executor\.coreLimit is not set .*set executor\.coreLimit, for example "2"$/),
    ]);
  });

  test("with a LimitRange a missing coreLimit takes its default, which must not be below the pod's request", () => {
    const { app, chart, tenant } = platform();
    const job = new SparkJob(chart, 'NoLimit', { tenant, name: 'no-limit', spec: scalaSpec({ driver: { cores: 1, memory: '512m' }, executor: { instances: 1, cores: 2, memory: '512m' } }) });
    expect(problemsOf(app)).toEqual([
      '[test/NoLimit] executor.coreLimit is not set, so team-alpha\'s LimitRange gives the pod its default CPU limit 1, below its request 2, and the API server rejects it: set executor.coreLimit to at least "2"',
    ]);
    // The driver's default limit (1 CPU) is what the quota counts.
    expect(job.resources?.driver.cpuLimit?.toCpuString()).toBe('1');
  });

  test("a service account that is not the tenant's fails", () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Sa', { tenant, name: 'sa', spec: scalaSpec({ driver: { cores: 1, coreLimit: '1', serviceAccount: 'spark-operator-spark' } }) });
    expect(problemsOf(app)).toEqual([
      '[test/Sa] driver.serviceAccount "spark-operator-spark" is not team-alpha\'s driver account: team-alpha\'s drivers run as "team-alpha-sa" (the tenant\'s serviceAccountName), which is what the namespace admits; leave it unset or set "team-alpha-sa"',
    ]);
  });

  test('a tenant the operator does not watch fails', () => {
    const { app, chart, tenant } = platform();
    const other = new TenantNamespace(chart, 'Beta', { name: 'team-beta' });
    new SparkOperatorRelease(chart, 'Operator', { tenants: [other] });
    new SparkJob(chart, 'Lost', { tenant, name: 'lost', spec: scalaSpec() });
    expect(problemsOf(app)).toEqual([
      '[test/Lost] namespace team-alpha is not watched by the Spark operator (it watches team-beta), so the application would stay pending: add the tenant to SparkOperatorRelease\'s tenants',
    ]);
  });

  test("another app's operator is not this app's: a job is checked against the operators of its own app", () => {
    const elsewhere = platform();
    new SparkOperatorRelease(elsewhere.chart, 'Operator', { tenants: [new TenantNamespace(elsewhere.chart, 'Beta', { name: 'team-beta' })] });
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Solo', { tenant, name: 'solo', spec: scalaSpec() });
    expect(problemsOf(app)).toEqual([]);
    // In its own app, the same operator would leave the job unwatched.
    new SparkOperatorRelease(chart, 'Operator', { tenants: [new TenantNamespace(chart, 'Beta', { name: 'team-beta' })] });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/Solo\] namespace team-alpha is not watched by the Spark operator \(it watches team-beta\)/)]);
  });

  test('without an operator in the app the watch check does not apply', () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Solo', { tenant, name: 'solo', spec: scalaSpec() });
    expect(problemsOf(app)).toEqual([]);
  });

  test('an invalid or duplicate name fails', () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'One', { tenant, name: 'etl', spec: scalaSpec({}, '512m', 1) });
    new SparkJob(chart, 'Two', { tenant, name: 'etl', spec: scalaSpec({}, '512m', 1) });
    new SparkJob(chart, 'Bad', { tenant, name: 'ETL_Job', spec: scalaSpec({}, '512m', 1) });
    const problems = problemsOf(app);
    expect(problems).toEqual([
      // Reported once, at the second definition.
      expect.stringMatching(/^\[test\/Two\] name "etl" is used by another SparkApplication in namespace team-alpha \(test\/One\)/),
      expect.stringMatching(/^\[test\/Bad\] name "ETL_Job" is not a valid RFC 1123 label.*did you mean "etl-job"\?/),
    ]);
  });

  test('malformed Spark memory and unbounded dynamic allocation fail, every malformed value of a job reported', () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Mem', { tenant, name: 'mem', spec: scalaSpec({}, '1.5g') });
    new SparkJob(chart, 'Dyn', { tenant, name: 'dyn', spec: scalaSpec({ dynamicAllocation: { enabled: true } }) });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Mem\] driver\.memory "1\.5g" is not a Spark memory size/),
      expect.stringMatching(/^\[test\/Mem\] executor\.memory "1\.5g" is not a Spark memory size/),
      expect.stringMatching(/^\[test\/Dyn\] executor\.instances 2 is set beside dynamic allocation/),
      expect.stringMatching(/^\[test\/Dyn\] dynamicAllocation\.maxExecutors is not set/),
    ]);
  });

  test('all problems of all jobs are reported together', () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'A', { tenant, name: 'a', spec: scalaSpec({}, '4g') });
    new SparkJob(chart, 'B', { tenant, name: 'b', spec: scalaSpec({ driver: { cores: 2, memory: '512m', serviceAccount: 'x' } }, '512m') });
    const problems = problemsOf(app);
    expect(problems.filter((p) => p.startsWith('[test/A]')).length).toBeGreaterThan(0);
    expect(problems.filter((p) => p.startsWith('[test/B]')).length).toBe(2);
  });
});

describe('capacity table', () => {
  test('shows quota, what the jobs need together and the headroom per tenant', () => {
    const { chart, tenant } = platform();
    new SparkJob(chart, 'A', { tenant, name: 'a', spec: scalaSpec({}, '512m', 2) });
    new SparkJob(chart, 'B', { tenant, name: 'b', spec: scalaSpec({}, '512m', 1) });
    const lines = capacityLines(chart);
    expect(lines.find((l) => l.resource === 'requests.memory')).toEqual({
      tenant: 'team-alpha', resource: 'requests.memory', quota: '8Gi', platform: '0', jobs: `${5 * 896}Mi`, headroom: `${8192 - 5 * 896}Mi`, overcommitted: false,
    });
    expect(lines.find((l) => l.resource === 'pods')).toMatchObject({ quota: '10', jobs: '5', headroom: '5' });
    expect(capacityTable(chart)).toMatch(/^TENANT\s+RESOURCE\s+QUOTA\s+PLATFORM\s+JOBS NEED\s+HEADROOM\nteam-alpha\s+requests\.cpu\s+4\s+0\s+5\s+-1 \(over\)/);
    expect(capacityTable(chart)).toMatch(/note: the jobs of team-alpha fit one at a time but not all at once/);
  });
});
