/**
 * The k3d cluster config and k3d/platform.sh, the script that takes dist/ to finished Pi jobs.
 *
 * The script runs against stand-ins for k3d, kubectl and docker (test/fixtures/k3d/stand-in.js) on a
 * PATH that holds nothing else but the few system tools the script needs, so that the real tools on
 * this machine can neither be called nor hide a missing prerequisite.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import { AddressInfo, Server } from 'net';
import * as path from 'path';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { K3D_API_SERVER_ENDPOINTS, SPARK_S3A_IMAGE } from '../../lib';
import { testWithUpstream, upstreamPath } from '../support/upstream';
import { scratchDir } from '../support/project';

const repoRoot = path.join(__dirname, '..', '..');
const script = path.join(repoRoot, 'k3d', 'platform.sh');
const configFile = path.join(repoRoot, 'k3d', 'k3d-config.yaml');
const k3dSchemaFile = upstreamPath('k3d', 'schema.json');
const fixtures = path.join(__dirname, '..', 'fixtures', 'k3d');
const fixtureDist = path.join(fixtures, 'dist');
const standInClient = path.join(fixtures, 'stand-in-client.sh');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const standIn: { serve(): Promise<Server> } = require('../fixtures/k3d/stand-in.js');
const repoDist = path.join(repoRoot, 'dist');

const CLUSTER = 'data-platform-cluster';
const CONTEXT = `k3d-${CLUSTER}`;
const CRD = 'sparkapplications.sparkoperator.k8s.io';

// Each stand-in call starts a node process; on a busy machine a run of the script takes seconds,
// and a full apply with monitoring (about forty calls) tens of them.
jest.setTimeout(90_000);

type Tool = 'docker' | 'k3d' | 'kubectl';
const ALL_TOOLS: Tool[] = ['docker', 'k3d', 'kubectl'];
/** Everything the script and the stand-ins run besides the three tools. */
const SYSTEM_TOOLS = ['bash', 'node', 'dirname', 'awk', 'sed', 'sleep', 'cat', 'rm', 'od', 'tr'];

interface AppScenario {
  /** `.spec.type` */
  readonly type: string;
  /** `.status.applicationState.state`, one entry per poll; the last one sticks. */
  readonly states: string[];
  readonly podName?: string;
  readonly log?: string;
  readonly errorMessage?: string;
}

/** What the stand-ins answer; see test/fixtures/k3d/stand-in.js. */
interface Scenario {
  readonly clusters?: string[];
  readonly dockerDown?: boolean;
  /** The helm install Job, one entry per poll: 'absent', 'running', 'Complete' or 'Failed'. */
  readonly helmJob?: string[];
  /** `kind/name` of objects whose `kubectl wait` times out. */
  readonly neverReady?: string[];
  /** How many job applies the webhook refuses before it serves. */
  readonly webhookRefusals?: number;
  /** How many applies of Volcano's Queues its webhook refuses before it serves. */
  readonly volcanoWebhookRefusals?: number;
  /** Keyed by `namespace/name`. */
  readonly apps?: Record<string, AppScenario>;
  /** `{..waiting.reason}` of the pods, per namespace. */
  readonly waitingReasons?: Record<string, string>;
  /** Jobs other than the helm installs, by `namespace/name`, one entry per poll like helmJob. */
  readonly jobs?: Record<string, string[]>;
  /** Secrets that exist before the run, by `namespace/name`: their data, base64. */
  readonly secrets?: Record<string, Record<string, string>>;
  /** The History Server Services, as `namespace name port`. */
  readonly historyServers?: string[];
  readonly dockerBuildFails?: boolean;
  /** Services that exist, as `namespace/name`. */
  readonly services?: string[];
  /** Kinds whose CRD the cluster lacks (Flux's, Argo CD's): applying them fails. */
  readonly missingKinds?: string[];
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every stand-in call, as `tool arg arg ...`, without kubectl's `--context <context>`. */
  readonly calls: string[];
  /** The contexts kubectl was called with. */
  readonly contexts: Set<string>;
  /** What the stand-ins keep of the cluster after the run: Secrets by `namespace/name`, built images. */
  readonly state: { secrets: Record<string, Record<string, string>>; images: string[] };
}

const happyApps = (): Record<string, AppScenario> => ({
  'team-alpha/pyspark-pi-test': {
    type: 'Python',
    states: ['', 'SUBMITTED', 'RUNNING', 'COMPLETED'],
    podName: 'pyspark-pi-test-driver',
    log: 'INFO DAGScheduler: Job 0 finished\nPi is roughly 3.138040\nINFO SparkContext: Successfully stopped SparkContext\n',
  },
  'team-beta/spark-pi-test': {
    type: 'Scala',
    states: ['SUBMITTED', 'COMPLETED'],
    podName: 'spark-pi-test-driver',
    log: 'Pi is roughly 3.141651\n',
  },
  // The data pipeline's job, in the repository's dist/ and the examples'.
  'team-alpha/flight-delays': {
    type: 'Python',
    states: ['SUBMITTED', 'RUNNING', 'COMPLETED'],
    podName: 'flight-delays-driver',
    log: 'PIPELINE_RESULT {"avg_delay_minutes": 9.45, "delayed_flights": 9, "flights": 44, "month": "2001-01", "state": "AK", "total_delay_minutes": 583}\nwrote 1 rows\n',
  },
});

/** A cluster that `up` created: the operator comes up after a few polls, the webhook refuses once. */
const happy = (): Scenario => ({
  clusters: [CLUSTER],
  helmJob: ['absent', 'running', 'Complete'],
  webhookRefusals: 1,
  apps: happyApps(),
});

// Created on first use: Jest starts concurrent tests before it runs beforeAll hooks.
let sandboxDir: string | undefined;
const binDirs = new Map<string, string>();

function sandbox(): string {
  sandboxDir ??= scratchDir('k3d-script-');
  return sandboxDir;
}

// Started on first use, like the sandbox; one server answers the stand-ins of every run.
let standInServer: Promise<Server> | undefined;
function standInPort(): Promise<number> {
  standInServer ??= standIn.serve();
  return standInServer.then((server) => (server.address() as AddressInfo).port);
}

afterAll(async () => {
  if (standInServer) {
    const server = await standInServer;
    await new Promise((resolve) => server.close(resolve));
  }
  if (sandboxDir) fs.rmSync(sandboxDir, { recursive: true, force: true });
});

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${tool} is not on PATH; the tests of k3d/platform.sh need it`);
}

/** A directory that is the whole PATH: the system tools plus the given stand-ins. */
function binWith(tools: Tool[]): string {
  const key = [...tools].sort().join(',');
  const existing = binDirs.get(key);
  if (existing) return existing;
  const dir = fs.mkdtempSync(path.join(sandbox(), 'bin-'));
  for (const tool of SYSTEM_TOOLS) fs.symlinkSync(which(tool), path.join(dir, tool));
  // The client runs on this machine's bash directly: a #! line through env would start two
  // processes for every call of the script.
  const client = path.join(dir, '.stand-in-client');
  fs.writeFileSync(client, fs.readFileSync(standInClient, 'utf8').replace(/^#![^\n]*/, `#!${which('bash')}`), { mode: 0o755 });
  for (const tool of tools) fs.symlinkSync(client, path.join(dir, tool));
  binDirs.set(key, dir);
  return dir;
}

