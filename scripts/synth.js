#!/usr/bin/env node
// spark-platform-synth: synthesizes a cdk8s app safely, for this repo (`npm run synth`) and for any
// app built on the package (`npx spark-platform-synth`, or `app: npx spark-platform-synth` in the
// app's cdk8s.yaml).
//
//   spark-platform-synth [ENTRY] [--out DIR] [--bundle-packages | --external-packages]
//
//   ENTRY                the app's entry file (default main.ts)
//   --out DIR            where the manifests go (default dist, or SYNTH_DIST_DIR)
//   --bundle-packages    bundle the app's packages into the app's bundle (the default when esbuild
//                        can bundle them faithfully, see below)
//   --external-packages  leave the packages out of the bundle: Node loads them from node_modules
//   --explain            also print, per Spark job, the spark-submit arguments, the PodGroup and the
//                        pods with their cost against the tenant's quota (lib/jobs/explain.ts)
//
// esbuild bundles the app without type-checking (type errors are `tsc`'s job; `npm test` here).
// The app synthesizes into a staging folder (CDK8S_OUTDIR, default .cdk8s.out; `cdk8s synth` sets
// it); the synth validates every object and every construct, and only when the app finished
// without an error and wrote its manifests is the output folder replaced as a whole. A failed synth
// leaves the output folder exactly as it was and prints every problem. After a successful synth the
// reports the app's constructs registered (the capacity table of the tenants' quotas) are printed;
// under the cdk8s CLI, which swallows an app's standard output, on standard error.
//
// Packages. Loading one bundle is much faster than loading a few hundred files from node_modules,
// so the packages are bundled too, with two precautions: `__dirname` and `__filename` keep naming
// each file's real place (cdk8s's Include of a URL runs a script next to its own code, an app may
// read a file next to its source), and a package's copies of one version are bundled once (cdk8s
// has its own copy of `yaml`). When esbuild cannot bundle a package faithfully (a require or
// require.resolve of a computed path, import.meta, a native addon, a file it cannot load), the app
// is bundled with every package external instead and the reason is printed once: all or none,
// because a package bundled and another loaded from node_modules would each get their own copy of
// a package both use (cdk8s finds a construct's chart through `instanceof`).
// The library's precompiled schema validators always stay out of the bundle (megabytes of code of
// which a synth needs a few kinds): each is required from its own file when first needed.
//
// The app runs as Node's main module would (`require.main === module` holds in the entry), so an
// app that synthesizes only when run (`if (require.main === module) app.synth()`) works here, and
// can be imported by its tests without synthesizing.
//
// Caches, in node_modules/.cache/spark-platform/: the bundle, with what it was built from (see
// isFresh: the content of every input file, the listings of the folders the resolver looked in,
// and the versions of Node, esbuild and this script), and V8's compiled code of the bundle and of
// the validators (so that the next run does not parse them again). SYNTH_CACHE=0 rebuilds and compiles
// everything; SYNTH_DEBUG=1 runs the unminified bundle with stack traces mapped to the TypeScript sources.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const USAGE = 'usage: spark-platform-synth [ENTRY] [--out DIR] [--bundle-packages | --external-packages] [--explain]';

