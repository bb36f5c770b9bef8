/**
 * The public API is deliberate: api/spark-platform-cdk8s.api.md lists every name lib/index.ts
 * exports, with its signature, and this test regenerates it from the declarations, so that a change
 * to the API cannot go unnoticed in review. When it fails, run `npm run api:report` and commit the
 * file with the change that made it differ.
 */
import * as fs from 'fs';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { report, REPORT } = require('../../scripts/api-report.js') as { report: () => string; REPORT: string };

/** About a hundred names: more means internals are leaking into the package's API. */
const MAX_PUBLIC_NAMES = 100;

// The compiler reads all of lib/ and imports/: a generous limit on a loaded machine.
jest.setTimeout(120_000);

let generated: string;

beforeAll(() => {
  generated = report();
});

test('the committed API report is the one the declarations give', () => {
  const committed = fs.existsSync(REPORT) ? fs.readFileSync(REPORT, 'utf8') : '';
  if (committed !== generated) {
    // The difference, line by line, and how to accept it.
    const before = new Set(committed.split('\n'));
    const after = new Set(generated.split('\n'));
    const diff = [
      ...committed.split('\n').filter((l) => !after.has(l)).map((l) => `- ${l}`),
      ...generated.split('\n').filter((l) => !before.has(l)).map((l) => `+ ${l}`),
    ];
    throw new Error(`${path.basename(REPORT)} is out of date: run \`npm run api:report\` and commit it.\n${diff.join('\n')}`);
  }
});

test(`the package exports at most ${MAX_PUBLIC_NAMES} names`, () => {
  const count = Number(/^(\d+) names\.$/m.exec(generated)?.[1]);
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThanOrEqual(MAX_PUBLIC_NAMES);
});

test('no export * other than the generated CRD namespaces', () => {
  const index = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'index.ts'), 'utf8');
  expect(index.match(/^export \*(?! as \w+ from '\.\.\/imports\/).*$/gm) ?? []).toEqual([]);
});
