/**
 * Kubernetes CEL, evaluated offline with @bufbuild/cel (an RE2 `matches`, heterogeneous numeric
 * equality, errors as values, the strings extension), plus the Kubernetes `lists` and `sets`
 * functions. Objects are presented as the API server presents them to admission: integral JSON
 * numbers as int, other numbers as double, null fields pruned.
 *
 * Known gaps against the API server: no cost budget; no type checking at policy creation beyond
 * what compileProblems() finds; map keys iterate in insertion order (cel-go's is unspecified);
 * `has()` of a present null is false; the regex `find`, `url`, `quantity`, `ip` and `authorizer`
 * libraries are absent.
 */
import { celEnv, celFunc, celMethod, CelScalar, isCelError, listType, parse, plan, type CelFunc, type CelList } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { strings } from '@bufbuild/cel/ext';

/** JSON as the API server hands it to CEL: integral numbers as int (bigint), nulls dropped. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    return value.map(toCel);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}

const DYN_LIST = listType(CelScalar.DYN);
const items = (l: CelList) => Array.from(l) as any[];
const same = (a: any, b: any) => a === b || ((typeof a === 'bigint' || typeof b === 'bigint') && Number(a) === Number(b));
/** The Kubernetes `lists` library and the `sets` extension, as far as policies here use them. */
const KUBERNETES_LIBRARIES: CelFunc[] = [
  celMethod('isSorted', DYN_LIST, [], CelScalar.BOOL, function (this: CelList) {
    const a = items(this);
    return a.every((x, i) => i === 0 || a[i - 1] <= x);
  }),
  celMethod('indexOf', DYN_LIST, [CelScalar.DYN], CelScalar.INT, function (this: CelList, x: unknown) {
    return BigInt(items(this).findIndex((y) => same(y, x)));
  }),
  celFunc('sets.contains', [DYN_LIST, DYN_LIST], CelScalar.BOOL, (a: CelList, b: CelList) => items(b).every((y) => items(a).some((x) => same(x, y)))),
  celFunc('sets.intersects', [DYN_LIST, DYN_LIST], CelScalar.BOOL, (a: CelList, b: CelList) => items(b).some((y) => items(a).some((x) => same(x, y)))),
];

/**
 * The RE2 engine of `matches`, compiling each pattern once: the policies' allow-lists are long
 * patterns that every evaluation would otherwise compile again (CelEnvOptions.re2).
 */
interface Matcher {
  test(text: string): boolean;
}
const compiled = new Map<string, Matcher>();
const re2 = {
  compile(pattern: string): Matcher {
    let matcher = compiled.get(pattern);
    if (matcher === undefined) {
      matcher = RE2JS.compile(pattern);
      compiled.set(pattern, matcher);
    }
    return matcher;
  },
};

const env = celEnv({ funcs: [...strings, ...KUBERNETES_LIBRARIES], re2 });

export type CelOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const programs = new Map<string, ReturnType<typeof plan>>();

/** Evaluates an expression over variables that are already in CEL form (see toCel). */
export function evaluate(expression: string, variables: Record<string, unknown>): CelOutcome {
  let program = programs.get(expression);
  if (!program) {
    program = plan(env, parse(expression));
    programs.set(expression, program);
  }
  const result = program(variables as Parameters<typeof program>[0]);
  return isCelError(result) ? { ok: false, error: result.message } : { ok: true, value: result };
}

/** Identifiers the API server declares for admission policy expressions. */
const DECLARED = new Set(['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables', 'authorizer']);
/** Macros and functions the expressions may bind or call at the top level. */
const BUILTIN = new Set(['has', 'size', 'int', 'uint', 'double', 'string', 'bytes', 'bool', 'type', 'dyn', 'duration', 'timestamp', 'matches', 'null', 'true', 'false', 'in', 'sets']);

/**
 * What the Kubernetes 1.31 API server (CEL compatibility version 1.30) would refuse of an expression
 * when the policy is created, as far as can be told offline: syntax errors, `cel.bind`, optional
 * field syntax, the `format` library, two-variable comprehensions, unknown top-level identifiers,
 * and regular expressions RE2 does not accept in `matches` literals.
 */
export function compileProblems(expression: string): string[] {
  const problems: string[] = [];
  try {
    parse(expression);
  } catch (e) {
    problems.push(`syntax: ${(e as Error).message}`);
  }
  if (/\bcel\.bind\s*\(/.test(expression)) {
    problems.push('cel.bind is not in the Kubernetes 1.31 environment');
  }
  if (/\.\?[A-Za-z_]|\.orValue\(|\boptional\./.test(expression)) {
    problems.push('optional field syntax is not evaluated by the tests; do not use it');
  }
  if (/\bformat\.[a-z]/i.test(expression)) {
    problems.push('the format library is newer than the 1.30 compatibility version');
  }
  if (/\.(all|exists|exists_one)\(\s*[A-Za-z_]\w*\s*,\s*[A-Za-z_]\w*\s*,/.test(expression)) {
    problems.push('two-variable comprehensions arrive in Kubernetes 1.32');
  }
  // Top-level identifiers: a word not preceded by '.' or a quote context, not a macro's bound variable.
  const code = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
  const bound = new Set([...code.matchAll(/\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,/g)].map((m) => m[1]));
  for (const m of code.matchAll(/(^|[^.\w])([A-Za-z_]\w*)\b(?!\s*:)/g)) {
    const name = m[2];
    if (!DECLARED.has(name) && !BUILTIN.has(name) && !bound.has(name) && !/^\d/.test(name)) {
      problems.push(`undeclared identifier ${name}`);
    }
  }
  for (const m of expression.matchAll(/\.matches\(\s*'((?:[^'\\]|\\.)*)'\s*\)/g)) {
    const literal = m[1].replace(/\\\\/g, '\\').replace(/\\'/g, "'");
    if (/\(\?[=!<]|\\[1-9]/.test(literal)) {
      problems.push(`regular expression ${literal} uses lookaround or backreferences, which RE2 does not accept`);
    }
  }
  return [...new Set(problems)];
}