function parseArgs(argv) {
  const options = { entry: 'main.ts', out: process.env.SYNTH_DIST_DIR || 'dist', packages: 'auto' };
  let entrySet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') {
      options.out = argv[++i];
      if (options.out === undefined) {
        throw new Error(`--out needs a folder\n${USAGE}`);
      }
    } else if (arg === '--bundle-packages') {
      options.packages = 'bundle';
    } else if (arg === '--external-packages') {
      options.packages = 'external';
    } else if (arg === '--explain') {
      options.explain = true;
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
const staging = path.resolve(root, process.env.CDK8S_OUTDIR || '.cdk8s.out');
const cacheDir = path.join(root, 'node_modules', '.cache', 'spark-platform');
const useCache = process.env.SYNTH_CACHE !== '0';
const debug = Boolean(process.env.SYNTH_DEBUG);
const key = hash(`${entry}\n${options.packages}`).slice(0, 12);
const bundle = path.join(cacheDir, `${path.basename(entry, path.extname(entry))}-${key}.js`);
const debugBundle = bundle.replace(/\.js$/, '.debug.js');
const manifest = `${bundle}.inputs.json`;
/**
 * Where the app writes its reports (the capacity table), printed after a successful synth: the
 * library writes them to the file this variable names (lib/core/synth-reports.ts).
 */
const REPORTS_VARIABLE = 'SPARK_PLATFORM_SYNTH_REPORTS';
const reportsFile = path.join(cacheDir, `reports-${process.pid}.txt`);
/** Where a PlatformApp writes its apply plan (lib/core/apply-plan.ts), moved beside the output folder. */
const PLAN_VARIABLE = 'SPARK_PLATFORM_APPLY_PLAN';
const planFile = path.join(cacheDir, `plan-${process.pid}.json`);
/** The on-request reports the app writes as well (lib/core/synth-reports.ts): --explain asks for `explain`. */
const REQUESTED_VARIABLE = 'SPARK_PLATFORM_SYNTH_REQUESTED_REPORTS';

/**
 * A name for a file of the cache: 64-bit FNV-1a of the text, as 16 hex digits. Not Node's `crypto`,
 * which takes longer to load than a whole small synth spends hashing (see lazyBuiltins).
 */
function hash(text) {
  let lo = 0x84222325;
  let hi = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // (hi, lo) * 0x100000001b3, modulo 2^64.
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) >>> 0;
    lo = loProduct >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * What identifies a version of a file or folder without reading it: its inode, size, modification
 * and change times. The change time (ctime) is set by the system at every change of the content,
 * and no tool can set it back (`cp -p`, `rsync -t` and `tar` restore the modification time only), so
 * a file whose signature is unchanged has its content unchanged. A changed signature only means
 * the content is read again and compared (see isFresh).
 */
function signature(file) {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/** A file's content hash (SHA-256), or 'missing'. */
function contentHash(file) {
  try {
    return require('crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return 'missing';
  }
}

/** What synth itself writes, which no import of the app resolves to. */
const OWN_OUTPUT = new Set([dist, `${dist}.next`, `${dist}.old`, staging]);

/**
 * A folder's entries, their sorted names, or 'missing': what a resolver finds in it. Synth's own
 * output and staging folders are left out: a synth creates them.
 */
function listing(dir) {
  try {
    return fs.readdirSync(dir).filter((name) => !OWN_OUTPUT.has(path.join(dir, name))).sort().join('/');
  } catch {
    return 'missing';
  }
}

/** The esbuild that builds the bundles, and its version. */
function esbuildVersion() {
  return JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
}

/** Writes a file whole or not at all, so that a concurrent synth never reads half of it. */
function writeAtomically(file, data) {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, file);
}

/**
 * Whether the cached bundle is what a build would make now. Its manifest records the versions of
 * Node, esbuild and this script, and for every input (each source file, each package's package.json,
 * the app's package.json, lockfile and tsconfig.json) its content hash, and for every folder the
 * resolver looked in (each input's folder, and each node_modules folder above one) its listing: a new file that an import would now resolve to changes the listing of its folder. An
 * entry whose signature is unchanged is the same; one whose signature changed is hashed again and
 * compared, and the manifest is updated with the new signatures when every hash still matches.
 */
function isFresh() {
  if (!useCache || !fs.existsSync(bundle)) {
    return false;
  }
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  } catch {
    return false;
  }
  if (recorded.node !== process.version || recorded.esbuild !== esbuildVersion() || !recorded.files || !recorded.folders) {
    return false;
  }
  let resigned = false;
  for (const [entries, hashOf] of [[recorded.files, contentHash], [recorded.folders, listing]]) {
    for (const [name, entry] of Object.entries(entries)) {
      const now = signature(name);
      if (now === entry.signature) {
        continue;
      }
      if (hashOf(name) !== entry.hash) {
        return false;
      }
      entry.signature = now;
      resigned = true;
    }
  }
  if (resigned) {
    writeAtomically(manifest, JSON.stringify(recorded, null, 1));
  }
  return true;
}


/**
 * What a bundle was built from (see isFresh). An input that changed after the build started (its
 * change time is later, less the coarse clock's few milliseconds) may differ from what was bundled:
 * it is recorded as changed, so that the next run builds again.
 */
function inputsOf(metafile, read, startedMs) {
  const files = new Set([...Object.keys(metafile.inputs).map((f) => path.resolve(root, f)), ...read]);
  for (const file of [...files]) {
    const pkg = packageOf(file);
    if (pkg) {
      files.add(path.join(pkg.dir, 'package.json'));
    }
  }
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) {
    files.add(path.join(root, file));
  }
  // This script: a bundle built by another version of it is built again.
  files.add(__filename);
  const folders = new Set();
  for (const file of files) {
    folders.add(path.dirname(file));
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if (path.basename(dir) !== 'node_modules') {
        folders.add(path.join(dir, 'node_modules'));
      }
      if (path.dirname(dir) === dir) {
        break;
      }
    }
  }
  const since = BigInt(startedMs - 50) * 1000000n;
  const record = (names, hashOf) => Object.fromEntries([...names].sort().map((name) => {
    const sig = signature(name);
    const changed = sig !== 'missing' && BigInt(sig.split(':')[3]) >= since;
    return [name, { signature: sig, hash: changed ? 'changed during the build' : hashOf(name) }];
  }));
  return { files: record(files, contentHash), folders: record(folders, listing) };
}

