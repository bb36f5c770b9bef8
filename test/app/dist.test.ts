import * as path from 'path';
import { nameErrors, schemaErrors } from '../support/schemas';
import { parseDocs, readDir, REPO, run, scratchDir, SYNTH } from '../support/project';

// These tests run processes (synth, helm, npm, tsc, jest): a generous limit per test, so that a
// loaded machine makes them slower, never failed. They assert output, never duration.
jest.setTimeout(300_000);

const DIST = path.join(REPO, 'dist');
const committed = readDir(DIST);
const docs: any[] = Object.keys(committed).flatMap((file) =>
  parseDocs(committed[file]).map((d) => ({ ...d, __file: file })));
const strip = ({ __file, ...doc }: any) => doc;

describe('dist/', () => {
  test('is exactly what synth produces from main.ts', () => {
    const out = scratchDir('dist-sync-');
    const result = run(REPO, 'node', [SYNTH], { SYNTH_DIST_DIR: path.join(out, 'dist'), CDK8S_OUTDIR: path.join(out, 'staging') });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // If this fails, run `npm run synth` and commit dist/.
    expect(readDir(path.join(out, 'dist'))).toEqual(committed);
  });

  test('every object is valid against its upstream schema and has RFC 1123 names', () => {
    expect(docs.length).toBeGreaterThan(10);
    expect(docs.flatMap((d) => [...schemaErrors(strip(d)), ...nameErrors(d)])).toEqual([]);
  });

  test('holds only Kubernetes objects that kubectl apply accepts', () => {
    for (const file of Object.keys(committed)) {
      expect(file).toMatch(/^\d{4}-[a-z0-9-]+\.k8s\.yaml$/);
    }
    for (const doc of docs) {
      expect(typeof doc.apiVersion).toBe('string');
      expect(typeof doc.kind).toBe('string');
      expect(typeof doc.metadata.name).toBe('string');
    }
  });

  test('applying the files in name order creates every namespace before what lives in it, and jobs last', () => {
    const created = new Set<string>(['kube-system', 'default']);
    for (const doc of docs) {
      if (doc.metadata.namespace !== undefined) {
        expect(`${doc.kind}/${doc.metadata.name} in ${doc.metadata.namespace}: ${created.has(doc.metadata.namespace)}`).toMatch(/: true$/);
      }
      if (doc.kind === 'Namespace') {
        created.add(doc.metadata.name);
      }
    }
    const files = Object.keys(committed);
    // The files with SparkApplications (k3d/platform.sh applies them once the operator serves) come last:
    // the seed's jobs, then the data pipeline, whose loading Job and script go with its jobs.
    const jobFiles = [...new Set(docs.filter((d) => d.kind === 'SparkApplication').map((d) => d.__file))];
    expect(jobFiles).toEqual(['0002-spark-jobs.k8s.yaml', '0003-pipeline.k8s.yaml']);
    expect(files.slice(-jobFiles.length)).toEqual(jobFiles);
    expect(docs.filter((d) => d.__file === jobFiles[0]).every((d) => ['SparkApplication', 'ScheduledSparkApplication'].includes(d.kind))).toBe(true);
    expect(docs.filter((d) => d.__file === jobFiles[1]).map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'ConfigMap/flight-delays-script',
      'Job/flight-delays-load',
      'ScheduledSparkApplication/flight-delays-nightly',
      'SparkApplication/flight-delays',
    ]);
  });

  test("reproduces the seed: two teams, the operator watching both, a PySpark and a Scala SparkPi job", () => {
    const names = (kind: string) => docs.filter((d) => d.kind === kind).map((d) => `${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    expect(names('Namespace')).toEqual(expect.arrayContaining(['/team-alpha', '/team-beta', '/spark-operator']));
    expect(names('ServiceAccount')).toEqual(expect.arrayContaining(['team-alpha/team-alpha-sa', 'team-beta/team-beta-sa']));
    for (const team of ['team-alpha', 'team-beta']) {
      const quota = docs.find((d) => d.kind === 'ResourceQuota' && d.metadata.namespace === team);
      expect(quota.spec.hard).toEqual({ 'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi', 'pods': 10, 'requests.storage': '20Gi', 'persistentvolumeclaims': 10 });
    }
    const helmChart = docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === 'spark-operator');
    expect(helmChart.spec.version).toBe('2.3.0');
    expect(helmChart.spec.valuesContent).toMatch(/jobNamespaces:\n\s+- team-alpha\n\s+- team-beta/);
    const apps = docs.filter((d) => d.kind === 'SparkApplication');
    expect(apps.map((a) => [a.metadata.namespace, a.metadata.name, a.spec.type, a.spec.image, a.spec.driver.serviceAccount])).toEqual([
      ['team-alpha', 'pyspark-pi-test', 'Python', 'spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1', 'team-alpha-sa'],
      ['team-beta', 'spark-pi-test', 'Scala', 'spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1', 'team-beta-sa'],
      ['team-alpha', 'flight-delays', 'Python', 'spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1', 'team-alpha-sa'],
    ]);
  });
});
