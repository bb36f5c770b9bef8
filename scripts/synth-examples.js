#!/usr/bin/env node
// Synthesizes every example app, examples/<name>/main.ts, into its own examples/<name>/dist/ with
// scripts/synth.js (`npm run synth:examples`). Each synthesizes in a staging folder of its own, and
// a failed one leaves its dist/ unchanged; the exit code is non-zero when any failed.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const EXAMPLES = path.join(REPO, 'examples');

const names = fs.readdirSync(EXAMPLES).filter((name) => fs.existsSync(path.join(EXAMPLES, name, 'main.ts'))).sort();
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-examples-'));
let failed = 0;
try {
  for (const name of names) {
    const result = spawnSync(process.execPath, [path.join(__dirname, 'synth.js'), path.join('examples', name, 'main.ts')], {
      cwd: REPO,
      env: { ...process.env, SYNTH_DIST_DIR: path.join('examples', name, 'dist'), CDK8S_OUTDIR: path.join(staging, name) },
      stdio: 'inherit',
    });
    if (result.status !== 0) {
      failed += 1;
    }
  }
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
