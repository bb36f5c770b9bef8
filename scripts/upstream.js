#!/usr/bin/env node
// The upstream files that the tests and the generators (npm run validators, npm run import:offline)
// read are not committed: upstream.lock.json pins each one by repository, tag, commit, path, url and
// sha256, and this script fills upstream/ with them.
//
//   node scripts/upstream.js fetch    fill upstream/ (npm run upstream:fetch)
//   node scripts/upstream.js verify   check upstream/ and the npm-provided files against the lock
//
// fetch takes the files from a local mirror folder laid out as upstream/ (UPSTREAM_MIRROR, or
// ../shared/upstream beside the repository when that folder exists), otherwise it downloads each
// entry's url (UPSTREAM_RAW_URL replaces https://raw.githubusercontent.com, so that the tests can
// serve the files from a local stand-in). It fills a temporary folder, checks every sha256, and only
// then puts the folder in place of upstream/: a missing file or a wrong sha256 names the file and
// leaves upstream/ as it was. Entries with `npm` are not fetched: npm ci installs them as
// devDependencies, and fetch checks their sha256 in node_modules/.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const RAW = 'https://raw.githubusercontent.com';
const FILL_COMMAND = 'npm run upstream:fetch';

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

/** Every pinned file of upstream.lock.json, each with the name of its source. */
function readLock(repo = REPO) {
  const lock = JSON.parse(fs.readFileSync(path.join(repo, 'upstream.lock.json'), 'utf8'));
  return lock.sources.flatMap((source) => source.files.map((file) => ({ source: source.name, ...file })));
}

/** Where a pinned file is, relative to the repository: upstream/<file>, or node_modules/<package>/<npmPath>. */
function location(entry) {
  if (entry.npm) {
    const name = entry.npm.slice(0, entry.npm.lastIndexOf('@'));
    return path.posix.join('node_modules', name, entry.npmPath);
  }
  return path.posix.join('upstream', entry.file);
}

/** The problems of the npm-provided files: missing from node_modules/, or not the pinned bytes. */
function npmProblems(entries, repo) {
  const problems = [];
  for (const entry of entries.filter((e) => e.npm)) {
    const file = path.join(repo, location(entry));
    if (!fs.existsSync(file)) {
      problems.push(`${location(entry)} (${entry.npm}) is missing: run npm ci`);
    } else if (sha256(fs.readFileSync(file)) !== entry.sha256) {
      problems.push(`${location(entry)} does not match its sha256 in upstream.lock.json: install ${entry.npm} exactly (npm ci)`);
    }
  }
  return problems;
}

/** The problems of upstream/ against the lock: missing, changed or unlisted files, and the npm-provided files. */
function verify(repo = REPO) {
  const entries = readLock(repo);
  const problems = [];
  const root = path.join(repo, 'upstream');
  const listed = new Set(entries.filter((e) => !e.npm).map((e) => e.file));
  for (const entry of entries.filter((e) => !e.npm)) {
    const file = path.join(root, entry.file);
    if (!fs.existsSync(file)) {
      problems.push(`upstream/${entry.file} is missing: run ${FILL_COMMAND}`);
    } else if (sha256(fs.readFileSync(file)) !== entry.sha256) {
      problems.push(`upstream/${entry.file} does not match its sha256 in upstream.lock.json (edited by hand?): run ${FILL_COMMAND}`);
    }
  }
  if (fs.existsSync(root)) {
    for (const file of fs.readdirSync(root, { recursive: true })) {
      const name = String(file).split(path.sep).join('/');
      if (fs.statSync(path.join(root, name)).isFile() && !listed.has(name)) {
        problems.push(`upstream/${name} is not listed in upstream.lock.json: pin it there, or remove it`);
      }
    }
  }
  return [...problems, ...npmProblems(entries, repo)];
}

/** The folder fetch copies from, or undefined when it downloads. */
function mirrorFolder(repo) {
  if (process.env.UPSTREAM_MIRROR) {
    return path.resolve(process.env.UPSTREAM_MIRROR);
  }
  const shared = path.resolve(repo, '..', 'shared', 'upstream');
  return fs.existsSync(shared) ? shared : undefined;
}

async function download(url) {
  let response;
  try {
    response = await fetch(url, { headers: { 'user-agent': 'spark-platform-upstream-fetch' } });
  } catch (e) {
    const offline = new Error(`offline: cannot reach ${new URL(url).host} (${e.cause?.code ?? e.cause?.message ?? e.message}); upstream/ was not changed`);
    offline.offline = true;
    throw offline;
  }
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status} ${response.statusText}: check its repository, commit and path in upstream.lock.json; upstream/ was not changed`);
  }
  return Buffer.from(await response.arrayBuffer());
}

/** Fills upstream/ from the mirror or the pinned urls; returns what it did, or throws with every bad file named. */
async function fetchAll(repo = REPO) {
  const entries = readLock(repo);
  const problems = npmProblems(entries, repo);
  if (problems.length > 0) {
    throw new Error(problems.join('\n'));
  }
  const mirror = mirrorFolder(repo);
  const rawUrl = process.env.UPSTREAM_RAW_URL;
  const target = path.join(repo, 'upstream');
  const temp = fs.mkdtempSync(path.join(repo, '.upstream-fetch-'));
  try {
    for (const entry of entries.filter((e) => !e.npm)) {
      let body;
      if (mirror) {
        const file = path.join(mirror, entry.file);
        if (!fs.existsSync(file)) {
          problems.push(`upstream/${entry.file} is missing from the mirror ${mirror}; upstream/ was not changed`);
          continue;
        }
        body = fs.readFileSync(file);
      } else {
        body = await download(rawUrl && entry.url.startsWith(RAW) ? rawUrl + entry.url.slice(RAW.length) : entry.url);
      }
      const digest = sha256(body);
      if (digest !== entry.sha256) {
        problems.push(`upstream/${entry.file}: sha256 ${digest} from ${mirror ?? entry.url} is not the pinned ${entry.sha256}; upstream/ was not changed (after changing a pin on purpose, put the new sha256 into upstream.lock.json)`);
        continue;
      }
      fs.mkdirSync(path.dirname(path.join(temp, entry.file)), { recursive: true });
      fs.writeFileSync(path.join(temp, entry.file), body);
    }
    if (problems.length > 0) {
      throw new Error(problems.join('\n'));
    }
    // The complete, checked folder replaces upstream/ in two renames.
    const old = `${temp}-old`;
    if (fs.existsSync(target)) {
      fs.renameSync(target, old);
    }
    fs.renameSync(temp, target);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  const count = entries.filter((e) => !e.npm).length;
  return `upstream/: ${count} files from ${mirror ? `the mirror ${mirror}` : 'their pinned urls'}, every sha256 as upstream.lock.json pins it; ${entries.length - count} more from npm packages in node_modules/ checked too`;
}

async function main() {
  const [command] = process.argv.slice(2);
  if (command === 'fetch') {
    try {
      console.log(await fetchAll());
    } catch (e) {
      console.error(e.message);
      process.exit(e.offline ? 2 : 1);
    }
  } else if (command === 'verify') {
    const problems = verify();
    if (problems.length > 0) {
      console.error(problems.join('\n'));
      process.exit(1);
    }
    console.log(`upstream/ and the npm-provided files match upstream.lock.json (${readLock().length} files)`);
  } else {
    console.error('usage: node scripts/upstream.js fetch | verify');
    process.exit(2);
  }
}

if (require.main === module) {
  main();
}

module.exports = { FILL_COMMAND, location, readLock, sha256, verify };