const NODE_MODULES = /[\\/]node_modules[\\/]/;

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
 * `__dirname` and `__filename` of every bundled file name the file's own place, not the bundle's:
 * a declaration of both is put in front of the file's code, on its first line (line numbers, and so
 * source maps, are unchanged), after a "use strict" directive or a #! line.
 */
function keepFileLocations(read) {
  return {
    name: 'file-locations',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        read.add(args.path);
        const ext = path.extname(args.path).slice(1).replace(/^[cm]/, '');
        if (!/\b__(dirname|filename)\b/.test(text)) {
          return undefined;
        }
        const declaration = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
        const prologue = /^(#![^\n]*\n)?(\s*(["'])use strict\3;?)?/.exec(text)[0];
        return { contents: `${prologue}${declaration}${text.slice(prologue.length)}`, loader: ext };
      });
    },
  };
}

/** The package folder a file is in and the package's name: the last node_modules/<name>/ of its path. */
function packageOf(file) {
  const m = /^(.*[\\/]node_modules[\\/])((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return m ? { dir: m[1] + m[2], name: m[2].replace(/\\/g, '/') } : undefined;
}

function versionOf(dir, read) {
  const file = path.join(dir, 'package.json');
  read.add(file);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * A package nested in another's node_modules with the same version as the app's own copy is
 * bundled from the app's copy: one copy of its code, and one of its classes.
 */
function oneCopyPerVersion(read) {
  return {
    name: 'one-copy-per-version',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'one-copy-per-version' || !NODE_MODULES.test(args.importer)) {
          return undefined;
        }
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'one-copy-per-version' });
        const pkg = resolved.errors.length === 0 && !resolved.external ? packageOf(resolved.path) : undefined;
        // Only a copy below another package's node_modules has an app-level twin to look for.
        if (!pkg || !NODE_MODULES.test(path.dirname(path.dirname(pkg.dir)))) {
          return resolved.errors.length === 0 ? resolved : undefined;
        }
        const top = path.join(root, 'node_modules', pkg.name);
        const twin = path.join(top, path.relative(pkg.dir, resolved.path));
        const version = versionOf(pkg.dir, read);
        if (version !== undefined && version === versionOf(top, read) && fs.existsSync(twin)) {
          return { ...resolved, path: twin };
        }
        return resolved;
      });
    },
  };
}

