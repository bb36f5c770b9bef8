import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export const REPO = path.resolve(__dirname, '..', '..');

/** One folder per test file for everything it writes; removed when the file's tests are done. */
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'spark-platform-test-'));
afterAll(() => fs.rmSync(SCRATCH, { recursive: true, force: true }));

/** A new empty folder under the test file's scratch folder, which is removed after its tests. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(SCRATCH, prefix));
}

/**
 * A throwaway cdk8s project whose main.ts (and other top-level `files`, such as platform.ts) use this
 * repo's lib/ and node_modules, so that tests run the real synth commands without touching the
 * repo's dist/.
 */
export function tempProject(mainTs: string, dist?: Record<string, string>, files: Record<string, string> = {}): string {
  const dir = scratchDir('project-');
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [name, source] of Object.entries({ ...files, 'main.ts': mainTs })) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    // The project's own lib/ is the repository's: `./lib` from its root, `../../lib` from pipelines/x/.
    fs.writeFileSync(path.join(dir, name), source.replace(/from '(\.\/|(\.\.\/)+)lib'/g, `from ${JSON.stringify(path.join(REPO, 'lib'))}`));
  }
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `language: typescript\napp: node ${JSON.stringify(path.join(REPO, 'scripts', 'synth.js'))}\noutput: .cdk8s.out\n`);
  if (dist) {
    fs.mkdirSync(path.join(dir, 'dist'));
    for (const [name, text] of Object.entries(dist)) {
      fs.writeFileSync(path.join(dir, 'dist', name), text);
    }
  }
  return dir;
}

/** Runs a command in `cwd` with the CDK8S_OUTDIR of an outer run removed. */
export function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const clean = { ...process.env };
  delete clean.CDK8S_OUTDIR;
  return spawnSync(command, args, { cwd, env: { ...clean, ...env }, encoding: 'utf8', timeout: 240_000 });
}

/** The objects of a multi-document YAML text, without empty documents. */
export function parseDocs(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d !== null);
}

/** The objects of every *.yaml file of a folder, files in name order (kubectl's apply order). */
export function folderDocs(dir: string): any[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parseDocs(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** The files of a folder, name to text. */
export function readDir(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

export const SYNTH = path.join(REPO, 'scripts', 'synth.js');
export const CDK8S = path.join(REPO, 'node_modules', '.bin', 'cdk8s');
