#!/usr/bin/env node
// `npm run check:peers`: the peer dependency ranges of package.json are true. For the oldest and
// the newest versions of cdk8s, cdk8s-plus-30 and constructs that the ranges allow, it installs
// that set into a temporary folder (npm install: network), synthesizes the seed (main.ts) with it
// in a copy of the project, and compares the output with dist/, byte for byte. Exits 1 on any
// difference or failure. Nothing in the repository is written.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What a synth of the seed reads besides node_modules. */
const PROJECT_FILES = ['main.ts', 'platform.ts', 'lib', 'imports', 'pipelines', 'tsconfig.json', 'package.json', 'scripts'];

/** Compares dotted versions numerically (the registry lists only releases for these ranges). */
function compareVersions(a, b) {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/** The published versions of `name` within `range`, oldest first. */
function versionsIn(name, range) {
  const out = execFileSync(NPM, ['view', `${name}@${range}`, 'version', '--json'], { encoding: 'utf8' });
  const parsed = JSON.parse(out);
  const list = (Array.isArray(parsed) ? parsed : [parsed]).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
  if (list.length === 0) {
    throw new Error(`no release of ${name} satisfies ${range}: fix peerDependencies in package.json`);
  }
  return list.sort(compareVersions);
}

/** Every file under a folder, by its path relative to the folder. */
function filesUnder(dir) {
  const out = {};
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    const full = path.join(dir, f);
    if (fs.statSync(full).isFile()) {
      out[f] = fs.readFileSync(full, 'utf8');
    }
  }
  return out;
}

/**
 * Installs `set` (name -> version) and synthesizes the seed with it in a copy of the project whose
 * node_modules holds the installed packages over the repository's others; returns the output folder.
 */
function synthWith(set, scratch, label) {
  const install = path.join(scratch, label, 'install');
  fs.mkdirSync(install, { recursive: true });
  fs.writeFileSync(path.join(install, 'package.json'), JSON.stringify({ name: `peers-${label}`, private: true, dependencies: set }, null, 2));
  execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts'], { cwd: install, stdio: ['ignore', 'ignore', 'inherit'] });
  const project = path.join(scratch, label, 'project');
  fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  for (const f of PROJECT_FILES) {
    fs.cpSync(path.join(REPO, f), path.join(project, f), { recursive: true });
  }
  const installed = path.join(install, 'node_modules');
  const modules = path.join(project, 'node_modules');
  for (const entry of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    if (!entry.startsWith('.') && !fs.existsSync(path.join(installed, entry))) {
      fs.symlinkSync(path.join(REPO, 'node_modules', entry), path.join(modules, entry));
    }
  }
  for (const entry of fs.readdirSync(installed)) {
    if (!entry.startsWith('.')) {
      fs.symlinkSync(path.join(installed, entry), path.join(modules, entry));
    }
  }
  const out = path.join(scratch, label, 'dist');
  const result = spawnSync(process.execPath, [path.join(project, 'scripts', 'synth.js'), '--out', out], {
    cwd: project,
    env: { ...process.env, SYNTH_CACHE: '0', CDK8S_OUTDIR: path.join(scratch, label, 'staging') },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`synth with ${JSON.stringify(set)} failed:\n${result.stderr}`);
  }
  for (const [name, version] of Object.entries(set)) {
    const actual = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version;
    if (actual !== version) {
      throw new Error(`${name} ${actual} was installed where ${version} was asked for`);
    }
  }
  return out;
}

function main() {
  const peers = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).peerDependencies;
  const oldest = {};
  const newest = {};
  for (const [name, range] of Object.entries(peers)) {
    const versions = versionsIn(name, range);
    oldest[name] = versions[0];
    newest[name] = versions[versions.length - 1];
    console.log(`${name} ${range}: oldest ${oldest[name]}, newest ${newest[name]} (${versions.length} releases)`);
  }
  const expected = filesUnder(path.join(REPO, 'dist'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'check-peers-'));
  let failed = false;
  try {
    for (const [label, set] of [['oldest', oldest], ['newest', newest]]) {
      const actual = filesUnder(synthWith(set, scratch, label));
      const differing = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].filter((f) => expected[f] !== actual[f]).sort();
      if (differing.length === 0) {
        console.log(`${label} (${Object.entries(set).map(([n, v]) => `${n} ${v}`).join(', ')}): the seed synthesizes byte-identically to dist/`);
      } else {
        failed = true;
        console.log(`${label} (${Object.entries(set).map(([n, v]) => `${n} ${v}`).join(', ')}): differs from dist/ in ${differing.join(', ')}: narrow peerDependencies in package.json, or fix the library for these versions`);
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

try {
  main();
} catch (error) {
  console.error(`check:peers failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
