import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { REPO, scratchDir } from '../support/project';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readSource, verify, sha256 } = require('../../scripts/upstream.js');
const SCRIPT = path.join(REPO, 'scripts', 'upstream.js');

/** A copy of upstream/ with the refresh script beside it, so that a refresh rewrites only the copy. */
function copyOfRepo(): string {
  const dir = scratchDir('upstream-');
  fs.cpSync(path.join(REPO, 'upstream'), path.join(dir, 'upstream'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(SCRIPT, path.join(dir, 'scripts', 'upstream.js'));
  return dir;
}

function runScript(dir: string, args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [path.join(dir, 'scripts', 'upstream.js'), ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe('upstream/', () => {
  test('every vendored file is listed in its SOURCE.md with repository, ref, commit, path and a matching sha256', () => {
    expect(verify()).toEqual([]);
    const rows = readSource(path.join(REPO, 'upstream', 'spark-operator-2.3.0')).rows;
    expect(rows.find((r: any) => r.file === 'sparkoperator.k8s.io_sparkapplications.yaml')).toMatchObject({
      repository: 'kubeflow/spark-operator',
      ref: 'v2.3.0',
      path: 'charts/spark-operator-chart/crds/sparkoperator.k8s.io_sparkapplications.yaml',
    });
  });

  test('verify names a file edited by hand and a file that no SOURCE.md lists', () => {
    const dir = copyOfRepo();
    fs.appendFileSync(path.join(dir, 'upstream', 'k3d', 'schema.json'), '\n');
    fs.writeFileSync(path.join(dir, 'upstream', 'k3d', 'extra.yaml'), 'a: 1\n');
    expect(verify(path.join(dir, 'upstream'))).toEqual([
      'upstream/k3d/schema.json does not match its sha256 in SOURCE.md (edited by hand?): restore it with npm run upstream:refresh -- k3d',
      'upstream/k3d/extra.yaml is not listed in SOURCE.md: add its repository, ref, commit, path and sha256, or remove it',
    ]);
  });

  test('refresh without network says it is offline and changes nothing', async () => {
    const dir = copyOfRepo();
    const before = fs.readFileSync(path.join(dir, 'upstream', 'k3d', 'SOURCE.md'), 'utf8');
    // The .invalid top-level domain never resolves, as no name does without network.
    const result = await runScript(dir, ['refresh', 'k3d'], { UPSTREAM_RAW_URL: 'http://github.invalid', UPSTREAM_API_URL: 'http://github.invalid' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^offline: cannot reach github\.invalid \((ENOTFOUND|EAI_AGAIN)\); no file was changed/);
    expect(fs.readFileSync(path.join(dir, 'upstream', 'k3d', 'SOURCE.md'), 'utf8')).toBe(before);
  });

  test('refresh downloads each file at its ref and rewrites the files and sha256 and commit columns that changed', async () => {
    const dir = copyOfRepo();
    const schema = fs.readFileSync(path.join(REPO, 'upstream', 'k3d', 'schema.json'));
    const newer = Buffer.concat([schema, Buffer.from('\n')]);
    const requests: string[] = [];
    // A stand-in for GitHub: the commit API and raw file downloads, for the k3d folder only.
    const server = http.createServer((req, res) => {
      requests.push(req.url!);
      if (req.url === '/repos/k3d-io/k3d/commits/v5.8.3') {
        res.end(JSON.stringify({ sha: 'c'.repeat(40) }));
      } else if (req.url === `/k3d-io/k3d/${'c'.repeat(40)}/pkg/config/v1alpha5/schema.json`) {
        res.end(newer);
      } else if (req.url === `/k3d-io/k3d/${'c'.repeat(40)}/pkg/config/test_assets/config_test_simple.yaml`) {
        res.end(fs.readFileSync(path.join(REPO, 'upstream', 'k3d', 'config_test_simple.yaml')));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await runScript(dir, ['refresh', 'k3d'], { UPSTREAM_RAW_URL: url, UPSTREAM_API_URL: url });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/updated {4}upstream\/k3d\/schema\.json \(k3d-io\/k3d@v5\.8\.3, commit cccccccccccc/);
      expect(requests).toContain('/repos/k3d-io/k3d/commits/v5.8.3');
    } finally {
      server.close();
    }
    expect(fs.readFileSync(path.join(dir, 'upstream', 'k3d', 'schema.json'))).toEqual(newer);
    const row = readSource(path.join(dir, 'upstream', 'k3d')).rows.find((r: any) => r.file === 'schema.json');
    expect(row).toMatchObject({ sha256: sha256(newer), commit: 'c'.repeat(40), ref: 'v5.8.3' });
    expect(verify(path.join(dir, 'upstream'))).toEqual([]);
  });
});
