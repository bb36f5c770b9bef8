import * as fs from 'fs';
import * as path from 'path';
import { folderDocs, parseDocs, REPO, run, scratchDir, SYNTH } from '../support/project';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { countObjects } = require('../../bench/bench.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CHART, helmBinary, writeEquivalentChart, writeValues, helmTemplate } = require('../../bench/helm.js');

// These tests run processes (synth, helm, npm, tsc, jest): a generous limit per test, so that a
// loaded machine makes them slower, never failed. They assert output, never duration.
jest.setTimeout(300_000);

const PLATFORM = path.join(REPO, 'bench', 'platform.ts');

/** Synthesizes the generated platform through scripts/synth.js into a fresh folder; returns it. */
function synthPlatform(env: Record<string, string>): { dist: string; stdout: string } {
  const out = scratchDir('bench-platform-');
  const dist = path.join(out, 'dist');
  const result = run(REPO, 'node', [SYNTH, PLATFORM], { ...env, SYNTH_DIST_DIR: dist, CDK8S_OUTDIR: path.join(out, 'staging') });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return { dist, stdout: result.stdout };
}

describe('the benchmark platform (bench/platform.ts)', () => {
  test('builds TENANTS tenants with JOBS_PER_TENANT jobs each that pass the admission checks and fit the quota together', () => {
    // WHEN a small platform is synthesized the way `npm run bench` does
    const { dist, stdout } = synthPlatform({ TENANTS: '3', JOBS_PER_TENANT: '5' });
    // THEN it has the seed's three files, three tenants and fifteen jobs
    const docs = folderDocs(dist);
    expect(fs.readdirSync(dist)).toEqual(['0000-tenants.k8s.yaml', '0001-spark-operator.k8s.yaml', '0002-spark-jobs.k8s.yaml']);
    expect(docs.filter((d) => d.kind === 'Namespace' && /^team-/.test(d.metadata.name)).map((d) => d.metadata.name)).toEqual(['team-0000', 'team-0001', 'team-0002']);
    expect(docs.filter((d) => d.kind === 'SparkApplication')).toHaveLength(15);
    // AND no tenant is overcommitted, so the capacity table has no note
    expect(stdout).toMatch(/team-0002\s+pods\s+10\s+0\s+10\s+0/);
    expect(stdout).not.toMatch(/^note:/m);
    // AND the bench counts every object
    expect(countObjects(dist)).toBe(docs.length);
  });
});

/** Every file under a folder, by its path relative to the folder. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('the Helm chart the benchmark times helm template with (bench/chart/, made by bench/helm.js)', () => {
  test('is what bench/helm.js makes of the platform today (else: npm run bench:chart)', () => {
    // GIVEN the chart made anew from the platform as it is now
    const fresh = path.join(scratchDir('bench-chart-'), 'chart');
    writeEquivalentChart(fresh, scratchDir('bench-chart-synth-'));
    // THEN the committed chart is the same, file by file
    expect(filesUnder(CHART)).toEqual(filesUnder(fresh));
    expect(Object.keys(filesUnder(CHART)).sort()).toEqual(['Chart.yaml', 'templates/jobs.yaml', 'templates/operator.yaml', 'templates/tenants.yaml', 'values.yaml']);
  });

  test('renders the same objects as synth of the platform, tenant lists and job numbers included', async () => {
    // GIVEN the platform synthesized for 3 tenants with 5 jobs each
    const { dist } = synthPlatform({ TENANTS: '3', JOBS_PER_TENANT: '5' });
    // WHEN helm renders the committed chart with the values of the same size
    const helm = await helmBinary();
    expect(helm).toBeDefined();
    const rendered = helmTemplate(helm, CHART, writeValues(CHART, scratchDir('bench-values-'), 3, 5));
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    // THEN both hold the same objects (helm orders them by kind, so they are compared by identity)
    const comparable = (docs: any[]) => docs.map((d) => (d.kind === 'HelmChart' ? { ...d, spec: { ...d.spec, valuesContent: parseDocs(d.spec.valuesContent)[0] } } : d))
      .sort((a, b) => `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.namespace}/${b.metadata.name}`));
    const fromHelm = comparable(parseDocs(rendered.stdout));
    const fromSynth = comparable(folderDocs(dist));
    expect(fromHelm).toHaveLength(fromSynth.length);
    expect(fromHelm.filter((d) => d.kind === 'SparkApplication')).toHaveLength(15);
    expect(fromHelm.filter((d) => d.kind === 'Namespace' && /^team-/.test(d.metadata.name))).toHaveLength(3);
    expect(fromHelm).toEqual(fromSynth);
  });
});
