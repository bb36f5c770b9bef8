import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** The upstream files the tests validate against; they live beside the project, never in it. */
export const UPSTREAM = path.resolve(__dirname, '..', '..', '..', 'shared', 'upstream');

export function upstreamPath(...parts: string[]): string {
  const file = path.join(UPSTREAM, ...parts);
  if (!fs.existsSync(file)) {
    throw new Error(`upstream file ${file} is missing: the tests need ../shared/upstream beside the project`);
  }
  return file;
}

export function readUpstreamYaml(...parts: string[]): any {
  return parseAllDocuments(fs.readFileSync(upstreamPath(...parts), 'utf8')).map((d) => d.toJS())[0];
}
