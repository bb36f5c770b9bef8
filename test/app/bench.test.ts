import * as fs from 'fs';
import * as path from 'path';
import { folderDocs, REPO, run, scratchDir, SYNTH } from '../support/project';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { countObjects } = require('../../bench/bench.js');

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
    expect(stdout).toMatch(/team-0002\s+pods\s+10\s+10\s+0/);
    expect(stdout).not.toMatch(/^note:/m);
    // AND the bench counts every object
    expect(countObjects(dist)).toBe(docs.length);
  });
});
