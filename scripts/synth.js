#!/usr/bin/env node
// Synthesizes the app in the current directory (main.ts) into dist/ without type-checking on every
// run: esbuild bundles the app's own TypeScript (packages stay external) and Node runs it. Type
// errors are caught by `npm test` and `npm run build`.
//
// The app synthesizes into a staging folder first; dist/ is replaced as a whole only when synth
// succeeded, so a failed synth (admission checks, bad props) leaves dist/ exactly as it was.
'use strict';
const fs = require('fs');
const path = require('path');

const root = process.cwd();
const entry = path.resolve(root, process.argv[2] ?? 'main.ts');
const dist = path.resolve(root, process.env.SYNTH_DIST_DIR ?? 'dist');
// `cdk8s synth` passes its (already emptied) output folder; `npm run synth` uses the same one.
const staging = path.resolve(root, process.env.CDK8S_OUTDIR ?? '.cdk8s.out');
const bundle = path.join(root, 'node_modules', '.cache', 'spark-platform', `${path.basename(entry, '.ts')}.js`);

function build() {
  require('esbuild').buildSync({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
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
  if (path.resolve(staging) === dist) {
    throw new Error('the staging folder must not be dist/: set "output" in cdk8s.yaml to a folder of its own, such as .cdk8s.out');
  }
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  build();
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
  console.error(`synth failed; ${path.relative(root, dist)}/ is unchanged.\n${message}`);
  if (process.env.SYNTH_DEBUG && error instanceof Error) {
    console.error(error.stack);
  }
  process.exit(1);
}
