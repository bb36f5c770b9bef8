import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { REPO, scratchDir } from '../support/project';
import { testWithUpstream } from '../support/upstream';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { location, readLock, sha256, verify } = require('../../scripts/upstream.js');
const SCRIPT = path.join(REPO, 'scripts', 'upstream.js');
const FILL_COMMAND = 'npm run upstream:fetch';

// Each fetch below starts a node process, which takes seconds on a busy machine.
jest.setTimeout(30_000);

const entries: any[] = readLock();
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter((f) => f !== '');

describe('upstream.lock.json', () => {
  test('pins every file by repository, tag, commit, path, the raw url at that commit, sha256 and licence', () => {
    expect(entries.length).toBeGreaterThanOrEqual(34);
    for (const e of entries) {
      expect(e).toMatchObject({
        repository: expect.stringMatching(/^[\w.-]+\/[\w.-]+$/),
        tag: expect.any(String),
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
        path: expect.any(String),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        license: expect.stringMatching(/\S/),
      });
      expect(e.url).toBe(`https://raw.githubusercontent.com/${e.repository}/${e.commit}/${e.path}`);
      // A file goes to upstream/<source>/, or comes from an npm package.
      expect(e.npm ? `${e.npm} ${e.npmPath}` : e.file).toMatch(e.npm ? /^[\w.-]+@\d+\.\d+\.\d+ \S+$/ : new RegExp(`^${e.source}/[^/]+$`));
    }
    const locations = entries.map(location);
    expect(new Set(locations).size).toBe(locations.length);
    expect(entries.find((e) => e.file === 'spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml')).toMatchObject({
      repository: 'kubeflow/spark-operator',
      tag: 'v2.3.0',
      commit: '85f696290db7ab8e4f16a23b50d8de6c7ec5aeef',
      path: 'charts/spark-operator-chart/crds/sparkoperator.k8s.io_sparkapplications.yaml',
    });
  });

  test('files from npm packages: the package is a devDependency at exactly the pinned version, and holds the pinned bytes', () => {
    const devDependencies = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).devDependencies;
    const fromNpm = entries.filter((e) => e.npm);
    expect(fromNpm.map((e) => location(e))).toEqual(['node_modules/vega-datasets/data/airports.csv', 'node_modules/vega-datasets/data/flights-20k.json']);
    for (const e of fromNpm) {
      const [name, version] = [e.npm.slice(0, e.npm.lastIndexOf('@')), e.npm.slice(e.npm.lastIndexOf('@') + 1)];
      expect(`${name}@${devDependencies[name]}`).toBe(e.npm);
      expect(JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version).toBe(version);
      expect(`${location(e)} ${sha256(fs.readFileSync(path.join(REPO, location(e))))}`).toBe(`${location(e)} ${e.sha256}`);
    }
  });
});

describe('the repository holds no copy of a pinned file', () => {
  test('no tracked file has the sha256 of a file upstream.lock.json pins, whatever its name', () => {
    const pinned = new Map<string, string>(entries.map((e) => [e.sha256, location(e)]));
    const copies = tracked.filter((f) => fs.existsSync(path.join(REPO, f)) && fs.statSync(path.join(REPO, f)).isFile())
      .map((f) => [f, pinned.get(sha256(fs.readFileSync(path.join(REPO, f))))])
      .filter(([, copyOf]) => copyOf !== undefined)
      .map(([f, copyOf]) => `${f} is a copy of ${copyOf}`);
    expect(copies).toEqual([]);
  });

  test('upstream/ is ignored by git and nothing in it is tracked', () => {
    expect(tracked.filter((f) => f.startsWith('upstream/'))).toEqual([]);
    const ignored = execFileSync('git', ['check-ignore', 'upstream/k3d/schema.json', '.upstream-fetch-x1/a'], { cwd: REPO, encoding: 'utf8' });
    expect(ignored.split('\n').filter((l) => l !== '')).toEqual(['upstream/k3d/schema.json', '.upstream-fetch-x1/a']);
  });

  test('only the fill step reads the local mirror beside the repository: scripts/upstream.js and .ci/run', () => {
    // This file names the mirror too, to test the fill step in scratch folders.
    const code = tracked.filter((f) => /\.(ts|js|sh|ya?ml)$|^\.ci\/|^package\.json$/.test(f) && f !== 'test/upstream/upstream.test.ts');
    const readers = code.filter((f) => /\.\.\/shared|'\.\.', 'shared'/.test(fs.readFileSync(path.join(REPO, f), 'utf8')));
    expect(readers.sort()).toEqual(['.ci/run', 'scripts/upstream.js']);
  });
});

testWithUpstream('upstream/ holds exactly the files upstream.lock.json pins, each with its sha256', () => {
  expect(verify()).toEqual([]);
});

/**
 * A scratch repository with the fetch script, a lock of two small files of its own (so that these
 * tests need no upstream file) and one from a stand-in npm package, and the mirror folder beside it.
 */
