import { SparkApplicationSpec, SparkApplicationSpecType } from '../../imports/sparkoperator.k8s.io';
import { SparkJob, TenantNamespace } from '../../lib';
import { appWithChart, problemsOf } from '../support/synth';

// At synth, the pod fields the admission policy refuses on the cluster (docs/isolation.md) are
// reported under the job's path, each with its fix, and nothing is written.

function problemsWith(patch: (s: any) => void, priorityClasses?: string[]): string[] {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha', priorityClasses });
  const spec: any = {
    type: SparkApplicationSpecType.SCALA,
    sparkVersion: '4.0.0',
    image: 'apache/spark:4.0.0',
    mainClass: 'org.apache.spark.examples.SparkPi',
    mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
    driver: { cores: 1, coreLimit: '1', memory: '1g' },
    executor: { instances: 1, cores: 1, coreLimit: '1', memory: '1g' },
  };
  patch(spec);
  new SparkJob(chart, 'Job', { tenant, name: 'job', spec: spec as SparkApplicationSpec });
  return problemsOf(app);
}

test.each<[string, (s: any) => void, RegExp]>([
  ['a queue annotation', (s) => { s.executor.annotations = { 'scheduling.volcano.sh/queue-name': 'team-beta' }; }, /^\[test\/Job\] executor\.annotations\["scheduling\.volcano\.sh\/queue-name"\] is an annotation the scheduler.*: remove it/],
  ['a group-name annotation in a template', (s) => { s.driver.template = { metadata: { annotations: { 'scheduling.k8s.io/group-name': '' } } }; }, /^\[test\/Job\] driver\.template\.metadata\.annotations\["scheduling\.k8s\.io\/group-name"\]/],
  ['a scheduler name', (s) => { s.driver.schedulerName = 'default-scheduler'; }, /^\[test\/Job\] driver\.schedulerName "default-scheduler" may not be set: .*remove it$/],
  ['a system priority class', (s) => { s.executor.priorityClassName = 'system-node-critical'; }, /^\[test\/Job\] executor\.priorityClassName "system-node-critical" is not a class the tenant may use: leave it unset/],
  ['a PodGroup priority class', (s) => { s.batchSchedulerOptions = { priorityClassName: 'high' }; }, /^\[test\/Job\] batchSchedulerOptions\.priorityClassName "high" is not a class/],
  ['sparkConfigMap', (s) => { s.sparkConfigMap = 'conf'; }, /^\[test\/Job\] sparkConfigMap "conf" carries Spark and Hadoop settings past the conf allow-list/],
  ['hadoopConfigMap', (s) => { s.hadoopConfigMap = 'conf'; }, /^\[test\/Job\] hadoopConfigMap "conf"/],
  ['JAVA_TOOL_OPTIONS', (s) => { s.driver.env = [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dx' }]; }, /^\[test\/Job\] driver environment variable JAVA_TOOL_OPTIONS carries/],
  ['SPARK_CONF_DIR in envVars', (s) => { s.executor.envVars = { SPARK_CONF_DIR: '/tmp' }; }, /^\[test\/Job\] executor environment variable SPARK_CONF_DIR/],
  ['-Dspark.* in javaOptions', (s) => { s.driver.javaOptions = '-Dspark.master=local'; }, /^\[test\/Job\] driver\.javaOptions "-Dspark\.master=local" sets a -Dspark\.\* property.*for example "-XX:\+UseG1GC"$/],
  ['-Dspark.* in extraJavaOptions', (s) => { s.sparkConf = { 'spark.executor.extraJavaOptions': '-Dspark.x=y' }; }, /^\[test\/Job\] sparkConf\["spark\.executor\.extraJavaOptions"\] sets a -Dspark\.\* property/],
  ['a projected volume (which restricted admits)', (s) => { s.volumes = [{ name: 't', projected: { sources: [] } }]; }, /^\[test\/Job\] volumes\[0\] is a projected volume, which reaches past the pod: use emptyDir/],
])('%s is reported at synth', (_name, patch, message) => {
  // (A template of one's own also drops the hardened security context, which is reported besides.)
  const problems = problemsWith(patch).filter((p) => !p.includes('securityContext'));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(message);
});

test('a class the tenant was given, own annotations, env and JVM flags pass', () => {
  expect(problemsWith((s) => {
    s.driver.priorityClassName = 'batch-high';
    s.driver.annotations = { 'prometheus.io/scrape': 'true' };
    s.driver.env = [{ name: 'MY_SETTING', value: '1' }];
    s.executor.javaOptions = '-XX:+UseG1GC';
    s.volumes = [{ name: 'scratch', emptyDir: {} }];
  }, ['batch-high'])).toEqual([]);
});
