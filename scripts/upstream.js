#!/usr/bin/env node
// The upstream files vendored in upstream/<source>/: each folder's SOURCE.md lists every file with the
// repository, ref (tag), commit, path and sha256 it was copied from, in a table with the header
//   | file | repository | ref | commit | path | sha256 |
//
//   node scripts/upstream.js verify            check every listed file against its sha256, and that
//                                             every file of a folder is listed (the tests run this)
//   node scripts/upstream.js refresh [SOURCE]  download every listed file (or those of one folder)
//                                             again from GitHub at its ref; rewrite the files and the
//                                             sha256 and commit columns that changed
//
// Without network, refresh says so and changes nothing (exit status 2). UPSTREAM_RAW_URL and
// UPSTREAM_API_URL point it at another host (the tests use a local stand-in).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', 'upstream');
const HEADER = ['file', 'repository', 'ref', 'commit', 'path', 'sha256'];

function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

/** The rows of a SOURCE.md table: { file, repository, ref, commit, path, sha256, line }. */
function readSource(dir) {
  const text = fs.readFileSync(path.join(dir, 'SOURCE.md'), 'utf8');
  const lines = text.split('\n');
  const cells = (line) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const start = lines.findIndex((l) => l.trim().startsWith('|') && cells(l).join(',') === HEADER.join(','));
  if (start === -1) {
    throw new Error(`${path.relative(process.cwd(), dir)}/SOURCE.md has no table with the header | ${HEADER.join(' | ')} |`);
  }
  const rows = [];
  for (let i = start + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const c = cells(lines[i]);
    rows.push({ ...Object.fromEntries(HEADER.map((h, j) => [h, c[j] ?? ''])), line: i });
  }
  return { text, lines, rows };
}

function sources(only) {
  const names = fs.readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new Error(`no folder upstream/${unknown[0]}: the sources are ${names.join(', ')}`);
  }
  return names.filter((n) => !only || only.length === 0 || only.includes(n)).map((n) => path.join(ROOT, n));
}

/** Returns the problems of the vendored files: missing, unlisted or changed files, incomplete rows. */
function verify(root = ROOT) {
  const problems = [];
  const dirs = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(root, d.name));
  for (const dir of dirs) {
    const name = path.basename(dir);
    let rows;
    try {
      rows = readSource(dir).rows;
    } catch (e) {
      problems.push(e.message);
      continue;
    }
    const listed = new Set(rows.map((r) => r.file));
    for (const row of rows) {
      const missing = HEADER.filter((h) => !row[h]);
      if (missing.length > 0) {
        problems.push(`upstream/${name}/SOURCE.md: the row of ${row.file || '(no file)'} has no ${missing.join(', ')}`);
      }
      const file = path.join(dir, row.file);
      if (!fs.existsSync(file)) {
        problems.push(`upstream/${name}/${row.file} is listed in SOURCE.md but missing: run npm run upstream:refresh -- ${name}`);
      } else if (sha256(fs.readFileSync(file)) !== row.sha256) {
        problems.push(`upstream/${name}/${row.file} does not match its sha256 in SOURCE.md (edited by hand?): restore it with npm run upstream:refresh -- ${name}`);
      }
    }
    for (const file of fs.readdirSync(dir)) {
      if (file !== 'SOURCE.md' && !listed.has(file)) {
        problems.push(`upstream/${name}/${file} is not listed in SOURCE.md: add its repository, ref, commit, path and sha256, or remove it`);
      }
    }
  }
  return problems;
}

async function get(url) {
  let response;
  try {
    response = await fetch(url, { headers: { 'user-agent': 'spark-platform-upstream-refresh' } });
  } catch (e) {
    const offline = new Error(`offline: cannot reach ${new URL(url).host} (${e.cause?.code ?? e.cause?.message ?? e.message}); no file was changed`);
    offline.offline = true;
    throw offline;
  }
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status} ${response.statusText}: check the repository, ref and path in SOURCE.md`);
  }
  return Buffer.from(await response.arrayBuffer());
}

async function refresh(only) {
  const raw = process.env.UPSTREAM_RAW_URL ?? 'https://raw.githubusercontent.com';
  const api = process.env.UPSTREAM_API_URL ?? 'https://api.github.com';
  // Download everything first, so that an interrupted refresh changes nothing.
  const plans = [];
  for (const dir of sources(only)) {
    const source = readSource(dir);
    const commits = new Map();
    for (const row of source.rows) {
      const key = `${row.repository}@${row.ref}`;
      if (!commits.has(key)) {
        const info = JSON.parse((await get(`${api}/repos/${row.repository}/commits/${encodeURIComponent(row.ref)}`)).toString('utf8'));
        commits.set(key, info.sha);
      }
      const body = await get(`${raw}/${row.repository}/${commits.get(key)}/${row.path}`);
      plans.push({ dir, source, row, body, commit: commits.get(key) });
    }
  }
  let changed = 0;
  for (const { dir, source, row, body, commit } of plans) {
    const digest = sha256(body);
    const file = path.join(dir, row.file);
    const label = `upstream/${path.basename(dir)}/${row.file}`;
    if (digest === row.sha256 && commit === row.commit && fs.existsSync(file) && sha256(fs.readFileSync(file)) === digest) {
      console.log(`unchanged  ${label} (${row.repository}@${row.ref})`);
      continue;
    }
    fs.writeFileSync(file, body);
    source.lines[row.line] = `| ${[row.file, row.repository, row.ref, commit, row.path, digest].join(' | ')} |`;
    changed++;
    console.log(`updated    ${label} (${row.repository}@${row.ref}, commit ${commit.slice(0, 12)}, sha256 ${digest.slice(0, 12)})`);
  }
  for (const source of new Set(plans.map((p) => p.source))) {
    const dir = plans.find((p) => p.source === source).dir;
    fs.writeFileSync(path.join(dir, 'SOURCE.md'), source.lines.join('\n'));
  }
  console.log(`${changed} file${changed === 1 ? '' : 's'} changed; ${changed > 0 ? 'regenerate what depends on them: npm run import:offline && npm run validators' : 'nothing to regenerate'}`);
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'verify') {
    const problems = verify();
    if (problems.length > 0) {
      console.error(problems.join('\n'));
      process.exit(1);
    }
    console.log(`upstream/: every file matches its SOURCE.md (${sources().length} sources)`);
  } else if (command === 'refresh') {
    try {
      await refresh(args);
    } catch (e) {
      console.error(e.message);
      process.exit(e.offline ? 2 : 1);
    }
  } else {
    console.error('usage: node scripts/upstream.js verify | refresh [SOURCE...]');
    process.exit(2);
  }
}

if (require.main === module) {
  main();
}

module.exports = { readSource, verify, sha256 };
