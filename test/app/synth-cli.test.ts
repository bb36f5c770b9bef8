import * as fs from 'fs';
import * as path from 'path';
import { CDK8S, readDir, REPO, run, SYNTH, tempProject } from '../support/project';

const seedMain = fs.readFileSync(path.join(REPO, 'main.ts'), 'utf8');
const seedPlatform = fs.readFileSync(path.join(REPO, 'platform.ts'), 'utf8');
/** The seed app's files besides main.ts: the platform and the data pipeline it enables. */
const seedFiles = Object.fromEntries(['platform.ts', 'pipelines/flight-delays/pipeline.ts', 'pipelines/flight-delays/flight_delays.py']
  .map((f) => [f, fs.readFileSync(path.join(REPO, f), 'utf8')]));

// A platform with three problems: a job too big for its quota, a job in a namespace the operator
// does not watch, and a quota typo.
const brokenMain = `
import { App, Chart } from 'cdk8s';
import { SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace } from './lib';
const app = new App();
const chart = new Chart(app, 'platform');
const alpha = new TenantNamespace(chart, 'team-alpha', { name: 'team-alpha' });
const beta = new TenantNamespace(chart, 'team-beta', { name: 'team-beta', quota: { limitsMemory: '16GB' } });
new SparkOperatorRelease(chart, 'operator', { tenants: [alpha] });
new SparkPiJob(chart, 'huge', { tenant: alpha, language: SparkPiLanguage.SCALA, executor: { memory: '6g' } });
new SparkPiJob(chart, 'lost', { tenant: beta, language: SparkPiLanguage.PYTHON });
app.synth();
`;

const previous = { '0000-old.k8s.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n' };

// Each test runs the synth command, which may build a bundle: seconds on a loaded machine.
jest.setTimeout(120_000);

/** A small valid app; `guarded` synthesizes only when run as the main module. */
const smallApp = (guarded: boolean) => `
import { App, Chart } from 'cdk8s';
import { TenantNamespace } from './lib';
export const app = new App();
new TenantNamespace(new Chart(app, 'tenants'), 'team-alpha', { name: 'team-alpha' });
${guarded ? 'if (require.main === module) {\n  app.synth();\n}' : 'app.synth();'}
`;

