import { Chart, Testing } from 'cdk8s';
import { SparkJob, SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace, VolcanoScheduling } from '../../lib';
import { PLATFORM_RESTART_POLICY } from '../../lib/jobs/restart-policy';
import { sparkPiSpec } from '../../lib/jobs/spark-pi-job';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

// What the platform writes so that operator 2.3.0, Volcano 1.15.0 and Spark 4.0.0 run its jobs
// (issue: the seed runs on the real operator). Each behaviour cites the upstream lines it rests on.

function platform(volcano = true) {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
  const operator = new SparkOperatorRelease(chart, 'Operator', { tenants: [tenant] });
  if (volcano) {
    new VolcanoScheduling(new Chart(app, 'volcano'), 'Volcano', { operator });
  }
  return { app, chart, tenant };
}

describe('dynamic allocation under operator 2.3.0 (kubeflow/spark-operator#2832)', () => {
  test('GIVEN dynamic allocation without instances WHEN synthesized THEN executor.instances is the initial executors, which the Volcano scheduler dereferences', () => {
    const { app, chart, tenant } = platform();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.PYTHON, name: 'pyspark-pi', dynamicAllocation: { minExecutors: 1, maxExecutors: 2 } });
    expect(problemsOf(app)).toEqual([]);
    const [job] = ofKind(Testing.synth(chart), 'SparkApplication');
    // pkg/util/sparkapplication.go:468 reads *Spec.Executor.Instances; Spark starts max(1, 1, 1).
    expect(job.spec.executor.instances).toBe(1);
  });

  test('GIVEN a Volcano job that starts with 0 executors THEN synth refuses it with the reason and the upstream issue', () => {
    const { app, chart, tenant } = platform();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.PYTHON, name: 'pyspark-pi', dynamicAllocation: { maxExecutors: 2 } });
    const problems = problemsOf(app).join('\n');
    expect(problems).toMatch(/\[test\/Pi\] dynamicAllocation starts this job with 0 executors and Volcano schedules it: .*nil pointer.*https:\/\/github\.com\/kubeflow\/spark-operator\/issues\/2832.*CRD holds executor\.instances to 1 or more; set dynamicAllocation\.minExecutors or initialExecutors to 1 or more/);
  });

  test('GIVEN the same job without Volcano THEN it synthesizes, as the operator only dereferences instances for the batch scheduler', () => {
    const { app, chart, tenant } = platform(false);
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.PYTHON, name: 'pyspark-pi', dynamicAllocation: { maxExecutors: 2 } });
    expect(problemsOf(app)).toEqual([]);
    expect(ofKind(Testing.synth(chart), 'SparkApplication')[0].spec.executor.instances).toBeUndefined();
  });

  test('GIVEN executor.instances other than the initial executors THEN synth refuses it and names the fix', () => {
    const { app, chart, tenant } = platform();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi', executor: { instances: 2 }, dynamicAllocation: { minExecutors: 1, maxExecutors: 2 } });
    expect(problemsOf(app).join('\n')).toMatch(/executor\.instances 2 is set beside dynamic allocation, whose initial executors are 1: .*remove executor\.instances \(the platform sets it to 1\)/);
  });
});

describe('the PodGroup minimum (operator reads "512m" as 0.512 bytes)', () => {
  test('GIVEN a Volcano job THEN batchSchedulerOptions.resources holds the driver and initial executors at heap plus overhead', () => {
    const { app, chart, tenant } = platform();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi' });
    expect(problemsOf(app)).toEqual([]);
    const [job] = ofKind(Testing.synth(chart), 'SparkApplication');
    // A driver and 2 executors of 1 core and 512m + 384m overhead (JVM): 3 cores, 2688Mi.
    expect(job.spec.batchSchedulerOptions).toEqual({ queue: 'team-alpha', resources: { cpu: '3', memory: '2688Mi' } });
  });

  test('GIVEN a job without a batch scheduler THEN no PodGroup resources are written', () => {
    const { chart, tenant } = platform(false);
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi' });
    expect(ofKind(Testing.synth(chart), 'SparkApplication')[0].spec.batchSchedulerOptions).toBeUndefined();
  });
});

describe('the restart policy', () => {
  test('a failed submission (the quota refusing the driver) is retried 5 times with linear backoff; a failed run is final', () => {
    const { chart, tenant } = platform();
    new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, name: 'spark-pi' });
    const [job] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(job.spec.restartPolicy).toEqual({ type: 'OnFailure', onFailureRetries: 0, onSubmissionFailureRetries: 5, onSubmissionFailureRetryInterval: 60 });
    expect(PLATFORM_RESTART_POLICY.type).toBe('OnFailure');
  });
});

describe('dependencies spark-submit resolves in the operator controller', () => {
  test.each<[string, Record<string, string[]>, RegExp]>([
    ['an s3a:// jar', { jars: ['s3a://team-alpha/lib/udfs.jar'] }, /deps\.jars\[0\] "s3a:\/\/team-alpha\/lib\/udfs\.jar" is read by spark-submit, which operator 2\.3\.0 runs inside its controller .*no S3A client.*: put the file into the image and refer to it as local:\/\/\/\.\.\./],
    ['an s3a:// py file', { pyFiles: ['local:///opt/lib/a.py', 's3a://b/c.py'] }, /deps\.pyFiles\[1\] "s3a:\/\/b\/c\.py" is read by spark-submit/],
    ['a comma inside one entry', { files: ['local:///opt/a.txt,local:///etc/passwd'] }, /deps\.files\[0\] "local:\/\/\/opt\/a\.txt,local:\/\/\/etc\/passwd" contains a comma: the operator joins deps\.files with commas .*give each file its own entry/],
  ])('GIVEN %s THEN synth refuses it', (_, deps, message) => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Job', { tenant, name: 'job', spec: { ...sparkPiSpec({ language: SparkPiLanguage.PYTHON }), deps } });
    expect(problemsOf(app).join('\n')).toMatch(message);
  });

  test('GIVEN local:/// files of the image THEN the deps are accepted', () => {
    const { app, chart, tenant } = platform();
    new SparkJob(chart, 'Job', { tenant, name: 'job', spec: { ...sparkPiSpec({ language: SparkPiLanguage.PYTHON }), deps: { pyFiles: ['local:///opt/lib/a.py'], files: ['local:///opt/a.txt'] } } });
    expect(problemsOf(app)).toEqual([]);
  });
});
