import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** The vendored upstream files (upstream/<source>/, provenance in each SOURCE.md). */
export const UPSTREAM = path.resolve(__dirname, '..', '..', 'upstream');

export function upstreamPath(...parts: string[]): string {
  const file = path.join(UPSTREAM, ...parts);
  if (!fs.existsSync(file)) {
    throw new Error(`upstream file ${path.relative(UPSTREAM, file)} is missing from upstream/: see its folder's SOURCE.md`);
  }
  return file;
}

/** The first non-empty YAML document of an upstream file (some CRD files open with a comment and `---`). */
export function readUpstreamYaml(...parts: string[]): any {
  return parseAllDocuments(fs.readFileSync(upstreamPath(...parts), 'utf8')).map((d) => d.toJS()).find((d) => d !== null && d !== undefined);
}
