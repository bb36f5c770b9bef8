import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { documentsYaml, documentYaml, HELM_VALUES_OPTIONS, isPlainString, valuesYaml } from '../../lib/core/yaml';
import { REPO } from '../support/project';

/**
 * documentsYaml must write, byte for byte, what cdk8s's Yaml.stringify writes: the `yaml` package
 * with keepUndefined, lineWidth 0 and the YAML 1.1 schema, one document after the other.
 */

/** The options cdk8s's Yaml.stringify passes to the `yaml` package. */
const CDK8S_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' as const };

/** What the `yaml` package writes for documents with cdk8s's options, as cdk8s joins them. */
function reference(docs: unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : stringify(d, CDK8S_OPTIONS))).join('---\n');
}

/** The documents of a YAML text as cdk8s wrote them (YAML 1.1, so that `on` or `yes` would be booleans). */
function documentsOf(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
}

/** The committed YAML files of a folder. */
function yamlFiles(dir: string): [string, string][] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => [path.relative(REPO, path.join(dir, f)), fs.readFileSync(path.join(dir, f), 'utf8')]);
}

describe('documentsYaml on the committed manifests', () => {
  const files = [...yamlFiles(path.join(REPO, 'dist')), ...yamlFiles(path.join(REPO, 'examples', 'flux', 'dist'))];

  test('there are manifests to compare', () => {
    expect(files.map(([f]) => f)).toEqual(expect.arrayContaining(['dist/0000-tenants.k8s.yaml', 'examples/flux/dist/0000-tenants.k8s.yaml']));
  });

  test.each(files)('%s is written back byte for byte, as cdk8s writes it', (_file, text) => {
    // GIVEN the objects of a committed file
    const docs = documentsOf(text);
    expect(docs.length).toBeGreaterThan(0);
    // WHEN they are written by documentsYaml and by cdk8s
    const written = documentsYaml(docs);
    // THEN both give the same bytes, which are the file's
    expect(written).toBe(Yaml.stringify(...docs));
    expect(written).toBe(text);
  });
});

