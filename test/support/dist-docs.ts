import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** The committed dist/ folder; test/dist.test.ts keeps it equal to what main.ts synthesizes. */
export const DIST = path.resolve(__dirname, '..', '..', 'dist');

/** Every object of the committed dist/*.yaml files, in apply order. */
export function distDocs(): any[] {
  return fs.readdirSync(DIST).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(DIST, f), 'utf8')).map((d) => d.toJS()))
    .filter((d) => d !== null);
}
