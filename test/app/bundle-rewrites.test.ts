import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { buildSync } from 'esbuild';
import { REPO, scratchDir } from '../support/project';

/* eslint-disable @typescript-eslint/no-require-imports */
const { dropUndefinedFaster, lazyBuiltins, shareModuleCopies } = require(path.join(REPO, 'scripts', 'bundle-rewrites.js')) as {
  dropUndefinedFaster: (text: string) => string | undefined;
  lazyBuiltins: (code: string, exportsByModule: Record<string, string[]>) => string;
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
function run(code: string, req: (id: string) => unknown = require): any {
  const printed: string[] = [];
  const sandbox = { console: { log: (text: string) => printed.push(text) }, require: req };
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

describe('lazyBuiltins: crypto loaded when the bundle first uses it', () => {
  const files = {
    // A CommonJS module as tsc writes one (cdk8s, constructs), an ES module with a namespace import
    // and one with a named import, as the library's files are.
    'cjs.js': [
      'var __importStar = function (mod) { if (mod && mod.__esModule) return mod; var result = {};',
      '  var bind = function (k) { Object.defineProperty(result, k, { enumerable: true, get: function () { return mod[k]; } }); };',
      '  if (mod != null) for (var k of Object.getOwnPropertyNames(mod)) if (k !== "default") bind(k);',
      '  result.default = mod; return result; };',
      'const crypto = __importStar(require("crypto"));',
      'exports.sha1 = (text) => crypto.createHash("sha1").update(text).digest("hex");',
    ].join('\n'),
    'ns.ts': 'import * as crypto from "crypto"; export const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");',
    'named.ts': 'import { createHash } from "crypto"; export const md5 = (text: string) => createHash("md5").update(text).digest("hex");',
    'main.ts': [
      'import { sha1 } from "./cjs.js"; import { sha256 } from "./ns"; import { md5 } from "./named";',
      'const loadedBefore = (globalThis as any).cryptoLoads;',
      'console.log(JSON.stringify({ loadedBefore, hashes: [sha1("x"), sha256("x"), md5("x")], loadedAfter: (globalThis as any).cryptoLoads }));',
    ].join('\n'),
  };

  /** A require that counts the loads of crypto, on the sandbox's global. */
  const counting = (code: string) => {
    let loads = 0;
    const sandbox: any = { console: { log: (text: string) => printed.push(text) } };
    const printed: string[] = [];
    sandbox.require = (id: string) => {
      if (id === 'crypto') {
        sandbox.cryptoLoads = ++loads;
      }
      return require(id);
    };
    sandbox.cryptoLoads = 0;
    vm.runInNewContext(code, sandbox);
    return JSON.parse(printed.join(''));
  };

  test('every kind of import gets the same functions, and crypto loads once, at the first hash', () => {
    // GIVEN esbuild's bundle of files that import crypto as tsc's CommonJS, as a namespace and by name
    const code = bundle(files);
    expect(code).toContain('require("crypto")');
    // WHEN the bundle is rewritten with the exports of this Node's crypto
    const rewritten = lazyBuiltins(code, { crypto: Object.getOwnPropertyNames(require('crypto')) });
    // THEN no line moved, and it hashes as before
    expect(rewritten.split('\n').length).toBe(code.split('\n').length);
    const before = counting(code);
    const after = counting(rewritten);
    expect(after.hashes).toEqual(before.hashes);
    expect(after.hashes[0]).toBe(require('crypto').createHash('sha1').update('x').digest('hex'));
    // AND the original loads crypto as its files load, the rewritten one only when it first hashes, once
    expect(before.loadedBefore).toBeGreaterThan(0);
    expect(after).toMatchObject({ loadedBefore: 0, loadedAfter: 1 });
  });

  test('code that does not require the module is left as it is', () => {
    const code = '"use strict";\nconsole.log(JSON.stringify(require("fs") !== undefined));\n';
    expect(lazyBuiltins(code, { crypto: ['createHash'] })).toBe(code);
    expect(run(code)).toBe(true);
  });
});
