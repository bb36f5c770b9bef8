import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { buildSync } from 'esbuild';
import { REPO, scratchDir } from '../support/project';

/* eslint-disable @typescript-eslint/no-require-imports */
const { dropUndefinedFaster, shareModuleCopies } = require(path.join(REPO, 'scripts', 'bundle-rewrites.js')) as {
  dropUndefinedFaster: (text: string) => string | undefined;
  shareModuleCopies: (code: string) => string;
};

/** Bundles `files` (entry main.ts) as spark-platform-synth does: CommonJS for Node, unminified. */
function bundle(files: Record<string, string>): string {
  const dir = scratchDir('bundle-');
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), text);
  }
  const result = buildSync({ entryPoints: [path.join(dir, 'main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
  return result.outputFiles[0].text;
}

/** Runs bundled code; returns what it printed with console.log, parsed as JSON. */
function run(code: string): any {
  const printed: string[] = [];
  const sandbox = { console: { log: (text: string) => printed.push(text) }, require };
  vm.runInNewContext(code, sandbox);
  return JSON.parse(printed.join(''));
}

describe('shareModuleCopies: one copy of a CommonJS module\'s exports for all its ES importers', () => {
  const files = {
    // A CommonJS module with a live binding, imported by two ES modules.
    'lib.js': 'exports.count = 0; exports.bump = () => { exports.count++; }; exports.name = "lib";',
    'a.ts': 'import * as lib from "./lib.js"; export const fromA = lib;',
    'b.ts': 'import * as lib from "./lib.js"; export const fromB = lib;',
    // A CommonJS module that loads an ES module importing it before it has all its exports.
    'cycle.js': 'exports.early = 1; const { keysSeenEarly } = require("./reader.ts"); exports.late = 2; exports.seen = keysSeenEarly;',
    'reader.ts': 'import * as cycle from "./cycle.js"; export const keysSeenEarly = () => Object.keys(cycle).filter((k) => k !== "default").sort();',
    'main.ts': [
      'import { fromA } from "./a"; import { fromB } from "./b"; import * as cycle from "./cycle.js"; import lib from "./lib.js";',
      'fromA.bump(); fromB.bump();',
      'console.log(JSON.stringify({ same: fromA === fromB, countA: fromA.count, countB: fromB.count, defaultName: lib.name,',
      '  cycleKeys: Object.keys(cycle).filter((k) => k !== "default").sort(), early: cycle.early, late: cycle.late }));',
    ].join('\n'),
  };

  test('importers share the copy, see live exports, and a module that gained exports gets a new copy', () => {
    // GIVEN esbuild's bundle of ES modules importing CommonJS modules, one of them in a require cycle
    const code = bundle(files);
    expect(code).toMatch(/^var __toESM = /m);
    // WHEN the bundle is rewritten
    const rewritten = shareModuleCopies(code);
    // THEN the helper is wrapped without moving a line
    expect(rewritten).not.toBe(code);
    expect(rewritten.split('\n').length).toBe(code.split('\n').length);
    // AND the program prints what it printed before, except that the importers share one copy
    const before = run(code);
    const after = run(rewritten);
    expect(before.same).toBe(false);
    expect(after).toEqual({ ...before, same: true });
    expect(after).toMatchObject({ countA: 2, countB: 2, defaultName: 'lib', cycleKeys: ['early', 'late', 'seen'], early: 1, late: 2 });
  });

  test('code without esbuild\'s helper is left as it is', () => {
    const code = 'var x = 1;\nconsole.log(JSON.stringify(x));\n';
    expect(shareModuleCopies(code)).toBe(code);
  });
});

describe('dropUndefinedFaster: the generated classes\' undefined-dropping without a copy per field', () => {
  const generated = [
    'function toJson_X(obj) {',
    '  const result = { "a": obj.a, "b": obj.b, "__proto__": obj.p, "c": obj.c };',
    '  return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});',
    '}',
    'module.exports = toJson_X;',
  ].join('\n');

  test('gives the same objects, keys in the same order and __proto__ an own key', () => {
    // GIVEN a generated class's toJson and the rewritten one
    const rewritten = dropUndefinedFaster(generated);
    expect(rewritten).toBeDefined();
    expect(rewritten).toContain('__definedFields(result)');
    const load = (code: string) => {
      const module = { exports: {} as any };
      vm.runInNewContext(code, { module, Object });
      return module.exports as (o: unknown) => any;
    };
    const [original, faster] = [load(generated), load(rewritten!)];
    for (const input of [{ a: 1, b: undefined, p: { x: 1 }, c: 'c' }, { a: undefined, b: null, p: undefined, c: 0 }, {}]) {
      // WHEN both render the same input THEN the results are alike, key for key
      const [x, y] = [original(input), faster(input)];
      expect(Object.keys(y)).toEqual(Object.keys(x));
      expect(JSON.stringify(y)).toBe(JSON.stringify(x));
      expect(Object.prototype.hasOwnProperty.call(y, '__proto__')).toBe(Object.prototype.hasOwnProperty.call(x, '__proto__'));
      expect(Object.getPrototypeOf(Object.getPrototypeOf(y))).toBe(null);
    }
  });

  test('a file without the pattern is not rewritten', () => {
    expect(dropUndefinedFaster('const x = Object.entries(y);')).toBeUndefined();
  });
});