function scratchRepo(): { repo: string; shared: string; files: Record<string, Buffer> } {
  const dir = scratchDir('fetch-');
  const repo = path.join(dir, 'repo');
  const shared = path.join(dir, 'shared', 'upstream');
  const files: Record<string, Buffer> = {
    'alpha/crd.yaml': Buffer.from('kind: CustomResourceDefinition\n'),
    'alpha/values.yaml': Buffer.from('replicas: 1\r\n'),
  };
  const npmFile = Buffer.from('iata,name\n');
  const entry = (name: string, body: Buffer) => ({
    repository: 'example/alpha', tag: 'v1.0.0', commit: 'a'.repeat(40), path: `charts/${name}`,
    url: `https://raw.githubusercontent.com/example/alpha/${'a'.repeat(40)}/charts/${name}`, sha256: sha256(body), license: 'Apache-2.0',
  });
  const lock = {
    sources: [
      { name: 'alpha', notes: [], files: Object.entries(files).map(([file, body]) => ({ file, ...entry(path.basename(file), body) })) },
      { name: 'data', notes: [], files: [{ npm: 'data-pkg@1.0.0', npmPath: 'data/airports.csv', ...entry('airports.csv', npmFile) }] },
    ],
  };
  fs.mkdirSync(path.join(repo, 'scripts'), { recursive: true });
  fs.copyFileSync(SCRIPT, path.join(repo, 'scripts', 'upstream.js'));
  fs.writeFileSync(path.join(repo, 'upstream.lock.json'), JSON.stringify(lock));
  fs.mkdirSync(path.join(repo, 'node_modules', 'data-pkg', 'data'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'node_modules', 'data-pkg', 'data', 'airports.csv'), npmFile);
  for (const [file, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(shared, file)), { recursive: true });
    fs.writeFileSync(path.join(shared, file), body);
  }
  return { repo, shared, files };
}

