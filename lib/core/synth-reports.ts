import * as fs from 'fs';
import { IConstruct } from 'constructs';

/**
 * The environment variable that names the file a synth writes its reports to (the capacity table
 * of the tenants' quotas, for example). spark-platform-synth (scripts/synth.js) sets it, and prints
 * the file after the app synthesized; when it is not set, no report is written.
 */
export const SYNTH_REPORTS_FILE = 'SPARK_PLATFORM_SYNTH_REPORTS';
/**
 * The environment variable that lists, comma-separated, the on-request reports to write as well
 * (spark-platform-synth --explain sets it to `explain`).
 */
export const SYNTH_REPORTS_REQUESTED = 'SPARK_PLATFORM_SYNTH_REQUESTED_REPORTS';

type Report = (root: IConstruct) => string;

/** The reports registered with each app, by the app's root construct. */
const REPORTS = new WeakMap<IConstruct, Map<string, { report: Report; onRequest: boolean }>>();

/**
 * Registers a report for the app of `scope`, written after the app synthesized (see
 * SYNTH_REPORTS_FILE), for example the capacity table.
 * @param name one report per name and app
 * @param options.onRequest written only when SYNTH_REPORTS_REQUESTED names it
 */
export function registerSynthReport(scope: IConstruct, name: string, report: Report, options: { onRequest?: boolean } = {}): void {
  const root = scope.node.root;
  const reports = REPORTS.get(root) ?? new Map<string, { report: Report; onRequest: boolean }>();
  REPORTS.set(root, reports);
  reports.set(name, { report, onRequest: options.onRequest ?? false });
}

/** Writes the reports of the app whose root is `root` to the file SYNTH_REPORTS_FILE names, when it is set. */
export function writeSynthReports(root: IConstruct): void {
  const file = process.env[SYNTH_REPORTS_FILE];
  if (file === undefined || file === '') {
    return;
  }
  const requested = (process.env[SYNTH_REPORTS_REQUESTED] ?? '').split(',');
  const reports = [...(REPORTS.get(root) ?? [])].filter(([name, r]) => !r.onRequest || requested.includes(name));
  fs.writeFileSync(file, reports.map(([, r]) => `${r.report(root)}\n`).join(''));
}
