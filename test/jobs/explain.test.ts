import * as fs from 'fs';
import * as path from 'path';
import { PlatformApp } from '../../lib';
import { explainJobs } from '../../lib/jobs/explain';
import { buildSeedPlatform } from '../../platform';
import { REPO, run, scratchDir, SYNTH, tempProject } from '../support/project';

describe('spark-platform-synth --explain', () => {
  const app = new PlatformApp({ outdir: scratchDir('explain-') });
  buildSeedPlatform(app);
  const text = explainJobs(app);

  test('GIVEN the seed THEN each of its five jobs is explained: spark-submit, PodGroup, pods and their cost against the quota', () => {
    const blocks = text.split('\n\n');
    expect(blocks.map((b) => b.split('\n')[0]).sort()).toEqual([
      'ScheduledSparkApplication team-alpha/flight-delays-nightly (each run)',
      'ScheduledSparkApplication team-beta/spark-pi-nightly (each run)',
      'SparkApplication team-alpha/flight-delays',
      'SparkApplication team-alpha/pyspark-pi-test',
      'SparkApplication team-beta/spark-pi-test',
    ]);
    const pyspark = blocks.find((b) => b.startsWith('SparkApplication team-alpha/pyspark-pi-test'))!;
    expect(pyspark).toContain('    --deploy-mode cluster');
    expect(pyspark).toContain('    --conf spark.executor.instances=1');
    // PySpark: 512m heap + max(384Mi, 0.4 x 512Mi) overhead = 896Mi per pod; driver + 1 initial executor.
    expect(pyspark).toContain('  PodGroup spark-pyspark-pi-test-pg: queue team-alpha, minMember 1, minResources cpu 2, memory 1792Mi');
    expect(pyspark).toContain('executors: 1 at start, up to 2 x cpu 1 (limit 1200m), memory 896Mi (limit 896Mi)');
    expect(pyspark).toMatch(/quota of team-alpha at the job's peak: requests\.cpu 3 of \d+, .*pods 3 of \d+/);
    const nightly = blocks.find((b) => b.includes('spark-pi-nightly'))!;
    expect(nightly).toContain('PodGroup spark-spark-pi-nightly-<unix-nanoseconds>-pg: queue team-beta');
    expect(text).not.toMatch(/never submitted|refused/);
  });

  test('GIVEN the CLI THEN --explain prints the walk and a plain synth does not', () => {
    const files = Object.fromEntries(['platform.ts', 'pipelines/flight-delays/pipeline.ts', 'pipelines/flight-delays/flight_delays.py']
      .map((f) => [f, fs.readFileSync(path.join(REPO, f), 'utf8')]));
    const dir = tempProject(fs.readFileSync(path.join(REPO, 'main.ts'), 'utf8'), undefined, files);
    const explained = run(dir, 'node', [SYNTH, '--explain']);
    expect(explained.status).toBe(0);
    expect(explained.stdout).toContain('PodGroup spark-pyspark-pi-test-pg: queue team-alpha');
    const plain = run(dir, 'node', [SYNTH]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).not.toContain('PodGroup');
    expect(plain.stdout).toContain('TENANT');
  });
});
