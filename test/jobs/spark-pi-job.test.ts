import { Testing } from 'cdk8s';
import { SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace } from '../../lib';
import { applicationResources } from '../../lib/jobs/spark-resources';
import { schemaErrors } from '../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

function tenant() {
  const { app, chart } = appWithChart();
  const alpha = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
  return { app, chart, alpha };
}

describe('SparkPiJob', () => {
  test('defaults (PySpark)', () => {
    const { chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.PYTHON });
    expect(ofKind(Testing.synth(chart), 'SparkApplication')).toMatchSnapshot();
  });

  test("PySpark: the seed's job on apache/spark:4.0.0 with pi.py from the image", () => {
    const { chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.PYTHON, name: 'pyspark-pi-test' });
    const [app] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(app.metadata).toEqual({ name: 'pyspark-pi-test', namespace: 'team-alpha' });
    expect(app.spec).toMatchObject({
      type: 'Python',
      pythonVersion: '3',
      mode: 'cluster',
      image: 'apache/spark:4.0.0',
      sparkVersion: '4.0.0',
      mainApplicationFile: 'local:///opt/spark/examples/src/main/python/pi.py',
      restartPolicy: { type: 'OnFailure', onFailureRetries: 0, onSubmissionFailureRetries: 5, onSubmissionFailureRetryInterval: 60 },
      driver: { cores: 1, coreLimit: '1200m', memory: '512m', serviceAccount: 'team-alpha-sa' },
      executor: { instances: 2, cores: 1, coreLimit: '1200m', memory: '512m' },
    });
    expect(app.spec.mainClass).toBeUndefined();
    for (const role of ['driver', 'executor']) {
      expect(app.spec[role].securityContext).toMatchObject({
        runAsNonRoot: true, runAsUser: 185, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(schemaErrors(app)).toEqual([]);
  });

  test('Scala: SparkPi from the examples jar of the image', () => {
    const { chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA, slices: 100 });
    const [app] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(app.metadata.name).toBe('spark-pi');
    expect(app.spec).toMatchObject({
      type: 'Scala',
      mainClass: 'org.apache.spark.examples.SparkPi',
      mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
      arguments: ['100'],
    });
    expect(schemaErrors(app)).toEqual([]);
  });

  test('a Spark 4 image gets its version and Scala 2.13 jar', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA, image: 'docker.io/library/spark:4.0.0' });
    const [doc] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(doc.spec.sparkVersion).toBe('4.0.0');
    expect(doc.spec.mainApplicationFile).toBe('local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar');
    expect(problemsOf(app)).toEqual([]);
  });

  test("the defaults fit the seed's quota with Spark's overhead", () => {
    const { alpha, chart } = tenant();
    const job = new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.PYTHON });
    const need = applicationResources(job.spec)!;
    expect(need.pods).toBe(3);
    expect(need.requestsCpu.toCpuString()).toBe('3');
    expect(need.limitsCpu?.toCpuString()).toBe('3600m');
    expect(need.requestsMemory.toMemoryString()).toBe(`${3 * 896}Mi`);
    expect(need.requestsMemory.isGreaterThan(alpha.quota.requestsMemory)).toBe(false);
  });

  test('sizes are overridable and still checked against the quota', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA, executor: { instances: 4, memory: '2g' } });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Pi\] driver \+ 4 executors exceed team-alpha's quota in 2 resources, requests\.cpu 5 \(allows 4\) and requests\.memory 10624Mi with Spark's memory overhead \(allows 8Gi\): lower executor\.instances to 3/),
    ]);
  });

  test('an image tag that disagrees with sparkVersion fails', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.PYTHON, image: 'apache/spark:4.0.0', sparkVersion: '4.0.1' });
    expect(problemsOf(app)).toEqual([
      '[test/Pi] sparkVersion 4.0.1 does not match image "apache/spark:4.0.0" (Spark 4.0.0): set sparkVersion to "4.0.0" or use the image "apache/spark:4.0.1"',
    ]);
  });

  test('a Spark 3 job fails: the operator submits with Spark 4', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA, image: 'apache/spark:3.5.0' });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Pi\] sparkVersion 3\.5\.0 is not a Spark 4\.x version: the operator submits every application with the spark-submit of Spark 4\.0\.0.*use a Spark 4\.0\.0 image, for example "apache\/spark:4\.0\.0"$/),
    ]);
  });

  test('an image without a version tag fails', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.PYTHON, image: 'apache/spark:latest' });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/Pi\] image "apache\/spark:latest" has no Spark version in its tag.*pin a tag such as "apache\/spark:4\.0\.0"/)]);
  });

  test('an examples jar of another Spark version fails', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA, mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.1.jar' });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Pi\] mainApplicationFile .*spark-examples_2\.13-4\.0\.1\.jar is the examples jar of Spark 4\.0\.1 .*but the image runs Spark 4\.0\.0.*: use local:\/\/\/opt\/spark\/examples\/jars\/spark-examples_2\.13-4\.0\.0\.jar/),
    ]);
  });

  test('a Scala job whose file is not an examples jar fails', () => {
    const { app, chart, alpha } = tenant();
    new SparkPiJob(chart, 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA, mainApplicationFile: 'local:///opt/app.jar' });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/is not a spark-examples_<scala>-<version>\.jar/)]);
  });

  test('the seed platform: one job per team, both watched, both fitting', () => {
    const { app, chart, alpha } = tenant();
    const beta = new TenantNamespace(chart, 'Beta', { name: 'team-beta' });
    new SparkOperatorRelease(chart, 'Operator', { tenants: [alpha, beta] });
    new SparkPiJob(chart, 'PyPi', { tenant: alpha, language: SparkPiLanguage.PYTHON, name: 'pyspark-pi-test' });
    new SparkPiJob(chart, 'ScalaPi', { tenant: beta, language: SparkPiLanguage.SCALA, name: 'spark-pi-test' });
    expect(problemsOf(app)).toEqual([]);
  });
});