describe('documentsYaml on values that YAML 1.1 and the `yaml` package treat specially', () => {
  // Each row: a document whose value the writer must write exactly as the `yaml` package does.
  test.each<[string, unknown]>([
    ['YAML 1.1 booleans as strings', { v: ['yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'Yes', 'NO', 'On', 'OFF', 'true', 'False'] }],
    ['null-looking strings', { v: ['null', 'Null', '~', ''] }],
    ['octal- and number-looking strings', { v: ['0755', '0o755', '0x1F', '017', '1e3', '1E3', '.5', '5.', '+1', '-1', '1_000', '12:30', '12:30:00', '0b101', '2024-01-01', '.inf', '-.Inf', '.nan', '8080'] }],
    ['numbers', { v: [0, -0, 1, -1, 1.5, -2.25, 1e21, 1e-7, 2 ** 53, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity] }],
    ['leading and trailing spaces', { v: [' lead', 'trail ', ' both ', '  '] }],
    ['indicators and special characters', { v: ['a: b', '- x', '-', '? x', '#c', 'a #b', '&a', '*a', '!tag', '%x', '@x', '`x', '|', '>', '{', '[', ',', '"q"', "'q'", 'it\'s', '\\', '=', '<<', '---', '...', '--- x'] }],
    ['control characters and tabs', { v: ['a\tb', '\t', '\u0007', '\u001b', '\u007f', '\u0085'] }],
    ['unicode', { 'v': ['é', '✓', '中文', '😀', '\u00a0', '\u2028', '\ufeff', 'naïve café'], 'ключ': 'значение', '😀': 1 }],
    ['empty maps and lists', { a: {}, b: [], c: [{}, []], d: { e: {} } }],
    ['nested lists', { v: [[1, [2, [3, []]]], [[]], [[{}]], [{ a: [[1]] }]] }],
    ['maps in lists whose first value is a collection', { v: [{ a: [1, 2], b: { c: [{ d: 1 }] } }, { e: {} }] }],
    ['multi-line strings', { a: 'line 1\nline 2\n', b: 'no trailing newline\nend', c: '\n', d: 'a\n\nb', e: ' \n ', f: 'trailing spaces \nnext' }],
    ['very long strings, never folded', { a: 'x'.repeat(5000), b: 'word '.repeat(1000).trim(), c: `${'a '.repeat(200)}b` }],
    ['keys that need quoting', { 'yes': 1, 'on': 2, '1': 3, '0755': 4, '': 5, 'a b': 6, 'k:': 7, '? x': 8, '#k': 9, 'a: b': 10, ' lead': 11 }],
    ['keys that start with a document marker, at the top and nested', { '---': 1, '...': 2, '---x': 3, 'n': { '---': 1, '...': 2, '...y': { '---z': [{ '---': 1 }] } } }],
    ['undefined and null values', { a: undefined, b: null, c: [undefined, null], d: { e: undefined } }],
    ['Kubernetes-shaped values', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'spark' }, annotations: { 'a/b': 'true' } }, data: { 'spark-defaults.conf': 'spark.executor.instances 2\nspark.ui.enabled false\n', 'port': '8080', 'enabled': 'on' } }],
  ])('%s', (_what, doc) => {
    // WHEN the document is written THEN the bytes are the `yaml` package's with cdk8s's options
    expect(documentYaml(doc)).toBe(stringify(doc, CDK8S_OPTIONS));
    expect(documentsYaml([doc])).toBe(Yaml.stringify(doc));
  });

  test.each<[string, string]>([
    ['a trailing newline', 'line 1\nline 2\n'],
    ['no trailing newline', 'line 1\nline 2'],
    ['empty lines inside', 'a\n\n\nb\n'],
    ['a leading space (indentation indicator)', ' indented\nnext\n'],
    ['leading newlines', '\n\nafter two empty lines'],
    ['more-indented lines', 'def f():\n    return 1\n'],
    ['kept trailing newlines', 'a\nb\n\n\n'],
    ['only newlines', '\n\n'],
    ['a last line of spaces', 'a\n  '],
    ['trailing spaces on a line', 'a  \nb'],
    ['tabs', 'a\tb\n\tc\n'],
    ['control characters', 'a\u0007\nb'],
    ['document markers', '---\n...\nx'],
    ['comment and indicator characters', '# c\n- item\nkey: value\n| > & * ! % @'],
    ['JSON', JSON.stringify({ a: [1, { b: 'c' }], d: 'e' }, null, 2)],
  ])('a multi-line string with %s, as a value in every position', (_what, text) => {
    // GIVEN the string as a top-level value, nested map value, list item, item of a nested list and value of a map in a list
    const doc = { a: text, b: { c: text, d: { e: text } }, f: [text, 'x', text], g: [[text, [text]]], h: [{ i: text, j: [{ k: text }] }] };
    // WHEN the document is written THEN the bytes are the `yaml` package's
    expect(documentYaml(doc)).toBe(stringify(doc, CDK8S_OPTIONS));
  });

  test('-0 is written as the `yaml` package writes it, not as 0', () => {
    expect(documentYaml({ a: -0, b: [-0] })).toBe('a: -0\nb:\n  - -0\n');
  });

  test('a key starting with a document marker is quoted at the top level only, as the `yaml` package does', () => {
    expect(documentYaml({ '---': { '---': 1 } })).toBe('"---":\n  ---: 1\n');
  });

  test('documents that are not maps, and undefined documents, are written as cdk8s writes them', () => {
    const docs = [{ a: 1 }, undefined, [1, 2], 'text', 3, null, {}, { b: 2 }];
    expect(documentsYaml(docs)).toBe(Yaml.stringify(...docs));
    expect(documentsYaml([])).toBe('');
  });
});

