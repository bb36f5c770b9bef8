#!/usr/bin/env node
// spark-platform-synth: synthesizes a cdk8s app safely, for this repo (`npm run synth`) and for any
// app built on the package (`npx spark-platform-synth`, or `app: npx spark-platform-synth` in the
// app's cdk8s.yaml).
//
//   spark-platform-synth [ENTRY] [--out DIR] [--bundle-packages]
//
//   ENTRY              the app's entry file (default main.ts)
//   --out DIR          where the manifests go (default dist, or SYNTH_DIST_DIR)
//   --bundle-packages  bundle the app's packages into the app too (faster; for apps that do not
//                      load files next to a package's code, as cdk8s's Include of a URL does)
//
// esbuild bundles the app without type-checking (type errors are `tsc`'s job; `npm test` here).
// The app synthesizes into a staging folder (CDK8S_OUTDIR, default .cdk8s.out; `cdk8s synth` sets
// it); the synth validates every object and every construct, and only when it succeeded is the
// output folder replaced as a whole. A failed synth leaves the output folder exactly as it was and
// prints every problem. After a successful synth the reports the app's constructs registered (the
// capacity table of the tenants' quotas) are printed; under the cdk8s CLI, which swallows an app's
// standard output, on standard error.
//
// The bundle is kept in node_modules/.cache/spark-platform/ with the list of its input files and
// rebuilt only when one of them changed. Environment: SYNTH_CACHE=0 (always rebuild), SYNTH_DEBUG=1
// (stack traces mapped to the TypeScript sources).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const USAGE = 'usage: spark-platform-synth [ENTRY] [--out DIR] [--bundle-packages]';

function parseArgs(argv) {
  const options = { entry: 'main.ts', out: process.env.SYNTH_DIST_DIR ?? 'dist', bundlePackages: process.env.SYNTH_BUNDLE_PACKAGES === '1' };
  let entrySet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') {
      options.out = argv[++i];
      if (options.out === undefined) {
        throw new Error(`--out needs a folder\n${USAGE}`);
      }
    } else if (arg === '--bundle-packages') {
      options.bundlePackages = true;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (!arg.startsWith('-') && !entrySet) {
      options.entry = arg;
      entrySet = true;
    } else {
      throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return options;
}

const root = process.cwd();
let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const entry = path.resolve(root, options.entry);
const dist = path.resolve(root, options.out);
// The cdk8s CLI captures the app's stdout and never shows it, so under it the reports go to stderr.
// The CLI is recognised by the variable it always sets for its apps.
const underCdk8sCli = process.env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
const staging = path.resolve(root, process.env.CDK8S_OUTDIR ?? '.cdk8s.out');
const cacheDir = path.join(root, 'node_modules', '.cache', 'spark-platform');
const key = crypto.createHash('sha256').update(`${entry}\n${options.bundlePackages}`).digest('hex').slice(0, 12);
const bundle = path.join(cacheDir, `${path.basename(entry, path.extname(entry))}-${key}.js`);
const manifest = `${bundle}.inputs.json`;
const debug = Boolean(process.env.SYNTH_DEBUG);
/** Where the library's constructs leave the reports to print after a synth (lib/core/app.ts). */
const REPORTS = Symbol.for('spark-platform.synth-reports');

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

/**
 * The library's precompiled validators stay out of the bundle: each is required from its own file
 * by absolute path when an object of its kind is first validated.
 */
const keepValidatorsOut = {
  name: 'validators-outside-the-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\/[^/]+\.js$/ }, (args) => (/[\\/]validators[\\/]index\.[jt]s$/.test(args.importer)
      ? { path: path.resolve(args.resolveDir, args.path), external: true }
      : undefined));
  },
};

/**
 * `__dirname` and `__filename` in the app's own files (not its packages) keep their meaning in the
 * bundle, so that an app can read files beside its sources (a PySpark script, say) wherever the
 * bundle runs from.
 */
const keepOwnPaths = {
  name: 'own-dirname-and-filename',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.split(path.sep).includes('node_modules')) {
        return undefined;
      }
      const text = fs.readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) {
        return undefined;
      }
      const ext = path.extname(args.path).slice(1);
      return {
        contents: text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path)),
        loader: ext.endsWith('ts') ? 'ts' : 'js',
      };
    });
  },
};

async function build() {
  const startedMs = Date.now();
  const esbuild = require('esbuild');
  // cdk8s brings its own copy of the `yaml` package; bundled, one copy serves both.
  let alias;
  try {
    alias = { yaml: path.dirname(require.resolve('yaml/package.json', { paths: [root] })) };
  } catch {
    alias = undefined;
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    packages: options.bundlePackages ? undefined : 'external',
    alias: options.bundlePackages ? alias : undefined,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
    plugins: [keepValidatorsOut, keepOwnPaths],
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

const shown = (dir) => path.relative(root, dir) || '.';

async function main() {
  if (staging === dist) {
    throw new Error('the staging folder must not be the output folder: set "output" in cdk8s.yaml to a folder of its own, such as .cdk8s.out');
  }
  if (!fs.existsSync(entry)) {
    throw new Error(`the app ${shown(entry)} does not exist: give the app's entry file, for example spark-platform-synth main.ts`);
  }
  if (underCdk8sCli) {
    console.log = console.error;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.mkdirSync(cacheDir, { recursive: true });
  if (!isFresh()) {
    await build();
    prune();
  }
  if (debug) {
    process.setSourceMapsEnabled(true);
  }
  process.env.CDK8S_OUTDIR = staging;
  require(bundle);
  replaceDir(staging, dist);
  for (const reports of (globalThis[REPORTS] ?? new Map()).values()) {
    for (const report of reports.values()) {
      console.log(report());
    }
  }
  const files = fs.readdirSync(dist).sort();
  console.log(`wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${shown(dist)}/: ${files.join(', ')}`);
}

main().catch((error) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`synth failed; ${shown(dist)}/ is unchanged.\n${message}`);
  if (debug && error instanceof Error) {
    console.error(error.stack);
  }
  process.exit(1);
});
