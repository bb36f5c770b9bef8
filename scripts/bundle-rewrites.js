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

module.exports = { dropUndefinedFaster, shareModuleCopies };