describe('the synth command', () => {
  test('runs the app as the main module: an app that synthesizes only when run (require.main guard) is synthesized', () => {
    const dir = tempProject(smallApp(true));
    const result = run(dir, 'node', [SYNTH]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readDir(path.join(dir, 'dist'))['tenants.k8s.yaml']).toMatch(/name: team-alpha/);
    // AND the same in SYNTH_DEBUG mode, which runs the unminified bundle
    fs.rmSync(path.join(dir, 'dist'), { recursive: true });
    expect(run(dir, 'node', [SYNTH], { SYNTH_DEBUG: '1' }).status).toBe(0);
    expect(Object.keys(readDir(path.join(dir, 'dist')))).toEqual(['tenants.k8s.yaml']);
  });

  test('--out into a folder whose parent does not exist creates it; one that cannot be made fails and says why', () => {
    const dir = tempProject(smallApp(false));
    const result = run(dir, 'node', [SYNTH, '--out', 'deploy/k8s']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/wrote 1 file to deploy\/k8s\/: tenants\.k8s\.yaml/);
    expect(Object.keys(readDir(path.join(dir, 'deploy', 'k8s')))).toEqual(['tenants.k8s.yaml']);
    // A file where a folder must go: no exit 0 with nothing written
    const blocked = run(dir, 'node', [SYNTH, '--out', 'main.ts/k8s']);
    expect(blocked.status).toBe(1);
    expect(blocked.stderr).toMatch(/^synth failed; main\.ts\/k8s\/ is unchanged\.\ncannot write main\.ts\/k8s\/: /m);
  });

  test.each([
    ['npm run synth (node scripts/synth.js)', () => ['node', [SYNTH]] as const],
    ['cdk8s synth', () => [CDK8S, ['synth', '--no-check-upgrade']] as const],
  ])('%s on a broken app exits non-zero, names every problem and its fix, and leaves dist/ byte-for-byte unchanged', (_name, command) => {
    const dir = tempProject(brokenMain, previous);
    const [bin, args] = command();
    const result = run(dir, bin, [...args]);
    expect(result.status).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/\[platform\/huge\] requests\.memory: driver \+ 2 executors need \d+Mi with Spark's memory overhead; team-alpha allows 8Gi in total: lower memory or executor\.instances/);
    expect(output).toMatch(/\[platform\/lost\] namespace team-beta is not watched by the Spark operator .*add the tenant to SparkOperatorRelease's tenants/);
    expect(output).toMatch(/\[platform\/team-beta\] quota\.limitsMemory "16GB" is not a Kubernetes quantity.*did you mean "16Gi"\?/);
    expect(readDir(path.join(dir, 'dist'))).toEqual(previous);
  });

  test('cdk8s synth of the seed app writes dist/ and prints the capacity table', () => {
    const dir = tempProject(seedMain, previous, seedFiles);
    const result = run(dir, CDK8S, ['synth', '--no-check-upgrade']);
    expect(result.stderr).not.toMatch(/failed/);
    expect(result.status).toBe(0);
    // The cdk8s CLI swallows its app's stdout, so the report comes on stderr.
    expect(result.stderr).toMatch(/team-alpha\s+requests\.memory\s+8Gi\s+2Gi\s+6272Mi\s+-128Mi \(over\)/);
    expect(result.stderr).toMatch(/wrote 7 files to dist\/: 0000-monitoring\.k8s\.yaml, 0000-tenants\.k8s\.yaml, 0000-volcano\.k8s\.yaml, 0001-object-storage\.k8s\.yaml, 0001-spark-operator\.k8s\.yaml, 0002-spark-jobs\.k8s\.yaml, 0003-pipeline\.k8s\.yaml/);
    expect(readDir(path.join(dir, 'dist'))).toEqual(readDir(path.join(REPO, 'dist')));
  });

  test('a type error does not stop synth (type-checking is npm test\'s job) but a runtime error does, with dist/ kept', () => {
    const dir = tempProject(`${seedMain}\nconst n: number = 'not a number' as unknown as number;\nif (process.env.BREAK) { throw new Error('boom ' + n); }\n`, previous, seedFiles);
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    fs.writeFileSync(path.join(dir, 'dist', '0000-old.k8s.yaml'), previous['0000-old.k8s.yaml']);
    for (const f of fs.readdirSync(path.join(dir, 'dist'))) {
      if (f !== '0000-old.k8s.yaml') fs.rmSync(path.join(dir, 'dist', f));
    }
    const broken = run(dir, 'node', [SYNTH], { BREAK: '1' });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/synth failed; dist\/ is unchanged\.\nboom/);
    expect(readDir(path.join(dir, 'dist'))).toEqual(previous);
  });

  test("adding a third tenant to the seed platform adds it to the operator's watched namespaces with no other edit", () => {
    const withGamma = seedPlatform.replace(
      "  new TenantNamespace(tenants, 'team-beta', { name: 'team-beta' }),\n",
      "  new TenantNamespace(tenants, 'team-beta', { name: 'team-beta' }),\n  new TenantNamespace(tenants, 'team-gamma', { name: 'team-gamma' }),\n",
    );
    expect(withGamma).not.toBe(seedPlatform);
    const dir = tempProject(seedMain, undefined, { ...seedFiles, 'platform.ts': withGamma });
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    const dist = readDir(path.join(dir, 'dist'));
    expect(dist['0001-spark-operator.k8s.yaml']).toMatch(/jobNamespaces:\n\s+- team-alpha\n\s+- team-beta\n\s+- team-gamma\n/);
    expect(dist['0000-tenants.k8s.yaml']).toMatch(/kind: Namespace\nmetadata:\n(.*\n)*? {2}name: team-gamma\n/);
  });
});
