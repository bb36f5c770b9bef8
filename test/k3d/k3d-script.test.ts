/**
 * The k3d cluster config and k3d/platform.sh, the thin script that creates the cluster, builds the S3A
 * image and hands apply, pipeline and status to the apply command (cluster/main.ts, tested in
 * cluster-apply.test.ts). The script runs against one small stand-in for docker, k3d and kubectl on a
 * PATH of its own, which logs each call and answers as the scenario says.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { SPARK_S3A_IMAGE } from '../../lib/addons/storage/s3a';
import { K3D_API_SERVER_ENDPOINTS } from '../../lib/tenancy/tenant-network';
import { testWithUpstream, upstreamPath } from '../support/upstream';
import { scratchDir } from '../support/project';

const repoRoot = path.join(__dirname, '..', '..');
const script = path.join(repoRoot, 'k3d', 'platform.sh');
const configFile = path.join(repoRoot, 'k3d', 'k3d-config.yaml');
const k3dSchemaFile = upstreamPath('k3d', 'schema.json');
const CLUSTER = 'data-platform-cluster';
const CONTEXT = `k3d-${CLUSTER}`;

// The stand-in: logs "<tool> <args>" to $CALLS; `k3d cluster list` prints $CLUSTERS; a tool named in
// $FAIL exits 1 with a message.
const STAND_IN = `#!/usr/bin/env bash
tool=\${0##*/}
printf '%s %s\\n' "$tool" "$*" >>"$CALLS"
if [[ " $FAIL " == *" $tool "* ]]; then echo "$tool: Cannot connect to the Docker daemon" >&2; exit 1; fi
if [[ $tool == k3d && $1 == cluster && $2 == list ]]; then printf '%s' "$CLUSTERS"; fi
exit 0
`;

interface Run { code: number; stdout: string; stderr: string; calls: string[] }

/** Runs the script with stand-ins for `tools` (and bash, node and the text tools it needs) on PATH. */
function run(args: string[], options: { tools?: string[]; clusters?: string[]; fail?: string[]; env?: Record<string, string> } = {}): Run {
  const dir = scratchDir('k3d-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const tool of options.tools ?? ['docker', 'k3d', 'kubectl']) {
    fs.writeFileSync(path.join(bin, tool), STAND_IN, { mode: 0o755 });
  }
  for (const tool of ['bash', 'awk', 'dirname', 'node']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    fs.symlinkSync(found, path.join(bin, tool));
  }
  const calls = path.join(dir, 'calls');
  fs.writeFileSync(calls, '');
  const clusters = JSON.stringify((options.clusters ?? []).map((name) => ({ name })));
  const result = spawnSync(path.join(bin, 'bash'), [script, ...args], {
    encoding: 'utf8',
    env: { PATH: bin, CALLS: calls, CLUSTERS: clusters, FAIL: (options.fail ?? []).join(' '), NODES_TIMEOUT: '11', ...options.env },
  });
  const shown = (line: string) => line.split(repoRoot).join('<repo>').trim();
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls: fs.readFileSync(calls, 'utf8').split('\n').filter((l) => l !== '').map(shown) };
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
  test('k3d/platform.sh is clean under every optional check', () => {
    const result = spawnSync('shellcheck', ['-o', 'all', script], { encoding: 'utf8' });
    if (result.error) {
      throw new Error(`shellcheck could not run (${result.error.message}); install it: apt-get install -y shellcheck`);
    }
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('the k3d scripts stay thin: at most 150 lines in all', () => {
    const lines = fs.readdirSync(path.join(repoRoot, 'k3d')).filter((f) => f.endsWith('.sh'))
      .map((f) => fs.readFileSync(path.join(repoRoot, 'k3d', f), 'utf8').split('\n').length - 1);
    expect(lines.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(150);
  });
});

describe('platform.sh up', () => {
  test('checks the prerequisites, creates the cluster from the config, waits for its nodes, builds and imports the image', () => {
    // GIVEN no cluster WHEN up runs
    const r = run(['up']);
    // THEN every step runs once, in order, against the cluster's context
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      'docker info',
      'k3d cluster list -o json',
      'k3d cluster create --config <repo>/k3d/k3d-config.yaml',
      `kubectl --context ${CONTEXT} wait --for=condition=Ready nodes --all --timeout=11s`,
      `docker build -t ${SPARK_S3A_IMAGE} <repo>/k3d/spark-s3a`,
      `k3d image import ${SPARK_S3A_IMAGE} -c ${CLUSTER}`,
    ]);
    expect(r.stdout).toContain(`==> [cluster] cluster ${CLUSTER} from k3d/k3d-config.yaml`);
    expect(r.stdout).toContain(`==> [image] image ${SPARK_S3A_IMAGE} is in the cluster's nodes; pods use it without pulling`);
  });

  test('leaves an existing cluster alone: no second create', () => {
    const r = run(['up'], { clusters: [CLUSTER] });
    expect(r.code).toBe(0);
    expect(r.calls.filter((call) => call.startsWith('k3d cluster create'))).toEqual([]);
    expect(r.stdout).toContain(`cluster ${CLUSTER} already exists; not creating it`);
  });

  test('names every missing prerequisite and touches nothing', () => {
    const r = run(['up'], { tools: ['kubectl'] });
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toContain('FAILED [prerequisites] prerequisites: missing docker k3d');
    expect(r.stderr).toContain('missing prerequisite: k3d is not on PATH; install k3d: https://k3d.io');
    expect(r.stderr).not.toContain('kubectl is not on PATH');
  });

  test('says so when docker is installed but its daemon is not running', () => {
    const r = run(['up'], { fail: ['docker'] });
    expect(r.code).toBe(1);
    expect(r.calls).toEqual(['docker info']);
    expect(r.stderr).toContain('FAILED [prerequisites] docker: docker is installed but its daemon is not reachable');
    expect(r.stderr).toContain('hint: start Docker Desktop or the Docker service');
  });

  test('builds from the Dockerfile the platform ships, under the tag the manifests use', () => {
    expect(fs.readFileSync(script, 'utf8')).toContain(`S3A_IMAGE=\${S3A_IMAGE:-${SPARK_S3A_IMAGE}}`);
    expect(fs.existsSync(path.join(repoRoot, 'k3d', 'spark-s3a', 'Dockerfile'))).toBe(true);
  });

  test('refuses a bound that is not a whole number', () => {
    const r = run(['up'], { env: { NODES_TIMEOUT: '2m' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FAILED [settings] NODES_TIMEOUT: must be a whole number (of seconds for timeouts), not '2m'");
  });
});

describe('platform.sh down, status and apply', () => {
  test('down deletes an existing cluster, and says so when there is none', () => {
    expect(run(['down'], { clusters: [CLUSTER] }).calls).toEqual(['k3d cluster list -o json', `k3d cluster delete ${CLUSTER}`]);
    const none = run(['down']);
    expect(none.calls).toEqual(['k3d cluster list -o json']);
    expect(none.stdout).toContain(`cluster ${CLUSTER} does not exist; nothing to delete`);
  });

  test('status without a cluster says how to create it', () => {
    const r = run(['status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED [prerequisites] cluster ${CLUSTER}: does not exist`);
  });

  test('apply hands over to the apply command with the context of the config, which needs the plan', () => {
    // GIVEN manifests without the plan synth writes beside them
    const dist = path.join(scratchDir('dist-'), 'dist');
    const r = run(['apply'], { env: { DIST_DIR: dist } });
    // THEN the apply command ran (it read no cluster) and says to synthesize
    expect(r.calls).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAILED [prerequisites] ${dist}.plan.json: no apply plan beside the manifests`);
    expect(r.stderr).toContain('hint: synthesize them first: npm run synth');
  });

  test('an unknown command prints the usage', () => {
    const r = run(['deploy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: platform.sh up|apply|status|pipeline|down');
  });
});