describe('valuesYaml: Helm values as the `yaml` package writes them with HELM_VALUES_OPTIONS', () => {
  test.each<[string, unknown]>([
    ['keys sorted as strings, integer-like ones too', { b: 1, a: { z: 1, y: [{ d: 1, c: 2 }] }, 10: 'x', 9: 'y', B: true, _: null }],
    ['words YAML 1.1 would read as other types, which YAML 1.2 does not', { v: ['yes', 'no', 'on', 'off', 'y', 'n', 'Yes', '0755', '0o755', '0x1F', '1e3', '.5', '12:30', '~', 'null', 'true', '2024-01-01', '<<'] }],
    ['numbers', { v: [0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity] }],
    ['strings that need quotes', { v: [' lead', 'trail ', 'a: b', '- x', '#c', "it's", '"q"', '', 'a\tb', '\u0007', 'é'] }],
    ['multi-line strings', { a: 'line 1\nline 2\n', b: { c: 'x\ny' }, d: ['p\nq'] }],
    ['undefined values, which the yaml package leaves out', { a: undefined, b: 1, c: { d: undefined } }],
    ['empty maps and lists', { a: {}, b: [], c: [{}, []] }],
    ['Kubernetes-shaped values', { controller: { resources: { limits: { cpu: '500m', memory: '512Mi' } }, securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] } } }, spark: { jobNamespaces: ['team-alpha', 'team-beta'] } }],
  ])('%s', (_what, values) => {
    expect(valuesYaml(values)).toBe(stringify(values, HELM_VALUES_OPTIONS));
  });

  test('strings around the length at which the yaml package folds them, at every depth', () => {
    // GIVEN plain, spaced and quoted strings of 15 to 95 characters, nested 0 to 5 maps and lists deep
    for (let length = 15; length <= 95; length++) {
      for (const text of ['x'.repeat(length), `${'word '.repeat(length).slice(0, length - 1)}z`, `a: ${'b'.repeat(length - 3)}`]) {
        let values: unknown = { key: text, list: [text] };
        for (let depth = 0; depth <= 5; depth++) {
          // WHEN they are written THEN the text is the `yaml` package's, folded or not
          expect(valuesYaml(values)).toBe(stringify(values, HELM_VALUES_OPTIONS));
          values = { level: values, items: [values] };
        }
      }
    }
  });
});

describe('documents the writer writes itself, without the `yaml` package writing them whole', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const yamlPackage = require('yaml') as { stringify: typeof stringify };
  /** How often the `yaml` package wrote a whole document while `write` ran. */
  const wholeDocuments = (write: () => string): number => {
    const spy = jest.spyOn(yamlPackage, 'stringify');
    try {
      write();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  };
  const script = 'set -eu\nfor f in a b; do\n  echo "$f"\ndone\n';

  test('Kubernetes objects with multi-line strings: scripts, JSON dashboards, configuration files', () => {
    const doc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { 'run.sh': script, 'dash.json': JSON.stringify({ a: [1, 2] }, null, 2) }, list: [script] };
    expect(wholeDocuments(() => documentYaml(doc))).toBe(0);
    expect(documentYaml(doc)).toBe(stringify(doc, CDK8S_OPTIONS));
  });

  test('Helm values with quantities, URLs, lists and nested maps', () => {
    const values = { image: { repository: 'apache/spark', tag: '4.0.0' }, resources: { limits: { cpu: '500m', memory: '512Mi' } }, url: 'https://example.com/charts', on: true, args: ['--a', 'b c'] };
    expect(wholeDocuments(() => valuesYaml(values))).toBe(0);
    expect(valuesYaml(values)).toBe(stringify(values, HELM_VALUES_OPTIONS));
  });

  test('a document with a value the writer leaves to the `yaml` package is written by it whole', () => {
    // A multi-line string in Helm values (which the package may fold), and a control character in a block.
    expect(wholeDocuments(() => valuesYaml({ a: script }))).toBe(1);
    expect(wholeDocuments(() => documentYaml({ a: 'x\u0007\ny' }))).toBe(1);
  });
});

