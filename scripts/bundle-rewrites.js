// Rewrites spark-platform-synth (scripts/synth.js) makes to the app's bundle: the same behaviour as
// the code esbuild bundled, with less work per synth. Each rewrite keeps line numbers as they were
// (so the debug bundle's source map still holds), and leaves code that does not have the expected
// shape as it is. test/app/bundle-rewrites.test.ts runs both on code esbuild made.
'use strict';

/**
 * The classes cdk8s generates from schemas (cdk8s-plus's k8s.js, the app's imports/) drop undefined
 * fields with `Object.entries(x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})`,
 * which copies the object once per field. The bundle calls one loop that builds the same object (same
 * keys, same order, `__proto__` an own key as with the spread) instead: the same JSON, with a fraction
 * of the garbage.
 */
const DROP_UNDEFINED = /Object\.entries\(([\w.$]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: i\[1\] \}\), \{\}\)/g;
const DROP_UNDEFINED_HELPER = `
function __definedFields(o) {
  const r = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    if (k === '__proto__') Object.defineProperty(r, k, { value: v, enumerable: true, configurable: true, writable: true });
    else r[k] = v;
  }
  return r;
}
`;

/** A generated-classes file with the faster undefined-dropping (DROP_UNDEFINED), or undefined when it has none. */
function dropUndefinedFaster(text) {
  const rewritten = text.replace(DROP_UNDEFINED, '__definedFields($1)');
  return rewritten === text ? undefined : rewritten + DROP_UNDEFINED_HELPER;
}

/**
 * esbuild's `__toESM(mod)`, which an ES import of a CommonJS module calls, copies every export of
 * the module onto a new object as a getter, once in every file that imports the module: cdk8s,
 * cdk8s-plus-30 and its hundreds of generated classes, a few dozen times per synth. The rewritten
 * helper keeps the first copy of a module and hands it to later importers while the module has the
 * same exports (a module still loading in a require cycle gets a new copy once it has more). Each
 * getter reads the live export, so every importer sees what it saw with its own copy. The helper is
 * wrapped on the line that ends its definition.
 */
const TO_ESM = /^var __toESM = [^\n]*(?:\n(?!var )[^\n]*)*?\n\)\);$/m;
const TO_ESM_SHARED = ' __toESM = ((toESM, copies) => (mod, isNodeMode) => {'
  + ' if (mod === null || (typeof mod !== "object" && typeof mod !== "function")) return toESM(mod, isNodeMode);'
  + ' const keys = Object.getOwnPropertyNames(mod).length;'
  + ' let made = copies.get(mod);'
  + ' if (made === undefined) copies.set(mod, made = [undefined, undefined]);'
  + ' const at = isNodeMode ? 1 : 0;'
  + ' if (made[at] === undefined || made[at].keys !== keys) made[at] = { keys, target: toESM(mod, isNodeMode) };'
  + ' return made[at].target;'
  + ' })(__toESM, new WeakMap());';

/** The bundle with esbuild's `__toESM` sharing one copy per module (TO_ESM); as it was when it has no such helper. */
function shareModuleCopies(code) {
  return code.replace(TO_ESM, (definition) => definition + TO_ESM_SHARED);
}

/**
 * Node's `crypto` takes a few milliseconds to load (a few dozen internal modules), and cdk8s,
 * constructs and the library require it when they load, though a synth rarely hashes anything
 * (cdk8s's names of objects without one, the repositories of Flux releases). The bundle's
 * `require("crypto")` gives an object with the module's exports (named at build time, by the Node
 * that builds the bundle) as accessors that load the module when one is first read or set.
 */
function lazyBuiltins(code, exportsByModule) {
  const names = Object.keys(exportsByModule).filter((m) => code.includes(`require("${m}")`));
  if (names.length === 0) {
    return code;
  }
  const exportsOf = Object.fromEntries(names.map((m) => [m, exportsByModule[m]]));
  const helper = `var __lazyBuiltins = {}, __lazyBuiltinExports = ${JSON.stringify(exportsOf)}; function __lazyBuiltin(id) {`
    + ' if (__lazyBuiltins[id] !== undefined) return __lazyBuiltins[id];'
    + ' let real; const load = () => (real ??= require(id)); const o = {};'
    + ' for (const k of __lazyBuiltinExports[id]) Object.defineProperty(o, k, { enumerable: true, configurable: true, get: () => load()[k], set: (v) => { load()[k] = v; } });'
    + ' return (__lazyBuiltins[id] = o); }';
  let out = code;
  for (const m of names) {
    out = out.split(`require("${m}")`).join(`__lazyBuiltin(${JSON.stringify(m)})`);
  }
  // On the first line, after a "use strict" directive: line numbers stay as they were.
  const prologue = /^(#![^\n]*\n)?(\s*(["'])use strict\3;?)?/.exec(out)[0];
  return `${prologue}${helper}${out.slice(prologue.length)}`;
}

module.exports = { dropUndefinedFaster, lazyBuiltins, shareModuleCopies };
