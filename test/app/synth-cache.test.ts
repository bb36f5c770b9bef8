import * as fs from 'fs';
import * as path from 'path';
import { REPO, run, SYNTH, tempProject } from '../support/project';

// scripts/synth.js keeps its bundle between runs, keyed on what it was built from; a change must
// never be missed, whatever the file times say.
const CACHE = path.join(REPO, 'node_modules', '.cache', 'spark-platform');

/** The cached bundle of the app in `dir`, found through the entry its manifest records. */
function bundleOf(dir: string): string {
  const entry = path.join(dir, 'main.ts');
  const manifest = fs.readdirSync(CACHE).filter((f) => f.endsWith('.inputs.json'))
    .find((f) => JSON.parse(fs.readFileSync(path.join(CACHE, f), 'utf8')).entry === entry);
  expect(manifest).toBeDefined();
  return path.join(CACHE, manifest!.slice(0, -'.inputs.json'.length));
}

/** An app whose tenant's CPU request comes from `./quota` (quota.ts, or quota/index.ts). */
const app = `
import { App, Chart } from 'cdk8s';
import { TenantNamespace } from './lib';
import { requestsCpu } from './quota';
const app = new App();
new TenantNamespace(new Chart(app, 'tenants'), 'team-alpha', { name: 'team-alpha', quota: { requestsCpu } });
app.synth();
`;
const quota = (requestsCpu: string) => `export const requestsCpu = '${requestsCpu}';\n`;

function quotaOf(dir: string): string {
  return /requests\.cpu: "?(\w+)"?/.exec(fs.readFileSync(path.join(dir, 'dist', 'tenants.k8s.yaml'), 'utf8'))![1];
}

function synth(dir: string): void {
  const result = run(dir, 'node', [SYNTH]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

// Each test builds a bundle (a second or more on a loaded machine).
jest.setTimeout(120_000);

describe('the synth cache', () => {
  test('a run with nothing changed skips the build; an edit rebuilds', () => {
    const dir = tempProject(app, undefined, { 'quota.ts': quota('2') });
    synth(dir);
    const bundle = bundleOf(dir);
    const built = fs.statSync(bundle).mtimeMs;
    synth(dir);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);
    fs.appendFileSync(path.join(dir, 'main.ts'), '\n// an edit\n');
    synth(dir);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
  });

  test('an edit of the same length whose modification time is restored (cp -p, rsync -t, tar) is synthesized', () => {
    // GIVEN an app synthesized with its cache, an input with a modification time of whole seconds
    const dir = tempProject(app, undefined, { 'quota.ts': quota('4') });
    const file = path.join(dir, 'quota.ts');
    const then = new Date(1_700_000_000_000);
    fs.utimesSync(file, then, then);
    synth(dir);
    synth(dir);
    expect(quotaOf(dir)).toBe('4');
    // WHEN one character of it changes and it gets its old modification time back
    fs.writeFileSync(file, quota('3'));
    fs.utimesSync(file, then, then);
    expect(fs.statSync(file).mtimeMs).toBe(then.getTime());
    // THEN the next synth writes the new value
    synth(dir);
    expect(quotaOf(dir)).toBe('3');
  });

  test('a new file that changes which module an import resolves to is synthesized', () => {
    // GIVEN `./quota` resolved to quota/index.ts
    const dir = tempProject(app, undefined, { 'quota/index.ts': quota('5') });
    synth(dir);
    synth(dir);
    expect(quotaOf(dir)).toBe('5');
    // WHEN quota.ts appears beside it, which the resolver takes first
    fs.writeFileSync(path.join(dir, 'quota.ts'), quota('6'));
    // THEN the next synth uses it
    synth(dir);
    expect(quotaOf(dir)).toBe('6');
  });

  test('a bundle built by another esbuild, another Node or another synth script is built again', () => {
    const dir = tempProject(app, undefined, { 'quota.ts': quota('7') });
    synth(dir);
    const bundle = bundleOf(dir);
    const manifest = `${bundle}.inputs.json`;
    const recorded = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    expect(recorded.esbuild).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version);
    expect(recorded.node).toBe(process.version);
    const script = recorded.files[SYNTH];
    expect(script.hash).toMatch(/^[0-9a-f]{64}$/);
    const olderScript = (m: any) => ({ ...m, files: { ...m.files, [SYNTH]: { signature: 'another file', hash: '0'.repeat(64) } } });
    for (const [what, edit] of [['esbuild', (m: any) => ({ ...m, esbuild: '0.1.0' })], ['Node', (m: any) => ({ ...m, node: 'v18.0.0' })], ['synth script', olderScript]] as const) {
      // WHEN its manifest says another esbuild, Node or synth script built it
      const built = fs.statSync(bundle).mtimeMs;
      fs.writeFileSync(manifest, JSON.stringify(edit(JSON.parse(fs.readFileSync(manifest, 'utf8')))));
      // THEN the next synth builds it again, and records the versions of this run
      synth(dir);
      expect({ what, rebuilt: fs.statSync(bundle).mtimeMs > built }).toEqual({ what, rebuilt: true });
      const now = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      expect(now).toMatchObject({ esbuild: recorded.esbuild, node: recorded.node });
      expect(now.files[SYNTH].hash).toBe(script.hash);
    }
    expect(quotaOf(dir)).toBe('7');
  });

  test('bundles of apps that no longer exist are dropped at the next build', () => {
    const gone = tempProject(app, undefined, { 'quota.ts': quota('1') });
    synth(gone);
    const stale = bundleOf(gone);
    fs.rmSync(gone, { recursive: true, force: true });
    const other = tempProject(app, undefined, { 'quota.ts': quota('2') });
    synth(other);
    expect(fs.existsSync(stale)).toBe(false);
  });
});
