#!/usr/bin/env node
// Synthesizes the app in the current directory (main.ts, or the entry given as the first argument)
// into dist/ without type-checking on every run: esbuild bundles the app's own TypeScript (packages
// stay external) and Node runs the bundle. Type errors are caught by `npm test` and `npm run build`.
//
// The app synthesizes into a staging folder first; dist/ is replaced as a whole only when synth
// succeeded, so a failed synth (admission checks, bad props) leaves dist/ exactly as it was.
//
// The bundle is kept in node_modules/.cache/spark-platform/ with the list of its input files and
// rebuilt only when one of them changed, which saves esbuild's ~0.1 s on a run after no edit.
//
// Environment: SYNTH_DIST_DIR (default dist), CDK8S_OUTDIR (staging folder, default .cdk8s.out;
// `cdk8s synth` sets it), SYNTH_CACHE=0 (always rebuild), SYNTH_DEBUG=1 (stack traces mapped to
// the TypeScript sources).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = process.cwd();
const entry = path.resolve(root, process.argv[2] ?? 'main.ts');
const dist = path.resolve(root, process.env.SYNTH_DIST_DIR ?? 'dist');
// The cdk8s CLI captures the app's stdout and never shows it, so under it the report goes to stderr.
// The CLI is recognised by the variable it always sets for its apps.
const underCdk8sCli = process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const staging = path.resolve(root, process.env.CDK8S_OUTDIR ?? '.cdk8s.out');
const cacheDir = path.join(root, 'node_modules', '.cache', 'spark-platform');
const bundle = path.join(cacheDir, `${path.basename(entry, '.ts')}-${crypto.createHash('sha256').update(entry).digest('hex').slice(0, 12)}.js`);
const manifest = `${bundle}.inputs.json`;
const debug = Boolean(process.env.SYNTH_DEBUG);

/** What identifies a version of a file without reading it. */
function signature(file) {
  try {
    const s = fs.statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

function isFresh() {
  if (process.env.SYNTH_CACHE === '0' || !fs.existsSync(bundle)) {
    return false;
  }
  try {
    const { inputs } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    return Object.entries(inputs).every(([file, sig]) => signature(file) === sig);
  } catch {
    return false;
  }
}

function build() {
  const startedMs = Date.now();
  const result = require('esbuild').buildSync({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
  });
  // The sources, and what decides how they are built: this script and the TypeScript config.
  const files = [...Object.keys(result.metafile.inputs).map((f) => path.resolve(root, f)), __filename, path.join(root, 'tsconfig.json')];
  // A file written while esbuild read it may not be in the bundle: leave it marked stale.
  const inputs = Object.fromEntries(files.map((f) => [f, Number(signature(f).split(':')[0]) >= startedMs ? 'changed during the build' : signature(f)]));
  fs.writeFileSync(manifest, JSON.stringify({ entry, inputs }, null, 1));
}

/** Drops the bundles of entries that no longer exist (scratch apps of tests, renamed apps). */
function prune() {
  for (const file of fs.readdirSync(cacheDir).filter((f) => f.endsWith('.inputs.json'))) {
    try {
      const { entry: built } = JSON.parse(fs.readFileSync(path.join(cacheDir, file), 'utf8'));
      if (!fs.existsSync(built)) {
        const base = path.join(cacheDir, file.slice(0, -'.inputs.json'.length));
        for (const f of [base, `${base}.map`, `${base}.inputs.json`]) {
          fs.rmSync(f, { force: true });
        }
      }
    } catch {
      // A manifest being written by a concurrent synth; it is looked at again next time.
    }
  }
}

function replaceDir(from, to) {
  const next = `${to}.next`;
  const old = `${to}.old`;
  fs.rmSync(next, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
  fs.cpSync(from, next, { recursive: true });
  if (fs.existsSync(to)) {
    fs.renameSync(to, old);
  }
  fs.renameSync(next, to);
  fs.rmSync(old, { recursive: true, force: true });
}

function main() {
  if (staging === dist) {
    throw new Error('the staging folder must not be dist/: set "output" in cdk8s.yaml to a folder of its own, such as .cdk8s.out');
  }
  if (underCdk8sCli) {
    console.log = console.error;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.mkdirSync(cacheDir, { recursive: true });
  if (!isFresh()) {
    build();
    prune();
  }
  if (debug) {
    process.setSourceMapsEnabled(true);
  }
  process.env.CDK8S_OUTDIR = staging;
  require(bundle);
  replaceDir(staging, dist);
  const files = fs.readdirSync(dist).sort();
  console.log(`wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${path.relative(root, dist) || '.'}/: ${files.join(', ')}`);
}

try {
  main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`synth failed; ${path.relative(root, dist) || '.'}/ is unchanged.\n${message}`);
  if (debug && error instanceof Error) {
    console.error(error.stack);
  }
  process.exit(1);
}
