import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { folderDocs, parseDocs, scratchDir } from '../support/project';

// These tests run processes (synth, helm, npm, tsc, jest): a generous limit per test, so that a
// loaded machine makes them slower, never failed. They assert output, never duration.
jest.setTimeout(300_000);

// The package as another repo gets it. A copy of this repo without node_modules, build/ or .git
// stands in for a fresh clone, so `npm pack` must build the package from nothing (prepack), and
// builds running in this working tree at the same time are left alone. The tarball is installed
// into a throwaway project, where test/fixtures/consumer/ (the README's example) is type-checked as
// a strict TypeScript app against the package's declarations and synthesized with the package's
// spark-platform-synth command, as the README tells a user to.

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'consumer');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
/** What a fresh clone does not have (see .gitignore). */
const NOT_IN_A_CLONE = new Set(['.git', 'node_modules', 'build', '.cdk8s.out', 'coverage']);

interface Result {
  readonly command: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;
let consumer: string;
let packed: { name: string; filename: string; files: { path: string }[] };
let libSources: string[];
const compiled: Record<string, Result> = {};

function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): Result {
  const clean: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
  delete clean.CDK8S_OUTDIR;
  const r: SpawnSyncReturns<string> = spawnSync(command, args, { cwd, env: { ...clean, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { command: `${path.basename(command)} ${args.join(' ')}`, status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Fails with the command's output, so that a broken export or a missing file shows as the compiler or Node reports it. */
function expectSuccess(r: Result): void {
  if (r.status !== 0) {
    throw new Error(`${r.command} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
}

const synthesized = folderDocs;

beforeAll(() => {
  work = scratchDir('consumer-');

  // GIVEN a fresh clone with its dependencies installed
  const clone = path.join(work, 'clone');
  fs.cpSync(REPO, clone, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(REPO, src);
      return !NOT_IN_A_CLONE.has(rel.split(path.sep)[0]) && !rel.endsWith('.tgz');
    },
  });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  libSources = (fs.readdirSync(path.join(clone, 'lib'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));

  // WHEN it is packed (prepack builds; lifecycle output goes to stderr, the JSON to stdout)
  const pack = run(clone, 'npm', ['pack', '--json', '--pack-destination', work]);
  expectSuccess(pack);
  packed = JSON.parse(pack.stdout)[0];

  // AND installed into a new project. npm would unpack the tarball into node_modules and add the
  // package's dependencies and peerDependencies; those are linked from this repo's node_modules
  // (npm ci put them there) instead of fetched, so the test needs no network. Only what the packed
  // package.json declares is linked, so a require of an undeclared package fails here too.
  consumer = path.join(work, 'consumer');
  const installed = path.join(consumer, 'node_modules', packed.name);
  fs.mkdirSync(installed, { recursive: true });
  expectSuccess(run(work, 'tar', ['-xzf', path.join(work, packed.filename), '-C', installed, '--strip-components=1']));
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  // @types/node is the consumer's own, as in the cdk8s app template.
  for (const dep of [...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }), '@types/node']) {
    const link = path.join(consumer, 'node_modules', dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules', dep), link, 'dir');
  }
  fs.cpSync(FIXTURE, consumer, { recursive: true });
  const project = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ ...project, dependencies: { [packed.name]: `file:../${packed.filename}` } }, null, 2));
  // The consumer's test tools, as the cdk8s app template has them.
  for (const dep of ['jest', 'ts-jest', '@types/jest', 'typescript']) {
    const link = path.join(consumer, 'node_modules', dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules', dep), link, 'dir');
  }
  // npm links a package's bin into node_modules/.bin, where npx finds it, and makes it executable.
  fs.mkdirSync(path.join(consumer, 'node_modules', '.bin'));
  fs.chmodSync(path.join(installed, manifest.bin['spark-platform-synth']), 0o755);
  fs.symlinkSync(path.join(installed, manifest.bin['spark-platform-synth']), path.join(consumer, 'node_modules', '.bin', 'spark-platform-synth'));
  fs.symlinkSync(path.join(REPO, 'node_modules', 'cdk8s-cli'), path.join(consumer, 'node_modules', 'cdk8s-cli'), 'dir');
  fs.symlinkSync(path.join(REPO, 'node_modules', '.bin', 'cdk8s'), path.join(consumer, 'node_modules', '.bin', 'cdk8s'));

  // AND the consumer's app is compiled against the package's declarations: once as the fixture's
  // tsconfig has it (node16 resolution, which goes through package.json "exports"), once as the
  // cdk8s app template has it (CommonJS with classic node resolution, which reads "types")
  compiled.node16 = run(consumer, process.execPath, [TSC, '-p', 'tsconfig.json', '--noEmit']);
  compiled.node10 = run(consumer, process.execPath, [TSC, '-p', 'tsconfig.json', '--module', 'commonjs', '--moduleResolution', 'node10', '--noEmit']);
}, 180_000);

afterAll(() => {
  if (work) {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

describe('the package as another repo uses it', () => {
  test('npm pack ships the compiled library and generated classes with their declarations, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();

    for (const file of files) {
      expect(file).toMatch(/^(package\.json|README\.md|LICENSE|scripts\/synth\.js|build\/(lib|imports)\/([\w-]+\/)*[\w.-]+(\.d\.ts|\.js))$/);
    }
    expect(files).toEqual(expect.arrayContaining([
      'package.json',
      'build/imports/sparkoperator.k8s.io.js',
      'build/imports/sparkoperator.k8s.io.d.ts',
      'build/imports/helm.cattle.io.js',
      'build/imports/helm.cattle.io.d.ts',
      ...libSources.flatMap((name) => [`build/lib/${name}.js`, `build/lib/${name}.d.ts`]),
      // The precompiled schema validators, and the safe synth command.
      'build/lib/core/validators/sparkoperator.k8s.io.js',
      'build/lib/core/validators/kubernetes-v1-namespace.js',
      'scripts/synth.js',
    ]));
    // Spelled out for the reader; the pattern above already keeps these out.
    expect(files.filter((f) => /^(main\.ts|dist\/|test\/|bench\/|k3d\/|lib\/|imports\/|upstream\/|tsconfig|cdk8s\.yaml|\.)/.test(f))).toEqual([]);
  });

  test('a strict TypeScript app type-checks against the package, through "exports" and through "types"', () => {
    expectSuccess(compiled.node16);
    expectSuccess(compiled.node10);
  });

  test("the README's example is the app this test runs: main.ts and cdk8s.yaml", () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it in your repo'), readme.indexOf('## Synth speed'));
    const block = (lang: string, after: string) => {
      const from = section.indexOf(after);
      const start = section.indexOf(`\`\`\`${lang}\n`, from) + lang.length + 4;
      return section.slice(start, section.indexOf('```', start));
    };
    expect(block('ts', '### Example')).toBe(fs.readFileSync(path.join(FIXTURE, 'main.ts'), 'utf8'));
    expect(block('yaml', '### Synthesize safely')).toBe(fs.readFileSync(path.join(FIXTURE, 'cdk8s.yaml'), 'utf8'));
  });

  test('spark-platform-synth synthesizes its own platform: its tenants and quotas, the operator watching them, its jobs', () => {
    // GIVEN an app that type-checks
    expectSuccess(compiled.node16);

    // WHEN it is synthesized as the README says
    const synth = run(consumer, process.execPath, ['node_modules/.bin/spark-platform-synth']);

    // THEN
    expectSuccess(synth);
    const docs = synthesized(path.join(consumer, 'dist'));
    const named = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

    expect(docs.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name).sort()).toEqual(['data-eng', 'ml', 'spark-operator']);
    expect(named('ServiceAccount', 'ml-spark').metadata.namespace).toBe('ml');

    expect(named('ResourceQuota', 'data-eng-quota').spec.hard).toEqual({
      'requests.cpu': '6', 'limits.cpu': '12', 'requests.memory': '24Gi', 'limits.memory': '24Gi', 'pods': 20,
      'requests.storage': '20Gi', 'persistentvolumeclaims': 10,
    });
    expect(named('ResourceQuota', 'ml-quota').spec.hard).toEqual({
      'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '4Gi', 'limits.memory': '4Gi', 'pods': 4,
      'requests.storage': '20Gi', 'persistentvolumeclaims': 10,
    });

    const chart = named('HelmChart', 'spark-operator');
    expect(chart.spec).toMatchObject({ chart: 'spark-operator', version: '2.3.0', targetNamespace: 'spark-operator' });
    const values = parseDocs(chart.spec.valuesContent)[0];
    expect(values.spark.jobNamespaces).toEqual(['data-eng', 'ml']);
    expect(values.controller.workers).toBe(20);

    const etl = named('SparkApplication', 'nightly-etl');
    expect(etl.metadata.namespace).toBe('data-eng');
    expect(etl.spec).toMatchObject({ type: 'Scala', mode: 'cluster', arguments: ['1000'] });
    expect(etl.spec.driver).toMatchObject({ serviceAccount: 'data-eng-sa', memory: '2g', securityContext: { runAsUser: 185, runAsNonRoot: true } });
    expect(etl.spec.executor).toMatchObject({ instances: 4, memory: '4g', serviceAccount: 'data-eng-executor', securityContext: { runAsUser: 185 } });

    const pi = named('SparkApplication', 'pyspark-pi');
    expect(pi.metadata.namespace).toBe('ml');
    expect(pi.spec).toMatchObject({ type: 'Python', driver: { serviceAccount: 'ml-spark' }, executor: { instances: 1 } });
    expect(docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy').map((p) => p.spec.matchConstraints.resourceRules[0].resources[0])).toEqual(['sparkapplications', 'scheduledsparkapplications', 'pods']);

    // The command prints the capacity table after the synth.
    expect(synth.stdout).toMatch(/data-eng\s+requests\.memory\s+24Gi\s+0\s+20452Mi\s+4124Mi/);
    expect(synth.stdout).toMatch(/ml\s+pods\s+4\s+0\s+2\s+2/);
    expect(synth.stdout).toMatch(/wrote 2 files to dist\/: 0000-platform\.k8s\.yaml, 0001-jobs\.k8s\.yaml/);
  });

  test('npm run synth (cdk8s synth with the README\'s cdk8s.yaml) does the same, shows the capacity table and checks for no upgrade', () => {
    expectSuccess(compiled.node16);
    // GIVEN a home whose cdk8s-cli version cache names a newer CLI, as the CLI's upgrade check
    // would find online (offline the check prints a stack trace instead)
    const home = path.join(work, 'home');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, '.cdk8s-cli.version'), '999.0.0');
    const env = { HOME: home, SYNTH_DIST_DIR: path.join(work, 'dist-cli'), PATH: `${path.join(consumer, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };
    // WHEN the app is synthesized with the fixture's npm script
    const synth = run(consumer, 'npm', ['run', '--silent', 'synth'], env);
    // THEN it writes the manifests and shows the capacity table; the cdk8s CLI swallows its app's
    // standard output, so the command prints on standard error
    expectSuccess(synth);
    expect(synth.stderr).toMatch(/data-eng\s+requests\.memory\s+24Gi\s+0\s+20452Mi\s+4124Mi/);
    expect(fs.readdirSync(path.join(work, 'dist-cli')).sort()).toEqual(['0000-platform.k8s.yaml', '0001-jobs.k8s.yaml']);
    // AND the CLI did not look for an upgrade (--no-check-upgrade), which it does without the switch
    expect(synth.stderr).not.toMatch(/new version|cdk8s-cli/i);
    const checking = run(consumer, path.join(consumer, 'node_modules', '.bin', 'cdk8s'), ['synth'], env);
    expect(checking.stderr).toMatch(/A new version 999\.0\.0 of cdk8s-cli is available/);
  });

  test("the fixture's snapshot test (main.test.ts) passes with the YAML synth writes, and fails when the platform changes", () => {
    expectSuccess(compiled.node16);
    // GIVEN the manifests spark-platform-synth writes
    const out = path.join(work, 'dist-snapshot');
    expectSuccess(run(consumer, process.execPath, ['node_modules/.bin/spark-platform-synth', '--out', out]));
    const files = fs.readdirSync(out).sort().map((f) => fs.readFileSync(path.join(out, f), 'utf8'));
    // WHEN the consumer runs its tests (--ci: a missing snapshot fails instead of being written)
    const jest = path.join(consumer, 'node_modules', 'jest', 'bin', 'jest.js');
    const tested = run(consumer, process.execPath, [jest, '--ci']);
    // THEN the snapshot test passes, and its snapshot is the YAML the synth wrote, chart after chart
    expectSuccess(tested);
    expect(tested.stderr).toMatch(/Snapshots: +1 passed, 1 total/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const snapshot = require(path.join(consumer, '__snapshots__', 'main.test.ts.snap'));
    expect(snapshot['the platform synthesizes to the reviewed manifests 1']).toBe(`\n"${files.join('---\n')}"\n`);
    // AND a change to the platform fails it
    const main = path.join(consumer, 'main.ts');
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace('workers: 20', 'workers: 21'));
    const changed = run(consumer, process.execPath, [jest, '--ci']);
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toMatch(/Snapshots: +1 failed, 1 total/);
    expect(changed.stderr).toMatch(/workers: 21/);
  });

  test('an app whose job does not fit its tenant\'s quota fails synth with the admission message and keeps its dist/', () => {
    // GIVEN a dist/ from an earlier synth
    expectSuccess(compiled.node16);
    const outdir = path.join(work, 'dist-too-big');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'platform.k8s.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: earlier\n');
    const before = fs.readFileSync(path.join(outdir, 'platform.k8s.yaml'), 'utf8');

    // WHEN an app that cannot run is synthesized into it
    const synth = run(consumer, process.execPath, ['node_modules/.bin/spark-platform-synth', 'too-big.ts', '--out', outdir]);

    // THEN synth fails, names the problem and its fix, and dist/ is as it was
    expect(synth.status).toBe(1);
    expect(synth.stderr).toMatch(/^synth failed; .*dist-too-big\/ is unchanged\./m);
    // Over in requests.memory and limits.memory, one cause: one message. Not even one executor fits
    // beside the driver, so the fix is smaller pods or a bigger quota.
    expect(synth.stderr).toMatch(/\[platform\/huge\] driver \+ 2 executors exceed small's quota in 2 resources, requests\.memory 5760Mi with Spark's memory overhead \(allows 2Gi\) and limits\.memory 5760Mi with Spark's memory overhead \(allows 2Gi\): make the driver and executor pods smaller, or raise the tenant's quota\.requestsMemory to at least 5760Mi and quota\.limitsMemory to at least 5760Mi/);
    expect(fs.readdirSync(outdir)).toEqual(['platform.k8s.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'platform.k8s.yaml'), 'utf8')).toBe(before);
    // AND the README shows this refusal as synth prints it, line for line
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const shown = readme.slice(readme.indexOf('synth failed; dist/ is unchanged.'));
    const lines = shown.slice(0, shown.indexOf('```')).trim().split('\n').slice(1);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(synth.stderr).toContain(line);
    }
  });
});
