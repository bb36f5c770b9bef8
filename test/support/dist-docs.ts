import * as path from 'path';
import { folderDocs } from './project';

/** The committed dist/ folder; test/dist.test.ts keeps it equal to what main.ts synthesizes. */
export const DIST = path.resolve(__dirname, '..', '..', 'dist');

/** Every object of the committed dist/*.yaml files, in apply order. */
export function distDocs(): any[] {
  return folderDocs(DIST);
}
