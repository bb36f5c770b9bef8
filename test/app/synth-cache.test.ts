import * as fs from 'fs';
import * as path from 'path';
import { REPO, run, SYNTH, tempProject } from '../support/project';

// scripts/synth.js keeps its bundle between runs; a change must never be missed.
const CACHE = path.join(REPO, 'node_modules', '.cache', 'spark-platform');

/** The cached bundle of the app in `dir`, found through the entry its manifest records. */
function bundleOf(dir: string): string {
  const entry = path.join(dir, 'main.ts');
  const manifest = fs.readdirSync(CACHE).filter((f) => f.endsWith('.inputs.json'))
    .find((f) => JSON.parse(fs.readFileSync(path.join(CACHE, f), 'utf8')).entry === entry);
  expect(manifest).toBeDefined();
  return path.join(CACHE, manifest!.slice(0, -'.inputs.json'.length));
}
const app = (requestsCpu: string) => `
import { App, Chart } from 'cdk8s';
import { TenantNamespace } from './lib';
const app = new App();
new TenantNamespace(new Chart(app, 'tenants'), 'team-alpha', { name: 'team-alpha', quota: { requestsCpu: '${requestsCpu}' } });
app.synth();
`;

function quotaOf(dir: string): string {
  return /requests\.cpu: "?(\w+)"?/.exec(fs.readFileSync(path.join(dir, 'dist', 'tenants.k8s.yaml'), 'utf8'))![1];
}

describe('the synth caches', () => {
  test('an edit that keeps the file the same length is synthesized, not served from the cache', () => {
    // GIVEN an app synthesized once, so its bundle and code cache exist
    const dir = tempProject(app('4'));
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    expect(quotaOf(dir)).toBe('4');
    // WHEN one character changes
    fs.writeFileSync(path.join(dir, 'main.ts'), fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').replace("requestsCpu: '4'", "requestsCpu: '3'"));
    // THEN the next synth writes the new value
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    expect(quotaOf(dir)).toBe('3');
  });

  test('a run with nothing changed skips the build; an edit rebuilds', () => {
    const dir = tempProject(app('2'));
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    const bundle = bundleOf(dir);
    const built = fs.statSync(bundle).mtimeMs;
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);
    fs.appendFileSync(path.join(dir, 'main.ts'), '\n// an edit\n');
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
  });

  test('a bundle built by another version of Node is built again', () => {
    // GIVEN a bundle, whose build named the exports of that Node's crypto in it (scripts/bundle-rewrites.js)
    const dir = tempProject(app('5'));
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    const bundle = bundleOf(dir);
    const manifest = `${bundle}.inputs.json`;
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8')).node).toBe(process.version);
    const built = fs.statSync(bundle).mtimeMs;
    // WHEN its manifest says another Node built it
    fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), node: 'v18.0.0' }));
    // AND another app's bundle was built by an older synth, which recorded no Node
    const other = tempProject(app('6'));
    expect(run(other, 'node', [SYNTH]).status).toBe(0);
    const otherManifest = `${bundleOf(other)}.inputs.json`;
    const { node: _node, ...older } = JSON.parse(fs.readFileSync(otherManifest, 'utf8'));
    fs.writeFileSync(otherManifest, JSON.stringify(older));
    // THEN the next synth builds the first again, and records this Node
    expect(run(dir, 'node', [SYNTH]).status).toBe(0);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8')).node).toBe(process.version);
    expect(quotaOf(dir)).toBe('5');
    // AND drops the older synth's bundle, which no synth would use again
    expect(fs.existsSync(otherManifest)).toBe(false);
    expect(fs.existsSync(otherManifest.slice(0, -'.inputs.json'.length))).toBe(false);
  });

  test('bundles of apps that no longer exist are dropped at the next build', () => {
    const gone = tempProject(app('1'));
    expect(run(gone, 'node', [SYNTH]).status).toBe(0);
    const stale = bundleOf(gone);
    fs.rmSync(gone, { recursive: true, force: true });
    const other = tempProject(app('2'));
    expect(run(other, 'node', [SYNTH]).status).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
  });
});
