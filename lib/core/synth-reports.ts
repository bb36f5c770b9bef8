import * as fs from 'fs';
import { IConstruct } from 'constructs';

/**
 * The environment variable that names the file a synth writes its reports to (the capacity table
 * of the tenants' quotas, for example). spark-platform-synth (scripts/synth.js) sets it, and prints
 * the file after the app synthesized; when it is not set, no report is written.
 */
export const SYNTH_REPORTS_FILE = 'SPARK_PLATFORM_SYNTH_REPORTS';

type Report = (root: IConstruct) => string;

/** The reports registered with each app, by the app's root construct. */
const REPORTS = new WeakMap<IConstruct, Map<string, Report>>();

/**
 * Registers a report for the app of `scope`, written after the app synthesized (see
 * SYNTH_REPORTS_FILE), for example the capacity table.
 * @param name one report per name and app
 */
export function registerSynthReport(scope: IConstruct, name: string, report: Report): void {
  const root = scope.node.root;
  const reports = REPORTS.get(root) ?? new Map<string, Report>();
  REPORTS.set(root, reports);
  reports.set(name, report);
}

/** Writes the reports of the app whose root is `root` to the file SYNTH_REPORTS_FILE names, when it is set. */
export function writeSynthReports(root: IConstruct): void {
  const file = process.env[SYNTH_REPORTS_FILE];
  if (file === undefined || file === '') {
    return;
  }
  const reports = [...(REPORTS.get(root)?.values() ?? [])];
  fs.writeFileSync(file, reports.map((report) => `${report(root)}\n`).join(''));
}