describe('documentsYaml on thousands of generated documents', () => {
  /** A seeded pseudo-random generator (mulberry32), so that every run checks the same documents. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const TRAPS = [
    'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'Yes', 'NO', 'On', 'OFF', 'true', 'False', 'TRUE', 'null', 'Null', '~', '',
    '0', '00', '0755', '0o755', '0x1F', '017', '1e3', '1E3', '.5', '5.', '+1', '-1', '1_000', '1,000', '1:30', '12:30:00', '0b101',
    '2024-01-01', '2024-01-01T10:00:00Z', '.inf', '-.Inf', '.nan', 'NaN', 'Infinity', '0.0', '-0', '1.0e+3', '8080', '500m', '8Gi',
    ' lead', 'trail ', ' both ', 'a: b', 'a:b', '- x', '-', '? x', '?', '#c', 'a #b', '&a', '*a', '!tag', '%x', '@x', '`x', '|', '>',
    '{', '}', '[', ']', ',', '"q"', "'q'", "it's", '\\', '\t', 'a\tb', '---', '...', '--- x', '=', '<<',
    'é', '✓', '中文', '😀', '\u00a0', '\u2028', '\u0007', '\u001b', '\ufeff', '\u0085',
    'multi\nline', 'trailing\n', '\n', 'a\n\nb', ' \n ', 'x'.repeat(300), 'word '.repeat(100), 'spark.executor.instances 2\nspark.ui.enabled false\n',
  ];
  const KEYS = ['name', 'metadata', 'spec', 'labels', 'app.kubernetes.io/name', 'a', 'b', 'x-y', 'under_score', 'CamelCase', '10', '0', 'requests.cpu', 'a:b', 'k=v', 'x@y', '12:30'];

  function generator(seed: number) {
    const next = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const scalar = (): unknown => {
      switch (Math.floor(next() * 8)) {
        case 0: return pick(TRAPS);
        case 1: return Math.floor(next() * 2000) - 1000;
        case 2: return Math.round((next() * 1000 - 500) * 1000) / 1000;
        case 3: return pick([true, false, null, undefined, 0, -0, 1e21, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e-7, 0.1, NaN, Infinity, -Infinity]);
        case 4: {
          // A short string of characters that matter to YAML, mixed with ordinary ones.
          const chars = [' ', '!', '"', '#', '&', "'", '*', ',', '-', ':', '?', '[', ']', '{', '}', '|', '>', '%', '@', '`', '\t', '\n', 'a', 'Z', '0', '.', 'é', '中', '😀', '\u00a0'];
          return Array.from({ length: Math.floor(next() * 10) }, () => pick(chars)).join('');
        }
        case 5: return `${pick(TRAPS)}${pick(TRAPS)}`;
        case 6: return String(Math.floor(next() * 100000));
        default: return Array.from({ length: Math.floor(next() * 8) + 1 }, () => pick([...'abcdefghijklmnopqrstuvwxyz-_./0123456789'])).join('');
      }
    };
    const key = (): string => (next() < 0.75 ? pick(KEYS) + (next() < 0.3 ? String(Math.floor(next() * 5)) : '') : String(scalar()));
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.5) {
        return scalar();
      }
      if (r < 0.78) {
        const map: Record<string, unknown> = {};
        for (let i = Math.floor(next() * 5); i > 0; i--) {
          map[key()] = value(depth + 1);
        }
        return map;
      }
      return Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1));
    };
    return (): unknown => {
      const r = next();
      if (r < 0.02) {
        return undefined;
      }
      if (r < 0.04) {
        return value(3);
      }
      const doc: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generated' } };
      for (let i = Math.floor(next() * 6) + 1; i > 0; i--) {
        doc[key()] = value(0);
      }
      return doc;
    };
  }

  test('the generator is deterministic', () => {
    const a = generator(11);
    const b = generator(11);
    expect(JSON.stringify(Array.from({ length: 50 }, a))).toBe(JSON.stringify(Array.from({ length: 50 }, b)));
  });

  test('2000 documents of a fixed seed are written byte for byte as the `yaml` package and cdk8s write them', () => {
    // GIVEN documents full of YAML 1.1 traps, odd keys, empty and nested collections, long and multi-line strings
    const next = generator(20241125);
    const docs = Array.from({ length: 2000 }, next);
    // WHEN they are written
    const ours = documentsYaml(docs);
    // THEN the text is the `yaml` package's for each document, joined as cdk8s joins them
    const theirs = docs.map((doc) => reference([doc]));
    if (ours !== theirs.join('---\n')) {
      // Name the first document that differs.
      const i = docs.findIndex((doc, j) => documentsYaml([doc]) !== theirs[j]);
      expect({ doc: JSON.stringify(docs[i]), ours: documentsYaml([docs[i]]) }).toEqual({ doc: JSON.stringify(docs[i]), ours: theirs[i] });
    }
    expect(ours).toBe(theirs.join('---\n'));
    // AND that is what cdk8s's own Yaml.stringify writes
    expect(Yaml.stringify(...docs.slice(0, 200))).toBe(theirs.slice(0, 200).join('---\n'));
  });

  test('2000 documents of a fixed seed as Helm values are written byte for byte as the `yaml` package writes them', () => {
    // GIVEN the same kind of documents, as a release's values (YAML 1.2, lines folded at 80, sorted keys)
    const next = generator(20261204);
    const docs = Array.from({ length: 2000 }, next);
    for (const doc of docs) {
      // WHEN each is written THEN the text is the `yaml` package's with the values' options
      const theirs = stringify(doc, HELM_VALUES_OPTIONS);
      if (valuesYaml(doc) !== theirs) {
        expect({ doc: JSON.stringify(doc), ours: valuesYaml(doc) }).toEqual({ doc: JSON.stringify(doc), ours: theirs });
      }
    }
  });
});

describe('strings written plain without asking the `yaml` package', () => {
  const plain = (value: string) => stringify(value, CDK8S_OPTIONS) === `${value}\n`;

  test('are exactly those the `yaml` package writes as they are, among words YAML 1.1 reads as other types', () => {
    const words = ['y', 'Y', 'yes', 'Yes', 'YES', 'yEs', 'n', 'N', 'no', 'No', 'NO', 'nO', 'true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE',
      'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF', 'null', 'Null', 'NULL', 'nULL', 'e5', 'E5', 'e-5', 'E+5', 'e10', 'e', 'E', 'x', 'inf', 'nan', 'Infinity',
      'a.b', 'a/b', 'a-', 'a.', 'a_b', 'team-alpha', 'spark-platform.io/tenant', 'apache/spark', 'Always', 'ClusterIP', 'TCP', 'v1', 'v1.31', 'a-1e5'];
    for (const w of words) {
      // GIVEN a word; THEN the writer writes it plain itself only when the `yaml` package would
      expect(`${w}: ${isPlainString(w) ? plain(w) : 'asks the yaml package'}`).toBe(`${w}: ${isPlainString(w) ? true : 'asks the yaml package'}`);
    }
    expect(isPlainString('team-alpha')).toBe(true);
    expect(isPlainString('yes')).toBe(false);
    expect(isPlainString('e5')).toBe(false);
  });

  test('agree with the `yaml` package on 20,000 generated names', () => {
    // A fixed-seed generator of name-like strings: a letter or digit, then letters, digits and . _ / -
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const first = 'abcdefghijklmnopqrstuvwxyzEYNOTF0123456789';
    const rest = 'aeEnoOsyYbxmiKMG0123456789._/-x:=+@%';
    let plainOnes = 0;
    for (let i = 0; i < 20000; i++) {
      let w = first[Math.floor(next() * first.length)];
      for (let n = Math.floor(next() * 8); n > 0; n--) w += rest[Math.floor(next() * rest.length)];
      if (isPlainString(w)) {
        plainOnes++;
        expect(`${w}: ${plain(w)}`).toBe(`${w}: true`);
      }
    }
    expect(plainOnes).toBeGreaterThan(10000);
  });

  test('agree with the `yaml` package on numbers, quantities, versions, URLs and settings written as strings', () => {
    // GIVEN strings that start with a digit, some of which YAML 1.1 or 1.2 reads as numbers or dates
    const words = ['https://example.com/a', 's3a://team-alpha/x/', 'local:///opt/a.py', 'a:b', 'a:', 'a::', 'k=v', 'fs.s3a.endpoint=http://h:8333', 'a@b', '50%', '1+1',
      '1:30', '12:30:00', '190:20:30', '0', '7', '10', '8080', '0755', '0o755', '0x1F', '0b101', '1_000', '1e3', '1E3', '1e-3', '1.5', '1.', '1.2.3', '10.0.0.1', '2024-01-01',
      '2024-01-01T10:00:00Z', '500m', '8Gi', '1.5Gi', '2g', '512m', '100Mi', '3.5.0', '1x', '1e', '1e5x', '0.1', '00', '09', '1-2', '1/2', '4.0.0-preview'];
    for (const w of words) {
      // THEN where the writer writes one plain itself, the `yaml` package does too, and a document of them is written as it writes it
      expect(`${w}: ${isPlainString(w) ? plain(w) : 'asks the yaml package'}`).toBe(`${w}: ${isPlainString(w) ? true : 'asks the yaml package'}`);
      expect(valuesYaml({ [w]: w, l: [w] })).toBe(stringify({ [w]: w, l: [w] }, HELM_VALUES_OPTIONS));
    }
    expect(documentYaml({ v: words })).toBe(stringify({ v: words }, CDK8S_OPTIONS));
    expect(['500m', '8Gi', '3.5.0', '10.0.0.1', 'https://example.com/a', 'k=v'].every(isPlainString)).toBe(true);
    expect(['8080', '0755', '1e3', '2024-01-01', 'a:', '12:30:00'].some(isPlainString)).toBe(false);
  });
});
