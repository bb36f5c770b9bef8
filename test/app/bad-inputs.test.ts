import * as path from 'path';
import { readDir, run, SYNTH, tempProject } from '../support/project';

// These tests run processes (synth, helm, npm, tsc, jest): a generous limit per test, so that a
// loaded machine makes them slower, never failed. They assert output, never duration.
jest.setTimeout(300_000);

// Every class of bad input that the API server, the operator install or Spark would reject or break
// on fails synth, naming the construct, the field, the value and the fix, and leaves dist/ exactly
// as it was. The classes are declared side by side in one app, as a user's mistakes would be, and
// synthesized with the real command; each class has its own construct, so its message is the one
// that names it.

const previous = { '0000-old.k8s.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n' };

const job = (overrides: string, jobName: string, tenant = 'alpha') => `new SparkJob(jobs, '${jobName}', { tenant: ${tenant}, name: '${jobName}', spec: { ...good, ${overrides} } as any });`;

const brokenMain = `
import { Chart } from 'cdk8s';
import { PlatformApp, SparkJob, SparkOperatorRelease, TenantNamespace } from './lib';
const app = new PlatformApp();
const tenants = new Chart(app, 'tenants');
const alpha = new TenantNamespace(tenants, 'alpha', { name: 'team-alpha' });
const labelled = new TenantNamespace(tenants, 'labelled', { name: 'team-labelled', labels: { 'Team Owner': 'x', owner: 'data eng' } });
new TenantNamespace(tenants, 'system', { name: 'kube-system' });
new TenantNamespace(tenants, 'default', { name: 'default' });
new TenantNamespace(tenants, 'public', { name: 'kube-public' });
new TenantNamespace(tenants, 'lease', { name: 'kube-node-lease' });
new TenantNamespace(tenants, 'twice-1', { name: 'team-twice' });
new TenantNamespace(tenants, 'twice-2', { name: 'team-twice' });
const inOperator = new TenantNamespace(tenants, 'in-operator', { name: 'spark-operator' });
const operator = new Chart(app, 'operator');
new SparkOperatorRelease(operator, 'operator', { tenants: [alpha, labelled, inOperator], rawValues: { controller: { resources: { limits: { cpu: 'lots' } } } } });
new SparkOperatorRelease(operator, 'badly-named', { tenants: [], releaseName: 'Spark_Operator', namespace: 'Spark Operator', version: 'latest' });
const jobs = new Chart(app, 'jobs');
const good = {
  type: 'Scala', mode: 'cluster', image: 'apache/spark:4.0.0', sparkVersion: '4.0.0',
  mainClass: 'org.apache.spark.examples.SparkPi',
  mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
  restartPolicy: { type: 'Never' },
  driver: { cores: 1, coreLimit: '1', memory: '512m' },
  executor: { instances: 1, cores: 1, coreLimit: '1', memory: '512m' },
};
${job("executor: { ...good.executor, instances: 0 }", 'no-executors')}
${job("executor: { ...good.executor, instances: -1 }", 'negative-executors')}
${job("driver: { ...good.driver, cores: 0 }", 'no-cores')}
${job("driver: { ...good.driver, cores: 1.5, coreLimit: '2' }", 'fractional-cores')}
${job("type: 'Kotlin'", 'bad-type')}
${job("restartPolicy: { type: 'Sometimes' }", 'bad-restart')}
${job('mainApplicationFile: undefined', 'no-main-file')}
${job("driver: { ...good.driver, labels: { 'Team Name': 'a', stage: 'pre prod' } }", 'bad-labels')}
${job("driver: { ...good.driver, coreRequest: '1500m' }", 'request-above-limit')}
${job("executor: { ...good.executor, memory: '1g', memoryLimit: '1Gi' }", 'memory-limit-below-request')}
${job("driver: { ...good.driver, memory: '0' }", 'zero-memory')}
${job('mainClass: undefined', 'no-main-class')}
app.synth();
`;