function fetchIn(repo: string, env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean.UPSTREAM_MIRROR;
  delete clean.UPSTREAM_RAW_URL;
  return new Promise((resolve) => {
    execFile('node', [path.join(repo, 'scripts', 'upstream.js'), 'fetch'], { env: { ...clean, ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** The files of a folder and their contents, or undefined when it does not exist. */
function contents(dir: string): Record<string, string> | undefined {
  if (!fs.existsSync(dir)) {
    return undefined;
  }
  return Object.fromEntries(fs.readdirSync(dir, { recursive: true }).map(String).sort()
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** What fetch leaves beside upstream/ (its temporary folders), which must be nothing. */
function leftovers(repo: string): string[] {
  return fs.readdirSync(repo).filter((f) => f.startsWith('.upstream-fetch-'));
}

describe(`${FILL_COMMAND} (scripts/upstream.js fetch)`, () => {
  test('fills upstream/ from ../shared/upstream beside the repository, checking every sha256', async () => {
    // GIVEN a repository with the mirror folder beside it and no upstream/
    const { repo, files } = scratchRepo();
    // WHEN upstream/ is fetched
    const result = await fetchIn(repo);
    // THEN it holds the pinned files, and nothing else is left
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^upstream\/: 2 files from the mirror .*shared\/upstream, every sha256 as upstream\.lock\.json pins it; 1 more from npm packages/);
    expect(contents(path.join(repo, 'upstream'))).toEqual(Object.fromEntries(Object.entries(files).map(([f, b]) => [f, b.toString('utf8')])));
    expect(verify(repo)).toEqual([]);
    expect(leftovers(repo)).toEqual([]);
  });

  test('UPSTREAM_MIRROR names the mirror folder, and a fetch replaces an upstream/ that has other files', async () => {
    const { repo, shared } = scratchRepo();
    const mirror = path.join(path.dirname(repo), 'elsewhere');
    fs.renameSync(shared, mirror);
    fs.mkdirSync(path.join(repo, 'upstream', 'old'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'upstream', 'old', 'stale.yaml'), 'a: 1\n');
    const result = await fetchIn(repo, { UPSTREAM_MIRROR: mirror });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`from the mirror ${mirror}`);
    expect(Object.keys(contents(path.join(repo, 'upstream'))!)).toEqual(['alpha/crd.yaml', 'alpha/values.yaml']);
  });

  test('a file whose sha256 is not the pinned one is an error naming it, and upstream/ is left as it was', async () => {
    // GIVEN an upstream/ filled before, and a mirror where one file changed
    const { repo, shared } = scratchRepo();
    expect((await fetchIn(repo)).status).toBe(0);
    const before = contents(path.join(repo, 'upstream'));
    fs.appendFileSync(path.join(shared, 'alpha', 'values.yaml'), 'extra: true\n');
    // WHEN upstream/ is fetched again
    const result = await fetchIn(repo);
    // THEN the file is named, and upstream/ is unchanged
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^upstream\/alpha\/values\.yaml: sha256 [0-9a-f]{64} from .*shared\/upstream is not the pinned [0-9a-f]{64}; upstream\/ was not changed/);
    expect(contents(path.join(repo, 'upstream'))).toEqual(before);
    expect(leftovers(repo)).toEqual([]);
  });

  test('a file missing from the mirror is an error naming it, and no upstream/ is half filled', async () => {
    const { repo, shared } = scratchRepo();
    fs.rmSync(path.join(shared, 'alpha', 'crd.yaml'));
    const result = await fetchIn(repo);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^upstream\/alpha\/crd\.yaml is missing from the mirror .*; upstream\/ was not changed/);
    expect(fs.existsSync(path.join(repo, 'upstream'))).toBe(false);
    expect(leftovers(repo)).toEqual([]);
  });

  test('a file from an npm package that is not the pinned one is an error naming it and the fix', async () => {
    const { repo } = scratchRepo();
    fs.writeFileSync(path.join(repo, 'node_modules', 'data-pkg', 'data', 'airports.csv'), 'iata,name,city\n');
    const result = await fetchIn(repo);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('node_modules/data-pkg/data/airports.csv does not match its sha256 in upstream.lock.json: install data-pkg@1.0.0 exactly (npm ci)');
    expect(fs.existsSync(path.join(repo, 'upstream'))).toBe(false);
  });

  describe('without a mirror: downloads each pinned url (a local stand-in for the raw file host)', () => {
    let server: http.Server;
    let url: string;
    const requests: string[] = [];
    let served: Record<string, Buffer> = {};

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        requests.push(req.url!);
        if (served[req.url!]) {
          res.end(served[req.url!]);
        } else {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));

    function withoutMirror() {
      const { repo, shared, files } = scratchRepo();
      fs.rmSync(path.dirname(shared), { recursive: true });
      served = Object.fromEntries(Object.entries(files).map(([f, body]) => [`/example/alpha/${'a'.repeat(40)}/charts/${path.basename(f)}`, body]));
      return { repo, files };
    }

    test('fills upstream/ from the files at the pinned commit', async () => {
      const { repo, files } = withoutMirror();
      requests.length = 0;
      const result = await fetchIn(repo, { UPSTREAM_RAW_URL: url });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^upstream\/: 2 files from their pinned urls/);
      expect(requests.sort()).toEqual(Object.keys(served).sort());
      expect(Object.keys(contents(path.join(repo, 'upstream'))!)).toEqual(Object.keys(files));
    });

    test('a url that answers 404 is an error naming it, and nothing is written', async () => {
      const { repo } = withoutMirror();
      delete served[`/example/alpha/${'a'.repeat(40)}/charts/values.yaml`];
      const result = await fetchIn(repo, { UPSTREAM_RAW_URL: url });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^${url}/example/alpha/a{40}/charts/values\\.yaml answered 404 Not Found: check its repository, commit and path in upstream\\.lock\\.json; upstream/ was not changed`));
      expect(fs.existsSync(path.join(repo, 'upstream'))).toBe(false);
      expect(leftovers(repo)).toEqual([]);
    });

    test('a downloaded file with another sha256 is an error naming it', async () => {
      const { repo } = withoutMirror();
      served[`/example/alpha/${'a'.repeat(40)}/charts/crd.yaml`] = Buffer.from('kind: Other\n');
      const result = await fetchIn(repo, { UPSTREAM_RAW_URL: url });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^upstream\/alpha\/crd\.yaml: sha256 [0-9a-f]{64} from https:\/\/raw\.githubusercontent\.com\/example\/alpha\/a{40}\/charts\/crd\.yaml is not the pinned/);
      expect(fs.existsSync(path.join(repo, 'upstream'))).toBe(false);
    });
  });

  test('offline, without a mirror, it says so and changes nothing', async () => {
    const { repo, shared } = scratchRepo();
    fs.rmSync(path.dirname(shared), { recursive: true });
    // The .invalid top-level domain never resolves, as no name does without network.
    const result = await fetchIn(repo, { UPSTREAM_RAW_URL: 'http://github.invalid' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^offline: cannot reach github\.invalid \((ENOTFOUND|EAI_AGAIN)\); upstream\/ was not changed/);
    expect(fs.existsSync(path.join(repo, 'upstream'))).toBe(false);
    expect(leftovers(repo)).toEqual([]);
  });

  test('verify names a missing file, a file edited by hand and a file the lock does not list', async () => {
    const { repo } = scratchRepo();
    expect((await fetchIn(repo)).status).toBe(0);
    fs.rmSync(path.join(repo, 'upstream', 'alpha', 'crd.yaml'));
    fs.appendFileSync(path.join(repo, 'upstream', 'alpha', 'values.yaml'), '\n');
    fs.writeFileSync(path.join(repo, 'upstream', 'alpha', 'extra.yaml'), 'a: 1\n');
    expect(verify(repo)).toEqual([
      `upstream/alpha/crd.yaml is missing: run ${FILL_COMMAND}`,
      `upstream/alpha/values.yaml does not match its sha256 in upstream.lock.json (edited by hand?): run ${FILL_COMMAND}`,
      'upstream/alpha/extra.yaml is not listed in upstream.lock.json: pin it there, or remove it',
    ]);
  });
});