/** Why the packages of a bundle cannot stay in it, or undefined when they can. */
function packagesUnfaithful(result) {
  const inPackage = (m) => m.location && NODE_MODULES.test(path.resolve(root, m.location.file));
  const warning = result.warnings.find(inPackage);
  if (warning) {
    return `${warning.location.file}: ${warning.text}`;
  }
  // A require of a computed path is left to run as written, and would look next to the bundle.
  const text = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
  let module = '';
  for (const line of text.split('\n')) {
    const start = /^\/\/ (\S+)$/.exec(line);
    if (start) {
      module = start[1];
    } else if (NODE_MODULES.test(`/${module}`) && /\brequire(\.resolve)?\((?!"[^"]*"\))/.test(line)) {
      return `${module}: a require of a computed path (${line.trim().slice(0, 80)})`;
    }
  }
  return undefined;
}

/** Bundles the app, unminified with esbuild's comment before each module's code. */
async function bundleWith(esbuild, packages, read) {
  return esbuild.build({
    entryPoints: [entry],
    outfile: debugBundle,
    write: false,
    bundle: true,
    packages: packages === 'external' ? 'external' : undefined,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: packages === 'external' ? [keepValidatorsOut, keepFileLocations(read)] : [keepValidatorsOut, oneCopyPerVersion(read), keepFileLocations(read)],
  });
}

/**
 * Builds the bundles: `<app>-<key>.debug.js` with its source map (for SYNTH_DEBUG), and the same
 * code minified (whitespace and syntax; names are kept) as `<app>-<key>.js`, which is what runs:
 * less to read and to compile.
 */
async function build() {
  const startedMs = Date.now();
  const esbuild = require('esbuild');
  const read = new Set();
  let packages = options.packages === 'external' ? 'external' : 'bundle';
  let result;
  if (packages === 'bundle') {
    let reason;
    try {
      result = await bundleWith(esbuild, 'bundle', read);
      reason = packagesUnfaithful(result);
    } catch (error) {
      // What esbuild could not load: the build without the packages says so if it is the app's own.
      reason = (error.errors ?? []).map((e) => `${e.location?.file ?? ''}: ${e.text}`).join('; ') || String(error);
    }
    if (reason !== undefined && options.packages === 'bundle') {
      throw new Error(`--bundle-packages: esbuild cannot bundle the packages faithfully (${reason}): leave the option out`);
    }
    if (reason !== undefined) {
      console.error(`spark-platform-synth: the packages stay out of the bundle, because ${reason}`);
      packages = 'external';
      read.clear();
    }
  }
  if (packages === 'external') {
    result = await bundleWith(esbuild, 'external', read);
  }
  const code = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
  const minified = await esbuild.transform(code, { loader: 'js', format: 'cjs', platform: 'node', target: 'node20', minifyWhitespace: true, minifySyntax: true, logLevel: 'silent' });
  fs.mkdirSync(cacheDir, { recursive: true });
  for (const out of result.outputFiles) {
    writeAtomically(out.path, out.path.endsWith('.js') ? code : out.contents);
  }
  writeAtomically(bundle, minified.code);
  fs.rmSync(`${bundle}.cache`, { force: true });
  const { files, folders } = inputsOf(result.metafile, read, startedMs);
  writeAtomically(manifest, JSON.stringify({ entry, packages, node: process.version, esbuild: esbuild.version, files, folders }, null, 1));
}

/**
 * Drops the bundles of entries that no longer exist (scratch apps of tests, renamed apps), and those
 * another Node or an older synth built, which would be built again anyway (and which this synth's
 * names for cache files no longer find).
 */
function prune() {
  const script = contentHash(__filename);
  for (const file of fs.readdirSync(cacheDir).filter((f) => f.endsWith('.inputs.json'))) {
    try {
      const { entry: built, node, files } = JSON.parse(fs.readFileSync(path.join(cacheDir, file), 'utf8'));
      // Only this synth script's own stale bundles: another copy of the script (another checkout, an
      // installed package) sharing the folder prunes its own, and removing them here while it runs
      // would pull its bundle from under it.
      const mine = files?.[__filename] !== undefined;
      if (!fs.existsSync(built) || (mine && (node !== process.version || files[__filename].hash !== script))) {
        const base = path.join(cacheDir, file.slice(0, -'.inputs.json'.length));
        for (const f of [base, `${base}.cache`, `${base}.inputs.json`, base.replace(/\.js$/, '.debug.js'), base.replace(/\.js$/, '.debug.js.map')]) {
          fs.rmSync(f, { force: true });
        }
      }
    } catch {
      // A manifest being written by a concurrent synth; it is looked at again next time.
    }
  }
}

/** Compiled code to keep after the run: the scripts whose cache was missing or out of date. */
const toCache = [];

/**
 * Runs a CommonJS file as Node would, with V8's compiled code of an earlier run when there is one.
 * `require` of an absolute path (the validators the bundle leaves out) is loaded the same way.
 */
function runCached(file, cacheFile, sig) {
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  if (useCache) {
    try {
      const data = fs.readFileSync(cacheFile);
      const newline = data.indexOf(10);
      if (data.subarray(0, newline).toString() === sig) {
        cachedData = data.subarray(newline + 1);
      }
    } catch {
      // No cache yet.
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    toCache.push({ script, cacheFile, sig });
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  const nodeRequire = Module.createRequire(file);
  const require = (id) => (path.isAbsolute(id) && id.endsWith('.js') ? requireCached(id) : nodeRequire(id));
  require.resolve = nodeRequire.resolve;
  require.cache = nodeRequire.cache;
  // The app's bundle is the main module, as if Node ran it; the files it requires are not.
  require.main = file === bundle ? module : nodeRequire.main;
  script.runInThisContext()(module.exports, require, module, file, path.dirname(file));
  module.loaded = true;
  return module.exports;
}

const cachedModules = new Map();
function requireCached(file) {
  if (!cachedModules.has(file)) {
    const cacheFile = path.join(cacheDir, 'code', `${hash(file).slice(0, 16)}.cache`);
    cachedModules.set(file, runCached(file, cacheFile, signature(file)));
  }
  return cachedModules.get(file);
}

/** Keeps V8's code of the scripts that ran without it, for the next run. */
function saveCompiledCode() {
  for (const { script, cacheFile, sig } of toCache.splice(0)) {
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      writeAtomically(cacheFile, Buffer.concat([Buffer.from(`${sig}\n`), script.createCachedData()]));
    } catch {
      // A cache that cannot be written only costs time next run.
    }
  }
}

function replaceDir(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const next = `${to}.next`;
  const old = `${to}.old`;
  fs.rmSync(next, { recursive: true, force: true });
  fs.rmSync(old, { recursive: true, force: true });
  if (underCdk8sCli) {
    // The CLI lists (and may validate) what its output folder holds after the app: keep it there.
    fs.cpSync(from, next, { recursive: true });
  } else {
    try {
      fs.renameSync(from, next);
    } catch (error) {
      if (error.code !== 'EXDEV') {
        throw error;
      }
      fs.cpSync(from, next, { recursive: true });
    }
  }
  if (fs.existsSync(to)) {
    fs.renameSync(to, old);
  }
  fs.renameSync(next, to);
  fs.rmSync(old, { recursive: true, force: true });
}

const shown = (dir) => path.relative(root, dir) || '.';

let finished = false;

function fail(error) {
  if (finished) {
    return;
  }
  finished = true;
  fs.rmSync(reportsFile, { force: true });
  fs.rmSync(planFile, { force: true });
  const message = error instanceof Error ? error.message : String(error);
  console.error(`synth failed; ${shown(dist)}/ is unchanged.\n${message}`);
  if (debug && error instanceof Error) {
    console.error(error.stack);
  }
  saveCompiledCode();
  process.exit(1);
}

/** After the app and everything it started have finished: replaces the output folder and reports. */
function finish() {
  if (finished) {
    return;
  }
  if (process.exitCode !== undefined && process.exitCode !== 0) {
    fail(new Error(`the app set exit code ${process.exitCode}`));
    return;
  }
  const written = fs.existsSync(staging) ? fs.readdirSync(staging) : [];
  if (written.length === 0) {
    fail(new Error(`the app wrote no manifests to ${shown(staging)}/: call app.synth() at the end of ${shown(entry)}`));
    return;
  }
  try {
    replaceDir(staging, dist);
  } catch (error) {
    fail(new Error(`cannot write ${shown(dist)}/: ${error.message}`));
    return;
  }
  finished = true;
  // The apply plan of the app (lib/core/apply-plan.ts), beside the output folder: dist.plan.json.
  // An app that writes no plan (a plain cdk8s App) leaves no plan of an earlier synth behind.
  if (fs.existsSync(planFile)) {
    fs.copyFileSync(planFile, `${dist}.plan.json`);
    fs.rmSync(planFile, { force: true });
  } else {
    fs.rmSync(`${dist}.plan.json`, { force: true });
  }
  // What follows a successful synth: the app's reports, then what was written.
  const reports = fs.existsSync(reportsFile) ? fs.readFileSync(reportsFile, 'utf8') : '';
  fs.rmSync(reportsFile, { force: true });
  if (reports !== '') {
    console.log(reports.replace(/\n$/, ''));
  }
  const files = fs.readdirSync(dist).sort();
  console.log(`wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${shown(dist)}/: ${files.join(', ')}`);
  saveCompiledCode();
}

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
  if (!isFresh()) {
    await build();
    prune();
  }
  // Made after the build, so that the build sees the app's folder as the next run will.
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  process.env.CDK8S_OUTDIR = staging;
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.rmSync(reportsFile, { force: true });
  process.env[REPORTS_VARIABLE] = reportsFile;
  fs.rmSync(planFile, { force: true });
  process.env[PLAN_VARIABLE] = planFile;
  process.env[REQUESTED_VARIABLE] = options.explain ? 'explain' : '';
  // An app may finish its synth later (an async main): the output is replaced once nothing is left
  // to run, and an error thrown meanwhile fails the synth.
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.once('beforeExit', finish);
  process.once('exit', (code) => (code === 0 ? finish() : undefined));
  if (debug) {
    // The unminified bundle as Node's main module, with stack traces mapped to the sources.
    const run = spawnSync(process.execPath, ['--enable-source-maps', debugBundle], { stdio: 'inherit', env: process.env });
    if (run.status !== 0) {
      fail(new Error(`the app exited with ${run.status ?? run.signal}`));
    }
  } else {
    runCached(bundle, `${bundle}.cache`, signature(bundle));
  }
}

main().catch(fail);
