/**
 * Kubernetes objects as YAML, byte for byte as cdk8s writes them (the `yaml` package with the YAML
 * 1.1 schema, no line folding), in a fraction of the time: cdk8s builds a node tree per document,
 * which is most of a large synth's time. Maps, lists, integers, booleans and null are written here;
 * every string and non-integer number is written the way the `yaml` package writes it on its own
 * (asked once per distinct value), multi-line strings as the literal blocks it writes for them, and
 * a document with a value this writer does not handle (undefined, a string the `yaml` package
 * would write over several lines other than as a literal block) is written by the `yaml` package
 * as a whole.
 */
import { Document, stringify } from 'yaml';

/** The options cdk8s's Yaml.stringify passes to the `yaml` package. */
const OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' as const };

const strings = new Map<string, string | null>();
const blocks = new Map<string, string | null>();
const numbers = new Map<number, string | null>();
const keys = new Map<string, string | null>();

/**
 * Strings the `yaml` package writes plain, as they are, without asking it: a letter, then letters,
 * digits, ".", "_", "/" and "-" (no indicator, space, colon or quote), unless the YAML 1.1 schema
 * would read the text as another type (`yes`, `e5`, ...): the schema's own tests of its implicit
 * types decide, so they are the package's. Most values of a synth are such names, and most appear
 * once: asking the `yaml` package for each cost a tenth of a large synth. test/core/yaml.test.ts
 * holds this to the `yaml` package.
 */
const PLAIN_STRING = /^[A-Za-z][A-Za-z0-9._/-]*$/;
const IMPLICIT_TYPES: RegExp[] = new Document(null, OPTIONS).schema.tags.flatMap((t) => ('test' in t && t.test instanceof RegExp ? [t.test] : []));

/** Whether the `yaml` package writes the string plain, exactly as it is (see PLAIN_STRING). */
export function isPlainString(value: string): boolean {
  return PLAIN_STRING.test(value) && !IMPLICIT_TYPES.some((test) => test.test(value));
}

/** How the `yaml` package writes a single-line scalar on its own; null when it takes more than one line. */
function scalarText(value: string | number): string | null {
  if (typeof value === 'string' && isPlainString(value)) {
    return value;
  }
  const cache: Map<string | number, string | null> = typeof value === 'string' ? strings : numbers;
  let text = cache.get(value);
  if (text === undefined) {
    const out = stringify(value, OPTIONS);
    text = out.indexOf('\n') === out.length - 1 ? out.slice(0, -1) : null;
    cache.set(value, text);
  }
  return text;
}

/**
 * How the `yaml` package writes a multi-line string as a value in a block map or list, without the
 * indent of its lines: a literal block (`|`, `|-`, with an indentation indicator when it starts with
 * a space) whose lines the `yaml` package indents by two spaces more than the line of its key or
 * dash, leaving empty lines empty. Null for every other form it may choose (quoted, or a literal
 * block that keeps trailing newlines, which changes how the next line is written).
 */
function blockText(value: string): string | null {
  let text = blocks.get(value);
  if (text === undefined) {
    // At the top level, the lines of the value's block are indented by two spaces.
    const out = stringify({ k: value }, OPTIONS);
    const block = out.slice('k: '.length);
    text = out.startsWith('k: |') && !/^\|\d?\+/.test(block) ? block : null;
    blocks.set(value, text);
  }
  return text;
}

/** A literal block (blockText) for a value on a line indented by `indent`. */
function indentBlock(block: string, indent: string): string {
  return indent === '' ? block : block.replace(/\n(?=[^\n])/g, `\n${indent}`);
}

/**
 * How the `yaml` package writes a map key; null when it is not a simple one-line key, or when it
 * starts with a document marker (`---`, `...`), which the `yaml` package quotes in a document's
 * top-level map only. A key of plain-string characters (isPlainString) is written as it is, up to
 * the 1,024 characters of an implicit key.
 */
function keyText(key: string): string | null {
  if (key.length <= 1024 && isPlainString(key)) {
    return key;
  }
  let text = keys.get(key);
  if (text === undefined) {
    const out = stringify({ [key]: 0 }, OPTIONS);
    text = !/^(---|\.\.\.)/.test(key) && out.endsWith(': 0\n') && out.indexOf('\n') === out.length - 1 ? out.slice(0, -4) : null;
    keys.set(key, text);
  }
  return text;
}

class Unsupported extends Error {}

/** A scalar value on a line indented by `indent`: multi-line strings as literal blocks (blockText). */
function scalar(value: unknown, indent: string): string {
  if (typeof value === 'string') {
    if (value.includes('\n')) {
      const block = blockText(value);
      if (block === null) {
        throw new Unsupported();
      }
      return indentBlock(block, indent);
    }
    const text = scalarText(value);
    if (text === null) {
      throw new Unsupported();
    }
    return text;
  }
  if (typeof value === 'number') {
    // String(-0) is "0", but the `yaml` package writes "-0".
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
      return String(value);
    }
    const text = scalarText(value);
    if (text === null) {
      throw new Unsupported();
    }
    return text;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (value === null) {
    return 'null';
  }
  throw new Unsupported();
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: object): boolean {
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  for (const key in value) {
    if (hasOwn.call(value, key)) {
      return false;
    }
  }
  return true;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The writers push the pieces of each line (indent, key, value) rather than the line: `join` copies
 * each piece once, and no line is built only to be copied again.
 */
function writeMap(map: Record<string, unknown>, indent: string, out: string[], first: boolean): void {
  let start = first;
  // for-in rather than Object.keys: the same own keys in the same order, without an array per map.
  for (const key in map) {
    if (!hasOwn.call(map, key)) {
      continue;
    }
    const value = map[key];
    const k = keyText(key);
    if (k === null) {
      throw new Unsupported();
    }
    if (!start) {
      out.push(indent);
    }
    start = false;
    if (isCollection(value) && !isEmpty(value)) {
      out.push(k, ':\n');
      if (Array.isArray(value)) {
        writeList(value, `${indent}  `, out, false);
      } else {
        writeMap(value as Record<string, unknown>, `${indent}  `, out, false);
      }
    } else {
      const text = isCollection(value) ? (Array.isArray(value) ? '[]' : '{}') : scalar(value, indent);
      // A literal block ends with its last line's newline.
      out.push(k, ': ', text, text.endsWith('\n') ? '' : '\n');
    }
  }
}

/** @param first the list is an item of a list: its first item follows the parent's dash on the same line */
function writeList(list: unknown[], indent: string, out: string[], first: boolean): void {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!first || i > 0) {
      out.push(indent);
    }
    if (isCollection(item) && !isEmpty(item)) {
      out.push('- ');
      if (Array.isArray(item)) {
        writeList(item, `${indent}  `, out, true);
      } else {
        writeMap(item as Record<string, unknown>, `${indent}  `, out, true);
      }
    } else {
      const text = isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item, indent);
      out.push('- ', text, text.endsWith('\n') ? '' : '\n');
    }
  }
}

/** One document as the `yaml` package writes it with cdk8s's options. */
export function documentYaml(doc: unknown): string {
  if (isCollection(doc) && !Array.isArray(doc) && !isEmpty(doc)) {
    try {
      const out: string[] = [];
      writeMap(doc as Record<string, unknown>, '', out, true);
      return out.join('');
    } catch (e) {
      if (!(e instanceof Unsupported)) {
        throw e;
      }
    }
  }
  return stringify(doc, OPTIONS);
}

/** Documents as one multi-document YAML text, as cdk8s's Yaml.stringify writes them. */
export function documentsYaml(docs: readonly unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : documentYaml(d))).join('---\n');
}
