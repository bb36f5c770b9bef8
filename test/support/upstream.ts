import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { skippedTitle } = require('./skipped-cross-checks.js');

/**
 * The pinned upstream files (upstream.lock.json), which are not committed: `npm run upstream:fetch`
 * fills upstream/ with them. A clone without them still tests green: each cross-check that needs
 * them is declared with `describeWithUpstream` or `testWithUpstream`, and stands, when upstream/ is
 * empty, as one skipped test whose title names the check and the command. The reporter
 * test/support/skipped-cross-checks.js prints those titles at the end of the run.
 */
export const UPSTREAM = path.resolve(__dirname, '..', '..', 'upstream');

/** Whether upstream/ is filled (test/upstream/upstream.test.ts checks it against the lock when it is). */
export const UPSTREAM_FILLED = fs.existsSync(UPSTREAM) && fs.readdirSync(UPSTREAM).length > 0;

function skipped(name: string): void {
  test.skip(skippedTitle(name), () => undefined);
}

/** A describe block of cross-checks that read upstream/: the block when it is filled, else one skipped test. */
export function describeWithUpstream(name: string, fn: () => void): void {
  if (UPSTREAM_FILLED) {
    describe(name, fn);
  } else {
    skipped(name);
  }
}

/** A test that reads upstream/: the test when it is filled, else the same test skipped with the command in its title. */
export function testWithUpstream(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (UPSTREAM_FILLED) {
    test(name, fn, timeout);
  } else {
    skipped(name);
  }
}

/** Declares, once per test file, a cross-check that a support module leaves out when upstream/ is empty. */
export function declareSkippedCrossCheck(name: string): void {
  if (!UPSTREAM_FILLED) {
    skipped(name);
  }
}

/** The path of a file in upstream/; read it only in tests declared with describeWithUpstream or testWithUpstream. */
export function upstreamPath(...parts: string[]): string {
  return path.join(UPSTREAM, ...parts);
}

/**
 * The first non-empty YAML document of an upstream file (some CRD files open with a comment and
 * `---`), or undefined when upstream/ is empty, so that a test file can name its fixtures at the top
 * and use them in its describeWithUpstream blocks.
 */
export function readUpstreamYaml(...parts: string[]): any {
  if (!UPSTREAM_FILLED) {
    return undefined;
  }
  return parseAllDocuments(fs.readFileSync(upstreamPath(...parts), 'utf8')).map((d) => d.toJS()).find((d) => d !== null && d !== undefined);
}