const FAST_TIMEOUTS = {
  POLL_INTERVAL: '0',
  NODES_TIMEOUT: '11',
  HELM_JOB_TIMEOUT: '12',
  CRD_TIMEOUT: '13',
  OPERATOR_TIMEOUT: '14',
  WEBHOOK_RETRIES: '3',
  APP_START_TIMEOUT: '15',
  APP_TIMEOUT: '16',
  MONITORING_TIMEOUT: '17',
  VOLCANO_TIMEOUT: '18',
  WORKLOAD_TIMEOUT: '18',
  JOB_TIMEOUT: '19',
};

/** Runs the script with the stand-ins; the tests run concurrently, as the script mostly waits on them. */
async function run(subcommand: string, scenario: Scenario, options: { tools?: Tool[]; env?: Record<string, string>; dist?: string; killAfterMs?: number } = {}): Promise<Run> {
  const port = await standInPort();
  const dir = fs.mkdtempSync(path.join(sandbox(), 'run-'));
  fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify(scenario));
  const child = spawn(which('bash'), [script, subcommand], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: binWith(options.tools ?? ALL_TOOLS),
      STAND_IN_DIR: dir,
      STAND_IN_PORT: String(port),
      DIST_DIR: options.dist ?? fixtureDist,
      ...FAST_TIMEOUTS,
      ...options.env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill(), options.killAfterMs ?? 80_000);
  const statePath = path.join(dir, 'state.json');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      const state = fs.existsSync(statePath) ? JSON.parse(fs.readFileSync(statePath, 'utf8')) : { secrets: {}, images: [] };
      resolve({ code, stdout, stderr, state, ...readCalls(path.join(dir, 'calls.log')) });
    });
  });
}

let monitoringDistDir: string | undefined;
/** The fixture dist/ with the monitoring add-on's file, as main.ts synthesizes it. */
function monitoringDist(): string {
  if (!monitoringDistDir) {
    monitoringDistDir = fs.mkdtempSync(path.join(sandbox(), 'dist-'));
    for (const dir of [fixtureDist, path.join(fixtures, 'monitoring')]) {
      for (const file of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, file), path.join(monitoringDistDir, file));
    }
  }
  return monitoringDistDir;
}

let volcanoDistDir: string | undefined;
/** The fixture dist/ with the Volcano add-on's file (its namespace, chart and queues). */
function volcanoDist(): string {
  if (!volcanoDistDir) {
    volcanoDistDir = fs.mkdtempSync(path.join(sandbox(), 'dist-'));
    for (const dir of [fixtureDist, path.join(fixtures, 'volcano')]) {
      for (const file of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, file), path.join(volcanoDistDir, file));
    }
  }
  return volcanoDistDir;
}

function readCalls(log: string): Pick<Run, 'calls' | 'contexts'> {
  const argvs: string[][] = fs.existsSync(log)
    ? fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[])
    : [];
  const contexts = new Set<string>();
  const calls = argvs.map(([tool, ...args]) => {
    if (tool === 'kubectl' && args[0] === '--context') {
      contexts.add(args[1]);
      args = args.slice(2);
    }
    return [tool, ...args].join(' ').split(fixtureDist).join('<dist>').split(monitoringDist()).join('<dist>').split(volcanoDist()).join('<dist>').split(storageDist()).join('<dist>').split(repoDist).join('<dist>').split(configFile).join('<config>').split(repoRoot).join('<repo>');
  });
  return { calls, contexts };
}

/** Asserts that calls containing these texts (or matching these patterns) happen in this order. */
function expectCallsInOrder(r: Run, calls: Array<string | RegExp>): void {
  let from = 0;
  for (const expected of calls) {
    const matches = (call: string) => (typeof expected === 'string' ? call.includes(expected) : expected.test(call));
    const i = r.calls.findIndex((call, index) => index >= from && matches(call));
    if (i < 0) throw new Error(`no call like ${expected} after call ${from}; calls:\n${r.calls.join('\n')}`);
    from = i + 1;
  }
}

