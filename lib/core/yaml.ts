/**
 * Kubernetes objects as YAML, byte for byte as cdk8s writes them (the `yaml` package with the YAML
 * 1.1 schema, no line folding), and Helm values as the `yaml` package writes them with its defaults
 * and sorted keys, in a fraction of the time: the `yaml` package builds a node tree per document,
 * which was most of a large synth's time. Maps, lists, integers, booleans and null are written here;
 * every string and non-integer number is written the way the `yaml` package writes it on its own
 * (asked once per distinct value), multi-line strings (in cdk8s's style) as the literal blocks it
 * writes for them, and a document with a value this writer does not handle (undefined, a string
 * the `yaml` package would write over several lines other than as a literal block, or might fold)
 * is written by the `yaml` package as a whole.
 */
import { Document, stringify } from 'yaml';

/** How a kind of text is written: the options given to the `yaml` package, and what was asked of it. */
interface Style {
  readonly options: { readonly version?: '1.1' | '1.2'; readonly lineWidth?: number; readonly sortMapEntries?: boolean; readonly keepUndefined?: boolean; readonly aliasDuplicateObjects?: boolean };
  /** The `yaml` package's line width for these options; 0 when it never folds a line. */
  readonly lineWidth: number;
  /** The schema's own tests of its implicit types (see isPlainString). */
  readonly implicitTypes: RegExp[];
  /** What the `yaml` package wrote for each distinct value asked for. */
  readonly strings: Map<string, string | null>;
  readonly numbers: Map<number, string | null>;
  readonly keys: Map<string, string | null>;
  readonly blockTexts: Map<string, string | null>;
  /** Whether a string is plain (plainIn), for the first PLAIN_MEMO distinct strings asked about. */
  readonly plain: Map<string, boolean>;
  /** One document the `yaml` package writes each asked-for value with (ask). */
  document?: Document;
}

/** How many distinct strings a style remembers as plain or not: keys and names repeat across objects. */
const PLAIN_MEMO = 50_000;

function style(options: Style['options']): Style {
  return {
    options,
    lineWidth: options.lineWidth ?? 80,
    implicitTypes: new Document(null, options).schema.tags.flatMap((t) => ('test' in t && t.test instanceof RegExp ? [t.test] : [])),
    strings: new Map(),
    numbers: new Map(),
    keys: new Map(),
    blockTexts: new Map(),
    plain: new Map(),
  };
}

/**
 * What the `yaml` package writes for `value` with the style's options: `stringify(value, options)`,
 * with one Document reused for every value instead of a new one (and its schema) each time.
 */
function ask(s: Style, value: unknown): string {
  const doc = (s.document ??= new Document(null, s.options));
  doc.contents = doc.createNode(value, s.options);
  return doc.toString(s.options);
}

/** The options cdk8s's Yaml.stringify passes to the `yaml` package: YAML 1.1, no line folding. */
const CDK8S = style({ keepUndefined: true, lineWidth: 0, version: '1.1' });

/**
 * The options a release's Helm values are written with (HelmChart's valuesContent): the `yaml`
 * package's defaults (YAML 1.2, lines folded at 80 characters) with sorted keys and no aliases.
 */
export const HELM_VALUES_OPTIONS = { sortMapEntries: true, aliasDuplicateObjects: false } as const;
const HELM_VALUES = style(HELM_VALUES_OPTIONS);

/**
 * Strings the `yaml` package writes plain, as they are, without asking it: a letter or digit, then
 * letters, digits and `. _ / - = + @ %`, and colons, though not at the end (no space, so no `: ` or
 * ` #`, no quote, and indicators only where they indicate nothing), unless the schema
 * (YAML 1.1 for cdk8s) would read the text as another type (`yes`, `e5`, `8080`, `0755`, ...): the
 * schema's own tests of its implicit types decide, so they are the package's. Quantities (`500m`,
 * `8Gi`), URLs and `key=value` settings are such strings. Most values of a synth are such names, and most
 * appear once: asking the `yaml` package for each cost a tenth of a large synth.
 * test/core/yaml.test.ts holds this to the `yaml` package.
 */
const PLAIN_STRING = /^[A-Za-z0-9][A-Za-z0-9._/=+@%:-]*(?<!:)$/;

/** Whether the `yaml` package writes the string plain, exactly as it is (see PLAIN_STRING), with cdk8s's options. */
export function isPlainString(value: string): boolean {
  return plainIn(CDK8S, value);
}

function plainIn(s: Style, value: string): boolean {
  let plain = s.plain.get(value);
  if (plain === undefined) {
    plain = PLAIN_STRING.test(value) && !s.implicitTypes.some((test) => test.test(value));
    if (s.plain.size < PLAIN_MEMO) {
      s.plain.set(value, plain);
    }
  }
  return plain;
}

