import { Quantity, SparkJobBase } from '../../lib';
import { walkOperator } from '../../lib/operator/operator-path';
import { buildSeedPlatform } from '../../platform';
import { testApp } from '../support/synth';

// Walks the seed's jobs through the model of operator 2.3.0 in lib/operator/operator-path.ts:
// the defaulting webhook (internal/webhook/sparkapplication_defaulter.go:62-104), the validator
// (internal/webhook/sparkapplication_validator.go:117-159), the Volcano scheduler
// (internal/scheduler/volcano/scheduler.go:158-215 with pkg/util/sparkapplication.go:386-472) and
// the spark-submit arguments (internal/controller/sparkapplication/submission.go:91-121).

function seedJobs(): SparkJobBase[] {
  const app = testApp();
  buildSeedPlatform(app);
  return app.node.findAll().filter((c): c is SparkJobBase => c instanceof SparkJobBase);
}

describe('operator 2.3.0 path of the seed jobs', () => {
  const jobs = seedJobs();

  test('the seed has five jobs: two SparkPi jobs, the nightly SparkPi and the pipeline job with its nightly run', () => {
    expect(jobs.map((j) => `${j.tenant.namespaceName}/${j.name}`).sort()).toEqual([
      'team-alpha/flight-delays', 'team-alpha/flight-delays-nightly', 'team-alpha/pyspark-pi-test', 'team-beta/spark-pi-nightly', 'team-beta/spark-pi-test',
    ]);
  });

  test.each(jobs.map((j) => [j.name, j] as const))('%s: no nil dereference, no refusal, a PodGroup in its own queue that counts real memory', (_, job) => {
    const spec = job.renderedSpec;
    const walk = walkOperator({ name: job.name, namespace: job.tenant.namespaceName, spec, batchSchedulerEnabled: true });
    expect(walk.nilDereferences).toEqual([]);
    expect(walk.refused).toEqual([]);
    expect(walk.podGroup).toMatchObject({ name: `spark-${job.name}-pg`, queue: job.tenant.namespaceName, minMember: 1 });
    // The minimum is heap plus overhead of the driver and the initial executors, not "512m" = 0.512 bytes.
    const r = job.resources!;
    const executors = spec.executor.instances!;
    expect(walk.podGroup!.minResources.memory.equals(r.driver.memoryRequest.plus(r.executor.memoryRequest.times(executors)))).toBe(true);
    expect(walk.podGroup!.minResources.memory.isGreaterThan(Quantity.mebibytes(512))).toBe(true);
    // submission.go order: namespace and image before sparkConf; the driver's and executor's confs after.
    const args = walk.sparkSubmitArgs;
    const at = (prefix: string) => args.findIndex((a) => a.startsWith(prefix));
    expect(at('spark.kubernetes.namespace=')).toBeLessThan(at('spark.eventLog.enabled='));
    expect(at('spark.eventLog.enabled=')).toBeLessThan(at('spark.driver.memory='));
    expect(args).toContain(`spark.kubernetes.namespace=${job.tenant.namespaceName}`);
    expect(args).toContain(`spark.kubernetes.driver.annotation.scheduling.k8s.io/group-name=spark-${job.name}-pg`);
    expect(args[args.length - 1 - (spec.arguments?.length ?? 0)]).toBe(spec.mainApplicationFile);
  });

  test('the dynamic-allocation job carries executor.instances, which the Volcano scheduler reads', () => {
    const job = jobs.find((j) => j.name === 'pyspark-pi-test')!;
    const walk = walkOperator({ name: job.name, namespace: 'team-alpha', spec: job.renderedSpec, batchSchedulerEnabled: true });
    expect(walk.sparkSubmitArgs).toEqual(expect.arrayContaining(['spark.executor.instances=1', 'spark.dynamicAllocation.enabled=true', 'spark.dynamicAllocation.maxExecutors=2']));
  });

  test('GIVEN dynamic allocation without executor.instances THEN the model reaches the nil dereference of kubeflow/spark-operator#2832', () => {
    const job = jobs.find((j) => j.name === 'pyspark-pi-test')!;
    const spec = { ...job.renderedSpec, executor: { ...job.renderedSpec.executor, instances: undefined } };
    const walk = walkOperator({ name: job.name, namespace: 'team-alpha', spec, batchSchedulerEnabled: true });
    expect(walk.nilDereferences).toEqual([expect.stringMatching(/sparkapplication\.go:468 dereferences \*Spec\.Executor\.Instances/)]);
    expect(walk.sparkSubmitArgs).toEqual([]);
  });

  test('GIVEN no batchSchedulerOptions.resources THEN the operator reads "512m" as a Kubernetes quantity: 0.512 bytes', () => {
    const job = jobs.find((j) => j.name === 'spark-pi-test')!;
    const spec = { ...job.renderedSpec, batchSchedulerOptions: { queue: 'team-beta' } };
    const walk = walkOperator({ name: job.name, namespace: 'team-beta', spec, batchSchedulerEnabled: true });
    // driver 512m + 2 executors x 512m = 1536 milli-bytes.
    expect(walk.podGroup!.minResources.memory.equals(Quantity.parse('1536m', 'm', () => undefined)!)).toBe(true);
  });

  test('GIVEN a node selector on the app and on the driver THEN the validator refuses it', () => {
    const job = jobs.find((j) => j.name === 'spark-pi-test')!;
    const spec = { ...job.renderedSpec, nodeSelector: { a: 'b' }, driver: { ...job.renderedSpec.driver, nodeSelector: { a: 'b' } } };
    expect(walkOperator({ name: job.name, namespace: 'team-beta', spec, batchSchedulerEnabled: true }).refused).toEqual([expect.stringMatching(/node selector cannot be defined at both/)]);
  });
});
