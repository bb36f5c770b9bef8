#!/usr/bin/env node
// `npm run compile`: builds the package into build/ — the TypeScript of lib/ and imports/ with
// declarations, and the precompiled schema validators (lib/core/validators/*.js) beside them.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const build = path.join(root, 'build');
fs.rmSync(build, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const from = path.join(root, 'lib', 'core', 'validators');
const to = path.join(build, 'lib', 'core', 'validators');
for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.js'))) {
  fs.copyFileSync(path.join(from, file), path.join(to, file));
}