/** How the `yaml` package writes a single-line scalar on its own; null when it takes more than one line. */
function scalarText(s: Style, value: string | number): string | null {
  if (typeof value === 'string' && plainIn(s, value)) {
    return value;
  }
  const cache: Map<string | number, string | null> = typeof value === 'string' ? s.strings : s.numbers;
  let text = cache.get(value);
  if (text === undefined) {
    const out = ask(s, value);
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
function blockText(s: Style, value: string): string | null {
  let text = s.blockTexts.get(value);
  if (text === undefined) {
    // At the top level, the lines of the value's block are indented by two spaces.
    const out = ask(s, { k: value });
    const block = out.slice('k: '.length);
    text = out.startsWith('k: |') && !/^\|\d?\+/.test(block) ? block : null;
    s.blockTexts.set(value, text);
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
function keyText(s: Style, key: string): string | null {
  if (key.length <= 1024 && plainIn(s, key)) {
    return key;
  }
  let text = s.keys.get(key);
  if (text === undefined) {
    const out = ask(s, { [key]: 0 });
    text = !/^(---|\.\.\.)/.test(key) && out.endsWith(': 0\n') && out.indexOf('\n') === out.length - 1 ? out.slice(0, -4) : null;
    s.keys.set(key, text);
  }
  return text;
}

class Unsupported extends Error {}

/**
 * A scalar value on a line indented by `indent`: multi-line strings as literal blocks (blockText)
 * where lines are never folded. A scalar the `yaml` package might fold (longer than its line width
 * leaves, from where it starts) is not written here.
 */
function scalar(s: Style, value: unknown, indent: string): string {
  if (typeof value === 'string') {
    if (value.includes('\n')) {
      // Literal blocks are written here only where the `yaml` package never folds (it may fold a block otherwise).
      const block = s.lineWidth === 0 ? blockText(s, value) : null;
      if (block === null) {
        throw new Unsupported();
      }
      return indentBlock(block, indent);
    }
    return unfolded(s, scalarText(s, value), indent);
  }
  if (typeof value === 'number') {
    // String(-0) is "0", but the `yaml` package writes "-0".
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
      return String(value);
    }
    return unfolded(s, scalarText(s, value), indent);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (value === null) {
    return 'null';
  }
  throw new Unsupported();
}

/**
 * A single-line scalar's text, when the `yaml` package leaves it on one line where it stands: with a
 * line width, it folds a scalar longer than one more than the width less the scalar's indent (two
 * spaces more than its line's), and never one of 21 characters or fewer.
 */
function unfolded(s: Style, text: string | null, indent: string): string {
  if (text === null || (s.lineWidth > 0 && text.length > Math.max(21, 1 + s.lineWidth - indent.length - 2))) {
    throw new Unsupported();
  }
  return text;
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: object): boolean {
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key)) {
      return false;
    }
  }
  return true;
}

/**
 * The writers push the pieces of each line (indent, key, value) rather than the line: `join` copies
 * each piece once, and no line is built only to be copied again.
 */
function writeMap(s: Style, map: Record<string, unknown>, indent: string, out: string[], first: boolean): void {
  if (s.options.sortMapEntries === true) {
    // The `yaml` package sorts a map's entries by comparing their keys as strings, as sort() does.
    const sorted = Object.keys(map).sort();
    for (let i = 0; i < sorted.length; i++) {
      writeEntry(s, sorted[i], map[sorted[i]], indent, out, first && i === 0);
    }
    return;
  }
  let start = first;
  // for-in rather than Object.keys: the same own keys in the same order, without an array per map.
  for (const key in map) {
    if (Object.hasOwn(map, key)) {
      writeEntry(s, key, map[key], indent, out, start);
      start = false;
    }
  }
}

/** @param first the entry follows a list's dash on the same line */
function writeEntry(s: Style, key: string, value: unknown, indent: string, out: string[], first: boolean): void {
  const k = keyText(s, key);
  if (k === null) {
    throw new Unsupported();
  }
  if (!first) {
    out.push(indent);
  }
  if (isCollection(value) && !isEmpty(value)) {
    out.push(k, ':\n');
    if (Array.isArray(value)) {
      writeList(s, value, `${indent}  `, out, false);
    } else {
      writeMap(s, value as Record<string, unknown>, `${indent}  `, out, false);
    }
  } else {
    const text = isCollection(value) ? (Array.isArray(value) ? '[]' : '{}') : scalar(s, value, indent);
    // A literal block ends with its last line's newline.
    out.push(k, ': ', text, text.endsWith('\n') ? '' : '\n');
  }
}

/** @param first the list is an item of a list: its first item follows the parent's dash on the same line */
function writeList(s: Style, list: unknown[], indent: string, out: string[], first: boolean): void {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!first || i > 0) {
      out.push(indent);
    }
    if (isCollection(item) && !isEmpty(item)) {
      out.push('- ');
      if (Array.isArray(item)) {
        writeList(s, item, `${indent}  `, out, true);
      } else {
        writeMap(s, item as Record<string, unknown>, `${indent}  `, out, true);
      }
    } else {
      const text = isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(s, item, indent);
      out.push('- ', text, text.endsWith('\n') ? '' : '\n');
    }
  }
}

function write(s: Style, doc: unknown): string {
  if (isCollection(doc) && !Array.isArray(doc) && !isEmpty(doc)) {
    try {
      const out: string[] = [];
      writeMap(s, doc as Record<string, unknown>, '', out, true);
      return out.join('');
    } catch (e) {
      if (!(e instanceof Unsupported)) {
        throw e;
      }
    }
  }
  return stringify(doc, s.options);
}

/** One document as the `yaml` package writes it with cdk8s's options. */
export function documentYaml(doc: unknown): string {
  return write(CDK8S, doc);
}

/**
 * A release's Helm values as the `yaml` package writes them with HELM_VALUES_OPTIONS:
 * `stringify(values, HELM_VALUES_OPTIONS)`, byte for byte.
 */
export function valuesYaml(values: unknown): string {
  return write(HELM_VALUES, values);
}

/** Documents as one multi-document YAML text, as cdk8s's Yaml.stringify writes them. */
export function documentsYaml(docs: readonly unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : documentYaml(d))).join('---\n');
}