describe('k3d cluster config', () => {
  const config = parse(fs.readFileSync(configFile, 'utf8'));

  // k3d's schema declares draft-07, Ajv's default. It uses two formats, which Ajv leaves to plugins.
  function k3dValidator() {
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat('ipv4', /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/);
    ajv.addFormat('hostname', /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i);
    return ajv.compile(JSON.parse(fs.readFileSync(k3dSchemaFile, 'utf8')));
  }

  testWithUpstream('is valid against the upstream k3d v1alpha5 schema', () => {
    const validate = k3dValidator();
    expect(validate.schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#' });
    validate(config);
    expect(validate.errors ?? []).toEqual([]);
  });

  testWithUpstream('the validator rejects what k3d rejects (so the test above can fail)', () => {
    const validate = k3dValidator();
    expect(validate({ ...config, agents: -1 })).toBe(false);
    expect(validate({ ...config, kubeAPI: { hostIP: 'localhost' } })).toBe(false);
    expect(validate({ ...config, workers: 2 })).toBe(false);
  });

  test('describes the seed cluster: 1 server, 2 agents, k3s v1.31.4, API on 127.0.0.1', () => {
    expect(config).toMatchObject({
      apiVersion: 'k3d.io/v1alpha5',
      kind: 'Simple',
      metadata: { name: CLUSTER },
      servers: 1,
      agents: 2,
      image: 'rancher/k3s:v1.31.4-k3s1',
      kubeAPI: { hostIP: '127.0.0.1' },
    });
  });
});

test("the nodes' network is the one the tenants' NetworkPolicies let drivers reach the API server in", () => {
  const config = parse(fs.readFileSync(configFile, 'utf8'));
  // The server node listens on 6443 in the pinned Docker network; the kubernetes Service is k3s' first service address.
  expect(K3D_API_SERVER_ENDPOINTS).toEqual([{ cidr: '10.43.0.1/32', port: 443 }, { cidr: config.subnet, port: 6443 }]);
});

describe('shellcheck', () => {
  test('k3d/platform.sh is clean', () => {
    const result = spawnSync('shellcheck', [script, standInClient], { encoding: 'utf8' });
    if (result.error) {
      throw new Error(`shellcheck could not run (${result.error.message}); install it: apt-get install -y shellcheck`);
    }
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('platform.sh up', () => {
  test.concurrent('checks the prerequisites, creates the cluster from the config and waits for its nodes', async () => {
    const r = await run('up', { clusters: [] });

    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`INFO[0020] Cluster '${CLUSTER}' created successfully!\nINFO[0005] Successfully imported 1 image(s) into 1 cluster(s)\n`);
    expect(r.calls).toEqual([
      'docker info',
      'k3d cluster list -o json',
      'k3d cluster create --config <config>',
      'kubectl wait --for=condition=Ready nodes --all --timeout=11s',
      `docker build -t ${SPARK_S3A_IMAGE} <repo>/k3d/spark-s3a`,
      `k3d image import ${SPARK_S3A_IMAGE} -c ${CLUSTER}`,
    ]);
    expect(r.contexts).toEqual(new Set([CONTEXT]));
    expect(r.stdout).toContain('==> [prerequisites] checking docker, k3d and kubectl');
    expect(r.stdout).toContain(`==> [cluster] cluster ${CLUSTER} from k3d/k3d-config.yaml`);
    expect(r.stdout).toContain('==> [cluster] waiting up to 11s: nodes Ready');
  });

  test.concurrent('leaves an existing cluster alone: no second create', async () => {
    const r = await run('up', { clusters: [CLUSTER] });

    expect(r.code).toBe(0);
    expect(r.calls.filter((call) => call.startsWith('k3d cluster create'))).toEqual([]);
    expect(r.stdout).toContain(`cluster ${CLUSTER} already exists; not creating it`);
  });

  test.concurrent('names every missing prerequisite and touches nothing', async () => {
    const r = await run('up', { clusters: [] }, { tools: ['kubectl'] });

    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toContain('FAILED [prerequisites] prerequisites: missing docker k3d');
    expect(r.stderr).toContain('missing prerequisite: docker is not on PATH; install Docker Desktop or Docker Engine');
    expect(r.stderr).toContain('missing prerequisite: k3d is not on PATH; install k3d: https://k3d.io');
    expect(r.stderr).not.toContain('kubectl is not on PATH');
  });

  test.concurrent('says so when docker is installed but its daemon is not running', async () => {
    const r = await run('up', { clusters: [], dockerDown: true });

    expect(r.code).toBe(1);
    expect(r.calls).toEqual(['docker info']);
    expect(r.stderr).toContain('FAILED [prerequisites] docker: docker is installed but its daemon is not reachable');
    expect(r.stderr).toContain('Cannot connect to the Docker daemon');
  });
});

describe('platform.sh apply', () => {
  const EXAMPLE_RUN_MS = 150_000;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  test.concurrent.each([
    ['flux', 'helmreleases.helm.toolkit.fluxcd.io', 'flux-system', 'condition=Ready'],
    ['argocd', 'applications.argoproj.io', 'argocd', 'jsonpath={.status.health.status}=Healthy'],
  ])('examples/%s/dist/: waits for the %s of the operator instead of a k3s install Job, then goes on as with dist/', async (example, kind, ns, until) => {
    const dist = path.join(repoRoot, 'examples', example, 'dist');
    const shown = `<repo>/examples/${example}/dist`;
    // No k3s install Job ever appears: waiting for one would time out.
    const jobs = { 'team-alpha/event-log-directory': ['Complete'], 'team-beta/event-log-directory': ['Complete'] };
    // The whole platform of the example (some 80 stand-in calls, a node process each): slow on a loaded machine.
    const r = await run('apply', { ...happy(), helmJob: ['absent'], jobs }, { dist, killAfterMs: EXAMPLE_RUN_MS - 10_000 });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectCallsInOrder(r, [
      `kubectl apply -f ${shown}/0000-tenants.k8s.yaml`,
      // The object store, released the same way, and the server its release names.
      `kubectl apply -f ${shown}/0001-object-storage.k8s.yaml`,
      `kubectl get ${kind} seaweedfs -n ${ns} --ignore-not-found -o name`,
      /^kubectl wait -n object-store --for=condition=Available --timeout=\d+s deployment\/seaweedfs-all-in-one$/,
      `kubectl apply -f ${shown}/0001-spark-operator.k8s.yaml`,
      `kubectl get ${kind} spark-operator -n ${ns} --ignore-not-found -o name`,
      new RegExp(`^kubectl wait -n ${ns} --for=${escape(until)} --timeout=1[0-2]s ${escape(kind)}/spark-operator$`),
      /^kubectl wait --for=condition=Established --timeout=1[0-3]s customresourcedefinition\//,
      /^kubectl wait -n spark-operator --for=condition=Available --timeout=1[0-4]s deployment\/spark-operator-webhook$/,
      `kubectl apply -f ${shown}/0002-spark-jobs.k8s.yaml`,
      `kubectl apply -f ${shown}/0003-pipeline.k8s.yaml`,
    ]);
    expect(r.calls.filter((call) => call.includes('helm-install'))).toEqual([]);
    expect(r.stdout).toContain(`==> [platform] waiting up to 12s: ${kind} ${ns}/spark-operator ${until.replace(/^condition=/, '')}`);
    // The monitoring chart, released the same way, first; its PodMonitors once their CRD is there.
    expect(r.stdout).toContain(`==> [platform] waiting up to 12s: ${kind} ${ns}/kube-prometheus-stack ${until.replace(/^condition=/, '')}`);
    expect(r.stdout).toContain('podmonitor/spark-drivers-team-alpha created');
    expect(r.stdout).toContain('==> [results] all 3 SparkApplication(s) COMPLETED');
    // The data pipeline's job is followed like the others; its rows are counted, `pipeline` checks them.
    expect(r.stdout).toMatch(/\| team-alpha \| flight-delays \| PySpark \| ✅ COMPLETED \| 1 result rows \(npm run cluster:pipeline checks them\) \|/);
  }, EXAMPLE_RUN_MS);

  test.concurrent.each([
    ['flux', ['HelmRepository', 'HelmRelease'], 'HelmRepository', "install Flux's controllers first"],
    ['argocd', ['Application'], 'Application', 'install Argo CD into the namespace argocd first'],
  ])('examples/%s/dist/ on a cluster without its controllers: apply fails naming the kind, with how to install them', async (example, missingKinds, kind, hint) => {
    const dist = path.join(repoRoot, 'examples', example, 'dist');
    const r = await run('apply', { ...happy(), missingKinds }, { env: { DIST_DIR: dist } });

    expect(r.code).toBe(1);
    // The monitoring file comes first: its chart is released the same way.
    expect(r.stderr).toContain('FAILED [platform] 0000-monitoring.k8s.yaml: kubectl apply failed');
    expect(r.stderr).toContain(`no matches for kind "${kind}"`);
    expect(r.stderr).toContain(hint);
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
  });

  test.concurrent('applies the platform, waits for the operator, applies the jobs and prints the results', async () => {
    const r = await run('apply', happy());

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.contexts).toEqual(new Set([CONTEXT]));
    // GIVEN files that sort in apply order, THEN the platform files go first, in name order, ...
    expectCallsInOrder(r, [
      'kubectl apply -f <dist>/0000-tenants.k8s.yaml',
      'kubectl apply -f <dist>/0001-spark-operator.k8s.yaml',
      // ... each followed by the install of its charts, ...
      'kubectl get job helm-install-spark-operator -n kube-system',
      // ... then the readiness gates, each within its own bound (kubectl wait gets what is left of it), ...
      `kubectl get customresourcedefinition ${CRD} --ignore-not-found -o name`,
      /^kubectl wait --for=condition=Established --timeout=1[0-3]s customresourcedefinition\/sparkapplications\.sparkoperator\.k8s\.io$/,
      'kubectl get deployment spark-operator-controller -n spark-operator',
      /^kubectl wait -n spark-operator --for=condition=Available --timeout=1[0-4]s deployment\/spark-operator-controller$/,
      'kubectl get deployment spark-operator-webhook -n spark-operator',
      /^kubectl wait -n spark-operator --for=condition=Available --timeout=1[0-4]s deployment\/spark-operator-webhook$/,
      // ... then the jobs (again after the webhook's first refusal), then each application to its end.
      'kubectl apply -f <dist>/0002-spark-jobs.k8s.yaml',
      'kubectl apply -f <dist>/0002-spark-jobs.k8s.yaml',
      'kubectl get sparkapplication pyspark-pi-test -n team-alpha -o jsonpath={.status.applicationState.state}',
      'kubectl logs -n team-alpha pyspark-pi-test-driver',
      'kubectl get sparkapplication spark-pi-test -n team-beta -o jsonpath={.status.applicationState.state}',
      'kubectl logs -n team-beta spark-pi-test-driver',
    ]);
    expect(r.calls.filter((call) => call.startsWith('kubectl apply'))).toHaveLength(4);
    // The Job appears after some polls and is polled until Complete.
    expect(r.calls.filter((call) => call.includes('get job helm-install-spark-operator'))).toHaveLength(3);
    expect(r.calls.filter((call) => call.includes('get sparkapplication pyspark-pi-test -n team-alpha -o jsonpath={.status'))).toHaveLength(4);

    expect(r.stdout).toContain('==> [platform] applying 2 file(s), each after the charts of the one before');
    expect(r.stdout).toContain('==> [platform] waiting up to 12s: Job kube-system/helm-install-spark-operator (installs HelmChart kube-system/spark-operator) complete');
    // Without the monitoring add-on there is no monitoring phase.
    expect(r.stdout).not.toContain('[monitoring]');
    expect(r.stdout).toContain(`==> [operator] waiting up to 13s: customresourcedefinition ${CRD} Established`);
    expect(r.stdout).toContain('==> [operator] waiting up to 14s: deployment spark-operator/spark-operator-webhook Available');
    expect(r.stdout).toContain("the operator's webhook is not serving yet (attempt 1 of 3)");
    expect(r.stdout).toContain('==> [jobs] applying 1 file(s)');
    expect(r.stdout).toContain('==> [results] following 2 SparkApplication(s), all within 16s');
    expect(r.stdout).toMatch(/==> \[results\] waiting up to \d+s more: SparkApplication team-beta\/spark-pi-test COMPLETED or FAILED/);
    expect(r.stdout).toContain(
      [
        '| Namespace | Application | Type | State | Result |',
        '|---|---|---|---|---|',
        '| team-alpha | pyspark-pi-test | PySpark | ✅ COMPLETED | Pi ≈ 3.138040 |',
        '| team-beta | spark-pi-test | Scala | ✅ COMPLETED | Pi ≈ 3.141651 |',
      ].join('\n'),
    );
    expect(r.stdout).toContain('==> [results] all 2 SparkApplication(s) COMPLETED');
  });

  test.concurrent('a CRD that never becomes Established: bounded wait, non-zero exit, no jobs applied', async () => {
    const r = await run('apply', { ...happy(), neverReady: [`customresourcedefinition/${CRD}`] });

    expect(r.code).toBe(1);
    expectCallsInOrder(r, [/^kubectl wait --for=condition=Established --timeout=1[0-3]s customresourcedefinition\//]);
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
    expect(r.calls.some((call) => call.includes('deployment'))).toBe(false);
    expect(r.stderr).toContain(`FAILED [operator] customresourcedefinition ${CRD}: not Established within 13s`);
    expect(r.stderr).toContain(`timed out waiting for the condition on customresourcedefinitions/${CRD}`);
    expect(r.stderr).toContain('kubectl logs -n spark-operator deployment/spark-operator-controller');
  });

  test.concurrent('an operator pod that cannot pull its image gets the image hint', async () => {
    const r = await run('apply', {
      ...happy(),
      neverReady: ['deployment/spark-operator-controller'],
      waitingReasons: { 'spark-operator': 'ImagePullBackOff' },
    });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [operator] deployment spark-operator/spark-operator-controller: not Available within 14s');
    expect(r.stderr).toContain('hint (Image Pull Issues)');
  });

  test.concurrent('a helm install Job that fails stops the run at once, naming the Job', async () => {
    const r = await run('apply', { ...happy(), helmJob: ['running', 'Failed'] });

    expect(r.code).toBe(1);
    expect(r.calls.filter((call) => call.includes('get job'))).toHaveLength(2);
    expect(r.stderr).toContain('FAILED [platform] Job kube-system/helm-install-spark-operator: the chart install failed');
    expect(r.stderr).toContain('kubectl logs -n kube-system job/helm-install-spark-operator');
  });

  test.concurrent('a helm install Job that never appears fails when its bound runs out', async () => {
    const r = await run('apply', { ...happy(), helmJob: ['absent'] }, { env: { HELM_JOB_TIMEOUT: '0' } });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [platform] Job kube-system/helm-install-spark-operator: did not appear within 0s');
  });

  test.concurrent('a webhook that keeps refusing: bounded retries, then the file and the error', async () => {
    const r = await run('apply', { ...happy(), webhookRefusals: 99 });

    expect(r.code).toBe(1);
    expect(r.calls.filter((call) => call.includes('apply -f <dist>/0002-spark-jobs.k8s.yaml'))).toHaveLength(3);
    expect(r.stderr).toContain('FAILED [jobs] 0002-spark-jobs.k8s.yaml: kubectl apply failed after 3 attempt(s)');
    expect(r.stderr).toContain('failed calling webhook');
  });

  test.concurrent('an application that ends FAILED: its error message and the quota hint, non-zero exit', async () => {
    const apps = happyApps();
    apps['team-beta/spark-pi-test'] = {
      type: 'Scala',
      states: ['SUBMITTED', 'FAILED'],
      podName: 'spark-pi-test-driver',
      errorMessage:
        'failed to run driver pod: pods "spark-pi-test-driver" is forbidden: exceeded quota: team-beta-quota, ' +
        'requested: limits.memory=17Gi, used: limits.memory=0, limited: limits.memory=16Gi',
    };
    const r = await run('apply', { ...happy(), apps });

    expect(r.code).toBe(1);
    // The other application is still followed and reported.
    expect(r.stdout).toContain('| team-alpha | pyspark-pi-test | PySpark | ✅ COMPLETED | Pi ≈ 3.138040 |');
    expect(r.stdout).toContain('| team-beta | spark-pi-test | Scala | ❌ FAILED | see below |');
    expect(r.calls).not.toContain('kubectl logs -n team-beta spark-pi-test-driver');
    expect(r.stderr).toContain('FAILED [results] SparkApplications: 1 of 2 did not complete');
    expect(r.stderr).toContain('SparkApplication team-beta/spark-pi-test FAILED: failed to run driver pod: pods "spark-pi-test-driver" is forbidden: exceeded quota');
    expect(r.stderr).toContain('hint (Resource Quota Violations)');
    expect(r.stderr).toContain('kubectl describe quota -n team-beta');
    expect(r.stderr).not.toContain('hint (Permission Errors)');
  });

  test.concurrent('an application refused for lack of permissions gets the permission hint', async () => {
    const apps = happyApps();
    apps['team-alpha/pyspark-pi-test'] = {
      type: 'Python',
      states: ['SUBMISSION_FAILED'],
      errorMessage: 'pods is forbidden: User "system:serviceaccount:team-alpha:team-alpha-sa" cannot create resource "pods"',
    };
    const r = await run('apply', { ...happy(), apps });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SparkApplication team-alpha/pyspark-pi-test SUBMISSION_FAILED: pods is forbidden');
    expect(r.stderr).toContain('hint (Permission Errors)');
    expect(r.stderr).toContain('kubectl get rolebindings -n team-alpha');
  });

  test.concurrent('an application that never gets a state: the operator is not watching its namespace', async () => {
    const apps = happyApps();
    apps['team-alpha/pyspark-pi-test'] = { ...apps['team-alpha/pyspark-pi-test'], states: ['RUNNING', 'COMPLETED'] };
    apps['team-beta/spark-pi-test'] = { type: 'Scala', states: [''] };
    const r = await run('apply', { ...happy(), apps }, { env: { APP_START_TIMEOUT: '0' } });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [results] SparkApplications: 1 of 2 did not complete');
    expect(r.stdout).toContain('| team-beta | spark-pi-test | Scala | ❌ NO STATE | see below |');
    expect(r.stderr).toContain('SparkApplication team-beta/spark-pi-test NO STATE: no state 0s after the jobs were applied');
    expect(r.stderr).toContain('hint (Spark Operator Not Watching Namespaces)');
    expect(r.stderr).toContain('it should list team-beta');
  });

  test.concurrent('an application still pending when its bound runs out: its pods\' waiting reason and the image hint', async () => {
    const apps = happyApps();
    apps['team-alpha/pyspark-pi-test'] = { type: 'Python', states: ['SUBMITTED'], podName: 'pyspark-pi-test-driver' };
    apps['team-beta/spark-pi-test'] = { ...apps['team-beta/spark-pi-test'], states: ['COMPLETED'] };
    const r = await run('apply', { ...happy(), apps, waitingReasons: { 'team-alpha': 'ImagePullBackOff' } }, { env: { APP_TIMEOUT: '0' } });

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('| team-alpha | pyspark-pi-test | PySpark | ❌ TIMED OUT (SUBMITTED) | see below |');
    expect(r.stderr).toContain('FAILED [results] SparkApplications: 1 of 2 did not complete');
    expect(r.stderr).toContain(
      'SparkApplication team-alpha/pyspark-pi-test TIMED OUT (SUBMITTED): still SUBMITTED 0s after the jobs were applied; ' +
        'pods in team-alpha are waiting: ImagePullBackOff',
    );
    expect(r.stderr).toContain('hint (Image Pull Issues)');
  });

  test.concurrent('an application kubectl cannot read stops the run, naming it', async () => {
    const apps = happyApps();
    delete apps['team-beta/spark-pi-test'];
    const r = await run('apply', { ...happy(), apps });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [results] SparkApplication team-beta/spark-pi-test: kubectl cannot read it');
    expect(r.stderr).toContain('sparkapplications.sparkoperator.k8s.io "spark-pi-test" not found');
  });

  test.concurrent('a bound that is not a whole number is refused before anything runs', async () => {
    const r = await run('apply', happy(), { env: { CRD_TIMEOUT: '2m' } });

    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toContain("FAILED [settings] CRD_TIMEOUT: must be a whole number (of seconds for timeouts), not '2m'");
  });

  test.concurrent('without a cluster the first apply fails, naming the file and pointing at `up`', async () => {
    const r = await run('apply', { ...happy(), clusters: [] });

    expect(r.code).toBe(1);
    expect(r.calls).toEqual(['kubectl apply -f <dist>/0000-tenants.k8s.yaml']);
    expect(r.stderr).toContain('FAILED [platform] 0000-tenants.k8s.yaml: kubectl apply failed');
    expect(r.stderr).toContain(`context "${CONTEXT}" does not exist`);
    expect(r.stderr).toContain("npm run cluster:up");
  });

  test.concurrent('needs kubectl', async () => {
    const r = await run('apply', happy(), { tools: ['docker', 'k3d'] });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing prerequisite: kubectl is not on PATH');
  });
});

describe('platform.sh apply with the Volcano add-on', () => {
  test.concurrent('installs Volcano, waits for its webhook, controllers and scheduler, then applies the queues, then the jobs', async () => {
    const r = await run('apply', { ...happy(), volcanoWebhookRefusals: 1 }, { dist: volcanoDist() });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectCallsInOrder(r, [
      'kubectl apply -f <dist>/0000-volcano.k8s.yaml',
      'kubectl get job helm-install-volcano -n kube-system',
      'kubectl apply -f <dist>/0001-spark-operator.k8s.yaml',
      /^kubectl wait -n volcano-system --for=condition=Available --timeout=1[0-8]s deployment\/volcano-admission$/,
      /^kubectl wait -n volcano-system --for=condition=Available --timeout=1[0-8]s deployment\/volcano-controllers$/,
      /^kubectl wait -n volcano-system --for=condition=Available --timeout=1[0-8]s deployment\/volcano-scheduler$/,
      'kubectl get customresourcedefinition queues.scheduling.volcano.sh --ignore-not-found -o name',
      'kubectl apply -f <dist>/0000-volcano.k8s.yaml',
      'kubectl apply -f <dist>/0000-volcano.k8s.yaml',
      /^kubectl wait -n spark-operator --for=condition=Available --timeout=1[0-4]s deployment\/spark-operator-webhook$/,
      'kubectl apply -f <dist>/0002-spark-jobs.k8s.yaml',
    ]);
    // Once refused before the CRD existed, once by the webhook that was not serving yet, then applied.
    expect(r.calls.filter((call) => call.includes('apply -f <dist>/0000-volcano.k8s.yaml'))).toHaveLength(3);
    expect(r.stdout).toContain('the rest of 0000-volcano.k8s.yaml once a chart has installed the CRDs queues.scheduling.volcano.sh');
    expect(r.stdout).toContain('==> [volcano] waiting up to 18s: deployment volcano-system/volcano-scheduler Available');
    expect(r.stdout).toContain('a webhook is not serving yet (attempt 1 of 3)');
    expect(r.stdout).toContain('      queue/team-alpha created');
    expect(r.stdout).toContain('==> [results] all 2 SparkApplication(s) COMPLETED');
  });

  test.concurrent('a Volcano that never becomes available stops the run before the queues and the jobs', async () => {
    const r = await run('apply', { ...happy(), neverReady: ['deployment/volcano-scheduler'] }, { dist: volcanoDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [volcano] deployment volcano-system/volcano-scheduler: not Available within 18s');
    expect(r.calls.filter((call) => call.includes('apply -f <dist>/0000-volcano.k8s.yaml'))).toHaveLength(1);
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
  });
});

describe('platform.sh apply with the monitoring add-on', () => {
  test.concurrent('installs the monitoring chart first, applies its PodMonitors once their CRD exists, waits for Prometheus and Grafana', async () => {
    const r = await run('apply', happy(), { dist: monitoringDist() });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // GIVEN the monitoring file, which sorts first, THEN its chart is installed before the next file
    // is applied: the operator's chart renders its PodMonitor only once the CRD exists; ...
    expectCallsInOrder(r, [
      'kubectl apply -f <dist>/0000-monitoring.k8s.yaml',
      'kubectl get job helm-install-kube-prometheus-stack -n kube-system',
      'kubectl apply -f <dist>/0000-tenants.k8s.yaml',
      'kubectl apply -f <dist>/0001-spark-operator.k8s.yaml',
      'kubectl get job helm-install-spark-operator -n kube-system',
      // ... the PodMonitors, refused before their CRD existed, are applied once it is established, ...
      'kubectl get customresourcedefinition podmonitors.monitoring.coreos.com --ignore-not-found -o name',
      /^kubectl wait --for=condition=Established --timeout=1[0-3]s customresourcedefinition\/podmonitors\.monitoring\.coreos\.com$/,
      'kubectl apply -f <dist>/0000-monitoring.k8s.yaml',
      // ... then Prometheus and Grafana, each within its bound, and how to open Grafana, ...
      /^kubectl wait -n monitoring --for=condition=Available --timeout=1[0-7]s deployment\/kube-prometheus-stack-operator$/,
      /^kubectl wait -n monitoring --for=jsonpath=\{\.status\.readyReplicas\}=1 --timeout=1[0-7]s statefulset\/prometheus-kube-prometheus-stack-prometheus$/,
      /^kubectl wait -n monitoring --for=condition=Available --timeout=1[0-7]s deployment\/kube-prometheus-stack-grafana$/,
      'kubectl get service kube-prometheus-stack-grafana -n monitoring --ignore-not-found -o name',
      // ... then the operator and the jobs, whose drivers Prometheus is ready to scrape.
      /^kubectl wait -n spark-operator --for=condition=Available --timeout=1[0-4]s deployment\/spark-operator-webhook$/,
      'kubectl apply -f <dist>/0002-spark-jobs.k8s.yaml',
    ]);
    expect(r.calls.filter((call) => call.includes('apply -f <dist>/0000-monitoring.k8s.yaml'))).toHaveLength(2);
    expect(r.calls.filter((call) => call.includes('get job helm-install-kube-prometheus-stack'))).toHaveLength(3);
    expect(r.stdout).toContain('==> [platform] applying 3 file(s), each after the charts of the one before');
    expect(r.stdout).toContain('the rest of 0000-monitoring.k8s.yaml once a chart has installed the CRDs podmonitors.monitoring.coreos.com');
    expect(r.stdout).toContain('      podmonitor/spark-drivers-team-alpha created');
    expect(r.stdout).toContain('==> [monitoring] waiting up to 17s: statefulset monitoring/prometheus-kube-prometheus-stack-prometheus jsonpath={.status.readyReplicas}=1');
    expect(r.stdout).toContain('==> [results] all 2 SparkApplication(s) COMPLETED');
  });

  test.concurrent('a monitoring chart that fails to install stops the run before the operator is applied', async () => {
    const r = await run('apply', { ...happy(), helmJob: ['running', 'Failed'] }, { dist: monitoringDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [platform] Job kube-system/helm-install-kube-prometheus-stack: the chart install failed');
    expect(r.stderr).toContain('kubectl logs -n kube-system job/helm-install-kube-prometheus-stack');
    expect(r.calls.some((call) => call.includes('0000-tenants') || call.includes('0001-spark-operator'))).toBe(false);
  });

  test.concurrent('a PodMonitor CRD that never becomes Established: bounded wait, naming the CRD', async () => {
    const r = await run('apply', { ...happy(), neverReady: ['customresourcedefinition/podmonitors.monitoring.coreos.com'] }, { dist: monitoringDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [platform] customresourcedefinition podmonitors.monitoring.coreos.com: not Established within 13s');
    expect(r.calls.filter((call) => call.includes('apply -f <dist>/0000-monitoring.k8s.yaml'))).toHaveLength(1);
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
  });

  test.concurrent('a Prometheus that never gets ready: bounded wait, the monitoring pods hint', async () => {
    const r = await run('apply', { ...happy(), neverReady: ['statefulset/prometheus-kube-prometheus-stack-prometheus'] }, { dist: monitoringDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [monitoring] statefulset monitoring/prometheus-kube-prometheus-stack-prometheus: not jsonpath={.status.readyReplicas}=1 within 17s');
    expect(r.stderr).toContain('kubectl get pods -n monitoring');
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
  });
});

describe('platform.sh up: the S3A image', () => {
  test.concurrent('a failing image build stops the run with a hint and imports nothing', async () => {
    const r = await run('up', { clusters: [CLUSTER], dockerBuildFails: true });

    expect(r.code).toBe(1);
    expect(r.calls.filter((call) => call.startsWith('k3d image import'))).toEqual([]);
    expect(r.stderr).toContain(`FAILED [image] image ${SPARK_S3A_IMAGE}: docker build failed (see above)`);
    expect(r.stderr).toContain('checks them against the checksums published beside them');
  });

  test('builds from the Dockerfile the platform ships, under the tag the manifests use', () => {
    const text = fs.readFileSync(script, 'utf8');
    expect(text).toContain(`S3A_IMAGE=\${S3A_IMAGE:-${SPARK_S3A_IMAGE}}`);
    expect(fs.existsSync(path.join(repoRoot, 'k3d', 'spark-s3a', 'Dockerfile'))).toBe(true);
  });
});

/** The keys the stand-ins hold for a Secret, decoded. */
function keysOf(r: Run, secret: string): { id: string; key: string } | undefined {
  const data = r.state.secrets[secret];
  if (!data) return undefined;
  const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString();
  return { id: decode(data.AWS_ACCESS_KEY_ID), key: decode(data.AWS_SECRET_ACCESS_KEY) };
}

const TENANT_SECRETS = ['object-store-credentials', 'object-store-history-credentials'];
const STORE_COPIES: Record<string, string> = { 'object-store-credentials': 'jobs', 'object-store-history-credentials': 'history' };

let storageDistDir: string | undefined;
/** The fixture dist/ with the storage add-on's file (the objects platform.sh acts on, as synth writes them). */
function storageDist(): string {
  if (!storageDistDir) {
    storageDistDir = fs.mkdtempSync(path.join(sandbox(), 'dist-'));
    for (const dir of [fixtureDist, path.join(fixtures, 'storage')]) {
      for (const file of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, file), path.join(storageDistDir, file));
    }
  }
  return storageDistDir;
}

/** The platform with object storage, on a cluster whose charts, Jobs and Deployments all come up. */
const withStorage = (): Scenario => ({
  ...happy(),
  jobs: { 'team-alpha/event-log-directory': ['Complete'], 'team-beta/event-log-directory': ['Complete'] },
  historyServers: ['team-alpha spark-history-server 18080', 'team-beta spark-history-server 18080'],
});

describe('platform.sh apply: object storage, event logs and History Servers', () => {
  test("the storage fixture holds what platform.sh acts on in dist/'s storage file, as synth writes it", () => {
    const summary = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS())
      .filter((d) => ['Namespace', 'HelmChart', 'Job', 'Deployment', 'Service'].includes(d.kind))
      .map((d) => ({ kind: d.kind, name: d.metadata.name, namespace: d.metadata.namespace, annotations: d.metadata.annotations }));
    expect(summary(path.join(fixtures, 'storage', '0001-object-storage.k8s.yaml'))).toEqual(summary(path.join(repoDist, '0001-object-storage.k8s.yaml')));
  });

  // One team's jobs' Secret exists already, as when dist/ is applied again.
  const KEPT = { AWS_ACCESS_KEY_ID: Buffer.from('KEPTKEYID').toString('base64'), AWS_SECRET_ACCESS_KEY: Buffer.from('keptsecret').toString('base64') };
  const SSA = 'kubectl apply --server-side --force-conflicts -f -';
  let happyRun: Promise<Run> | undefined;
  const happyStorageRun = () => (happyRun ??= run('apply', { ...withStorage(), secrets: { 'team-alpha/object-store-credentials': KEPT } }, { dist: storageDist() }));

  test.concurrent('waits in phases: keys, store ready, event log directories, History Servers, then the operator and the jobs', async () => {
    const r = await happyStorageRun();

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectCallsInOrder(r, [
      'kubectl apply -f <dist>/0000-tenants.k8s.yaml',
      // The store's Namespace first, then the keys, before anything of the store's file starts.
      'kubectl apply -f -',
      'kubectl get secret object-store-credentials -n team-alpha --ignore-not-found',
      SSA,
      'kubectl get secret object-store-history-credentials -n team-beta --ignore-not-found',
      SSA,
      'kubectl apply -f <dist>/0001-object-storage.k8s.yaml',
      // The store ready: its chart installed (buckets created by the chart's hook) and its server available.
      'kubectl get job helm-install-seaweedfs -n kube-system',
      /^kubectl wait -n object-store --for=condition=Available --timeout=\d+s deployment\/seaweedfs-all-in-one$/,
      // Each tenant's event log directory created, then each History Server available.
      'kubectl get job event-log-directory -n team-alpha',
      'kubectl get job event-log-directory -n team-beta',
      /^kubectl wait -n team-alpha --for=condition=Available --timeout=\d+s deployment\/spark-history-server$/,
      /^kubectl wait -n team-beta --for=condition=Available --timeout=\d+s deployment\/spark-history-server$/,
      'kubectl apply -f <dist>/0001-spark-operator.k8s.yaml',
      /^kubectl wait -n spark-operator --for=condition=Available --timeout=\d+s deployment\/spark-operator-webhook$/,
      // Only then the jobs, which write their event logs there.
      'kubectl apply -f <dist>/0002-spark-jobs.k8s.yaml',
      /^kubectl get services -A -l app.kubernetes.io\/name=spark-history-server/,
    ]);
    expect(r.stdout).toContain('==> [credentials] Secrets with generated keys, before 0001-object-storage.k8s.yaml starts anything');
    expect(r.stdout).toContain('==> [seaweedfs] waiting up to 18s: deployment object-store/seaweedfs-all-in-one Available');
    expect(r.stdout).toContain('==> [setup] waiting up to 19s: Job team-alpha/event-log-directory (from 0001-object-storage.k8s.yaml) complete');
    expect(r.stdout).toMatch(/==> \[services\] waiting up to 18s: deployment team-beta\/spark-history-server Available/);
    expect(r.stdout).toContain(`team-alpha: kubectl --context ${CONTEXT} port-forward -n team-alpha service/spark-history-server 18080:18080   ->  http://localhost:18080`);
    expect(r.stdout).toContain('==> [results] all 2 SparkApplication(s) COMPLETED');
  });

  test.concurrent("creates each tenant's missing keys at random, keeps existing ones, copies them for the store's identities, and never shows them", async () => {
    const r = await happyStorageRun();

    expect(r.code).toBe(0);
    const seen = new Set<string>();
    for (const team of ['team-alpha', 'team-beta']) {
      for (const secret of TENANT_SECRETS) {
        const keys = keysOf(r, `${team}/${secret}`)!;
        // The store's identity reads the very same keys from its copy.
        expect(keysOf(r, `object-store/${team}.${STORE_COPIES[secret]}`)).toEqual(keys);
        if (team === 'team-alpha' && secret === 'object-store-credentials') {
          expect(r.state.secrets[`${team}/${secret}`]).toEqual(KEPT);
          continue;
        }
        expect(keys.id).toMatch(/^[0-9A-F]{20}$/);
        expect(keys.key).toMatch(/^[0-9a-f]{40}$/);
        seen.add(keys.id).add(keys.key);
        for (const text of [r.stdout, r.stderr, ...r.calls]) {
          expect(text).not.toContain(keys.key);
          expect(text).not.toContain(r.state.secrets[`${team}/${secret}`].AWS_SECRET_ACCESS_KEY);
        }
      }
    }
    // Three new identities, six different values.
    expect(seen.size).toBe(6);
    // One server-side apply per identity: the Secret and its copy, or the copy alone.
    expect(r.calls.filter((call) => call === SSA)).toHaveLength(4);
    expect(r.stdout).toContain('Secret team-alpha/object-store-credentials: exists; keeping its keys');
    expect(r.stdout).toContain('Secret team-beta/object-store-history-credentials: created with new random keys');
    expect(r.stdout).toContain("Secret object-store/team-beta.history: the same keys, for the store's identities");
  });

  test.concurrent('a Secret without keys stops the run before the store starts, saying how to renew it', async () => {
    const r = await run('apply', { ...withStorage(), secrets: { 'team-alpha/object-store-credentials': {} } }, { dist: storageDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [credentials] Secret team-alpha/object-store-credentials: it lacks AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY');
    expect(r.stderr).toContain('kubectl delete secret -n team-alpha object-store-credentials');
    expect(r.calls.some((call) => call.includes('0001-object-storage.k8s.yaml'))).toBe(false);
  });

  test.concurrent('an event log directory Job that fails stops the run before the History Servers and the jobs', async () => {
    const r = await run('apply', { ...withStorage(), jobs: { 'team-alpha/event-log-directory': ['running', 'Failed'], 'team-beta/event-log-directory': ['Complete'] } }, { dist: storageDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [setup] Job team-alpha/event-log-directory: it failed (from 0001-object-storage.k8s.yaml)');
    expect(r.stderr).toContain('kubectl logs -n team-alpha job/event-log-directory');
    expect(r.calls.some((call) => call.includes('deployment/spark-history-server'))).toBe(false);
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
  });

  test.concurrent('a History Server that cannot pull the S3A image: bounded wait, the image hint, no jobs applied', async () => {
    const r = await run('apply', { ...withStorage(), neverReady: ['deployment/spark-history-server'], waitingReasons: { 'team-alpha': 'ErrImagePull' } }, { dist: storageDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [services] deployment team-alpha/spark-history-server: not Available within 18s');
    expect(r.stderr).toContain(`${SPARK_S3A_IMAGE} is never pulled: 'npm run cluster:up'`);
    expect(r.calls.some((call) => call.includes('0002-spark-jobs'))).toBe(false);
  });

  test.concurrent("a store that never becomes available: the store namespace's pods hint, no Jobs waited for", async () => {
    const r = await run('apply', { ...withStorage(), neverReady: ['deployment/seaweedfs-all-in-one'] }, { dist: storageDist() });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAILED [seaweedfs] deployment object-store/seaweedfs-all-in-one: not Available within 18s');
    expect(r.stderr).toContain('kubectl get pods -n object-store');
    expect(r.calls.some((call) => call.includes('event-log-directory'))).toBe(false);
  });
});

describe('platform.sh apply: generated credentials in hand-written manifests', () => {
  test.concurrent('a malformed entry of the annotation is refused, naming it', async () => {
    const dist = scratchDir('dist-bad-credentials-');
    fs.writeFileSync(path.join(dist, '0000-store.k8s.yaml'), [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  annotations:',
      '    spark-platform.io/generated-credentials: team-alpha/creds',
      '  name: object-store',
      '',
    ].join('\n'));
    const r = await run('apply', { clusters: [CLUSTER] }, { dist });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FAILED [credentials] Namespace object-store: its annotation spark-platform.io/generated-credentials has the entry 'team-alpha/creds', which is not <namespace>/<secret>:<copy>");
  });
});

describe('platform.sh status and down', () => {
  test.concurrent('status shows the nodes, the operator, the History Servers and the applications of an existing cluster', async () => {
    const r = await run('status', { clusters: [CLUSTER] });

    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      'k3d cluster list -o json',
      'kubectl get nodes',
      'kubectl get helmcharts.helm.cattle.io -A',
      'kubectl get deployments -n spark-operator',
      'kubectl get deployments -A -l app.kubernetes.io/name=spark-history-server',
      'kubectl get sparkapplications -A',
      'kubectl get service kube-prometheus-stack-grafana -n monitoring --ignore-not-found -o name',
      expect.stringMatching(/^kubectl get services -A -l app.kubernetes.io\/name=spark-history-server -o jsonpath=/),
    ]);
    expect(r.stdout).toContain('grafana: no Service monitoring/kube-prometheus-stack-grafana; the monitoring stack is not installed (yet)');
    // Without History Servers there is nothing to open.
    expect(r.stdout).not.toContain('port-forward');
  });

  test.concurrent("status says how to open each team's History Server, each on a port of its own", async () => {
    const r = await run('status', { clusters: [CLUSTER], historyServers: ['team-alpha spark-history-server 18080', 'team-beta spark-history-server 18080'] });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> [status] Spark History Servers: run the command, then open the URL');
    expect(r.stdout).toContain(`team-alpha: kubectl --context ${CONTEXT} port-forward -n team-alpha service/spark-history-server 18080:18080   ->  http://localhost:18080`);
    expect(r.stdout).toContain(`team-beta: kubectl --context ${CONTEXT} port-forward -n team-beta service/spark-history-server 18081:18080   ->  http://localhost:18081`);
  });

  test.concurrent('status says how to open Grafana and where its generated password is', async () => {
    const r = await run('status', { clusters: [CLUSTER], services: ['monitoring/kube-prometheus-stack-grafana'] });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> [status] grafana: open it with a port-forward (leave it running), then browse to http://localhost:3000');
    expect(r.stdout).toContain(`kubectl --context ${CONTEXT} port-forward -n monitoring service/kube-prometheus-stack-grafana 3000:80`);
    expect(r.stdout).toContain('password (generated in the cluster at install, kept in the Secret monitoring/kube-prometheus-stack-grafana)');
    expect(r.stdout).toContain(`kubectl --context ${CONTEXT} get secret -n monitoring kube-prometheus-stack-grafana -o jsonpath='{.data.admin-password}' | base64 -d; echo`);
  });

  test.concurrent('status without the cluster says how to create it', async () => {
    const r = await run('status', { clusters: [] });

    expect(r.code).toBe(1);
    expect(r.stdout).toContain("does not exist; create it with 'npm run cluster:up'");
  });

  test.concurrent('down deletes the cluster, and only when it exists', async () => {
    expect((await run('down', { clusters: [CLUSTER] })).calls).toEqual(['k3d cluster list -o json', `k3d cluster delete ${CLUSTER}`]);
    const absent = await run('down', { clusters: [] });
    expect(absent.code).toBe(0);
    expect(absent.calls).toEqual(['k3d cluster list -o json']);
  });

  test.concurrent('an unknown subcommand prints the usage', async () => {
    const r = await run('deploy', {});

    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: platform.sh up|apply|status|pipeline|down');
  });
});

describe('platform.sh pipeline', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const expected: Record<string, unknown>[] = require('../../pipelines/flight-delays/expected.json');
  /** The driver's log as flight_delays.py writes it: Spark's own lines around one PIPELINE_RESULT line per row. */
  const log = (rows: Record<string, unknown>[]) =>
    ['INFO SparkContext: Running Spark version 4.0.0', ...rows.map((r) => `PIPELINE_RESULT ${JSON.stringify(r)}`), `wrote ${rows.length} rows to s3a://team-alpha/curated/flight-delays/`, ''].join('\n');
  const pipeline = (app: Partial<AppScenario> = {}, load: string[] = ['running', 'Complete']): Scenario => ({
    clusters: [CLUSTER],
    jobs: { 'team-alpha/flight-delays-load': load },
    apps: { 'team-alpha/flight-delays': { type: 'Python', states: ['', 'SUBMITTED', 'RUNNING', 'COMPLETED'], podName: 'flight-delays-driver', log: log(expected), ...app } },
  });

  test.concurrent('waits for the loading Job, then the job, and compares the rows its driver logged with expected.json', async () => {
    const r = await run('pipeline', pipeline(), { dist: repoDist });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectCallsInOrder(r, [
      /^kubectl get job flight-delays-load -n team-alpha --ignore-not-found -o jsonpath=/,
      'kubectl get sparkapplication flight-delays -n team-alpha -o jsonpath={.status.applicationState.state}',
      'kubectl logs -n team-alpha flight-delays-driver',
    ]);
    expect(r.stdout).toContain('==> [load] waiting up to 19s: Job team-alpha/flight-delays-load (loads the data of pipeline flight-delays) complete');
    expect(r.stdout).toContain(`==> [flight-delays] ${expected.length} result row(s) in the log of team-alpha/flight-delays-driver; the first:`);
    expect(r.stdout).toContain(`      ${JSON.stringify(expected[0])}`);
    expect(r.stdout).toContain('==> [flight-delays] ✅ team-alpha/flight-delays: the result matches pipelines/flight-delays/expected.json');
  });

  test.concurrent('a result that differs from the expected fails, naming the rows and values', async () => {
    const wrong = expected.map((row, i) => (i === 3 ? { ...row, delayed_flights: (row.delayed_flights as number) + 1 } : row)).slice(0, -1);
    const r = await run('pipeline', pipeline({ log: log(wrong) }), { dist: repoDist });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`SparkApplication team-alpha/flight-delays: its result differs from pipelines/flight-delays/expected.json:\n${wrong.length} rows, expected ${expected.length}`);
    expect(r.stderr).toContain(`["${expected[3].month}","${expected[3].state}"] delayed_flights: ${(expected[3].delayed_flights as number) + 1}, expected ${expected[3].delayed_flights}`);
    expect(r.stderr).toContain('FAILED [pipeline] pipeline: 1 result(s) differ from the expected');
  });

  test.concurrent('a job that fails, a job that logs no result and a load that fails each stop the run with the reason', async () => {
    const failed = await run('pipeline', pipeline({ states: ['RUNNING', 'FAILED'], errorMessage: 'driver container failed with ExitCode: 1, Reason: Error' }), { dist: repoDist });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('FAILED [flight-delays] SparkApplication team-alpha/flight-delays: FAILED: driver container failed with ExitCode: 1, Reason: Error');

    const silent = await run('pipeline', pipeline({ log: 'INFO nothing to see\n' }), { dist: repoDist });
    expect(silent.code).toBe(1);
    expect(silent.stderr).toContain('SparkApplication team-alpha/flight-delays: COMPLETED, but its driver flight-delays-driver logged no PIPELINE_RESULT line');

    const load = await run('pipeline', pipeline({}, ['running', 'Failed']), { dist: repoDist });
    expect(load.code).toBe(1);
    expect(load.stderr).toContain('FAILED [load] Job team-alpha/flight-delays-load: the data was not loaded');
    expect(load.calls.filter((c) => c.includes('sparkapplication'))).toEqual([]);
  });

  test.concurrent('a dist/ without a pipeline is refused with what to do', async () => {
    const r = await run('pipeline', pipeline(), { dist: fixtureDist });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds no data pipeline (no object labelled spark-platform.io/pipeline)');
    expect(r.calls).toEqual([]);
  });
});