const expected: [string, RegExp][] = [
  ['CRD minimum: executor instances 0', /\[jobs\/no-executors\] SparkApplication team-alpha\/no-executors: spec\.executor\.instances 0 is below the minimum 1 of the SparkApplication CRD \(upstream\/spark-operator-2\.3\.0\/sparkoperator\.k8s\.io_sparkapplications\.yaml\): use 1 or more/],
  ['CRD minimum: executor instances -1', /\[jobs\/negative-executors\] .*spec\.executor\.instances -1 is below the minimum 1 .*: use 1 or more/],
  ['CRD minimum: driver cores 0', /\[jobs\/no-cores\] .*spec\.driver\.cores 0 is below the minimum 1 .*: use 1 or more/],
  ['CRD integer: cores 1.5', /\[jobs\/fractional-cores\] .*spec\.driver\.cores 1\.5 must be an integer .*: use a whole number/],
  ['CRD enum: type', /\[jobs\/bad-type\] .*spec\.type "Kotlin" is not one of "Java", "Python", "Scala", "R" .*: use one of them/],
  ['CRD enum: restartPolicy', /\[jobs\/bad-restart\] .*spec\.restartPolicy\.type "Sometimes" is not one of .*"Never".*: use one of them/],
  ['CRD required: mainApplicationFile', /\[jobs\/no-main-file\] mainApplicationFile is not set: .*set it/],
  ['label key syntax', /\[jobs\/bad-labels\] SparkApplication team-alpha\/bad-labels: spec\.driver\.labels key "Team Name" is not a valid label key: .*did you mean "Team-Name"\?/],
  ['label value syntax', /\[jobs\/bad-labels\] .*spec\.driver\.labels\["stage"\] value "pre prod" is not a valid label value: .*did you mean "pre-prod"\?/],
  ['namespace label key syntax', /\[tenants\/labelled\] labels key "Team Owner" is not a valid label key/],
  ['namespace label value syntax', /\[tenants\/labelled\] labels\["owner"\] value "data eng" is not a valid label value/],
  ['release name', /\[operator\/badly-named\/Resource\] releaseName "Spark_Operator" is not a valid Helm release name: .*for example "spark-operator"/],
  ['operator namespace', /\[operator\/badly-named(\/Resource)?\] namespace "Spark Operator" is not a valid RFC 1123 label: .*did you mean "spark-operator"\?/],
  ['chart version', /\[operator\/badly-named\/Resource\] version "latest" is not a chart version: pin the chart's semantic version/],
  ['operator values not quantities', /\[operator\/operator\] values\.controller\.resources\.limits\.cpu "lots" is not a Kubernetes quantity .*: use a number with an optional suffix/],
  ['request above limit: coreRequest > coreLimit', /\[jobs\/request-above-limit\] driver\.coreLimit 1 is below the pod's CPU request 1500m \(coreRequest\), .*: raise coreLimit to at least "1500m"/],
  ['memoryLimit below memory + overhead', /\[jobs\/memory-limit-below-request\] executor\.memoryLimit 1Gi is below the pod's memory request 1408Mi .*: raise memoryLimit to at least "1408Mi"/],
  ['driver memory 0', /\[jobs\/zero-memory\] driver\.memory "0" is below the 450m of heap Spark needs to start .*: use at least "512m"/],
  ['reserved namespace kube-system', /\[tenants\/system\] name "kube-system" is a namespace of Kubernetes itself, which a tenant may not take/],
  ['reserved namespace default', /\[tenants\/default\] name "default" is a namespace of Kubernetes itself/],
  ['reserved namespace kube-public', /\[tenants\/public\] name "kube-public" is a namespace of Kubernetes itself/],
  ['reserved namespace kube-node-lease', /\[tenants\/lease\] name "kube-node-lease" is a namespace of Kubernetes itself/],
  ["the operator's namespace", /\[operator\/operator\] tenant spark-operator is the operator's own namespace: .*give the tenant or the operator another namespace/],
  ['the same object twice: two tenants for one namespace', /\[tenants\/twice-2\] name "team-twice" is used by another Namespace \(tenants\/twice-1\), and applying both would silently keep only one: give each its own name, or define it once/],
  ['Scala job without mainClass', /\[jobs\/no-main-class\] mainClass is not set for a Scala application: .*set mainClass, for example "org\.apache\.spark\.examples\.SparkPi"/],
];

// Two operators for the same tenants: the second would silently unwatch tenants of the first.
const twoOperators = `
import { Chart } from 'cdk8s';
import { PlatformApp, SparkOperatorRelease, TenantNamespace } from './lib';
const app = new PlatformApp();
const chart = new Chart(app, 'platform');
const alpha = new TenantNamespace(chart, 'alpha', { name: 'team-alpha' });
const beta = new TenantNamespace(chart, 'beta', { name: 'team-beta' });
new SparkOperatorRelease(chart, 'first', { tenants: [alpha, beta] });
new SparkOperatorRelease(chart, 'second', { tenants: [beta] });
app.synth();
`;

describe('bad input', () => {
  let output: string;
  let dist: Record<string, string>;
  let status: number | null;

  beforeAll(() => {
    const dir = tempProject(brokenMain, previous);
    const result = run(dir, 'node', [SYNTH]);
    output = result.stdout + result.stderr;
    status = result.status;
    dist = readDir(path.join(dir, 'dist'));
  });

  test('fails synth with every problem at once and leaves dist/ byte-identical', () => {
    expect(status).toBe(1);
    expect(output).toMatch(/^synth failed; dist\/ is unchanged\.\nValidation failed with the following errors:\n/);
    expect(dist).toEqual(previous);
  });

  test.each(expected)('%s is named with its value and fix', (_name, pattern) => {
    expect(output).toMatch(pattern);
  });

  test('two operator releases for one tenant, under the same name, fail synth', () => {
    const dir = tempProject(twoOperators, previous);
    const result = run(dir, 'node', [SYNTH]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\[platform\/first\] namespace team-beta is also watched by the operator at platform\/second: two operators would both submit its applications/);
    expect(result.stderr).toMatch(/\[platform\/second\/Resource\] name "spark-operator" is used by another HelmChart in namespace kube-system \(platform\/first\/Resource\)/);
    expect(readDir(path.join(dir, 'dist'))).toEqual(previous);
  });
});
