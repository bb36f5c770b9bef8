import * as fs from 'fs';
import { podsHint } from './hints';
import { driverLog, submissionRetried } from './results';
import { Session } from './session';
import { hint, readJson, waitForJob } from './waits';

/**
 * What differs between the rows a driver logged and the expected rows, at most ten lines; empty when
 * they match. Rows are matched by their values that are not numbers; numbers match to 1e-9 of their size.
 */
export function compareRows(got: Record<string, unknown>[], expected: Record<string, unknown>[]): string[] {
  const key = (r: Record<string, unknown>) => JSON.stringify(Object.keys(r).sort().filter((k) => typeof r[k] !== 'number').map((k) => r[k]));
  const same = (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) : a === b;
  const byKey = new Map(got.map((r) => [key(r), r]));
  const problems: string[] = [];
  if (got.length !== expected.length) {
    problems.push(`${got.length} rows, expected ${expected.length}`);
  }
  for (const e of expected) {
    const g = byKey.get(key(e));
    if (g === undefined) {
      problems.push(`missing ${JSON.stringify(e)}`);
      continue;
    }
    for (const k of Object.keys(e)) {
      if (!same(g[k], e[k])) {
        problems.push(`${key(e)} ${k}: ${JSON.stringify(g[k])}, expected ${JSON.stringify(e[k])}`);
      }
    }
  }
  return problems.slice(0, 10);
}

/** Where the manifests and the expected results of the pipelines are. */
export interface PipelineOptions {
  /** The folder of the manifests whose plan is checked. */
  readonly distDir: string;
  /** The file with the pipeline's expected rows, if there is one. */
  readonly pathOf: (pipeline: string) => string | undefined;
  readonly shown: (file: string) => string;
}

/**
 * Waits for the data pipelines of the plan: their loading Jobs, then their SparkApplications; prints
 * the rows each driver logged and compares them with the pipeline's expected result.
 */
export function checkPipelines(s: Session, options: PipelineOptions): void {
  const { plan } = s;
  s.enter('prerequisites', `checking kubectl and the data pipeline in ${options.distDir}`);
  if (plan.pipelines.length === 0) {
    s.fail(options.distDir, 'holds no data pipeline (no object labelled spark-platform.io/pipeline)', 'hint: add one in platform.ts (see docs/pipeline.md) and run npm run synth');
  }
  const jobs = plan.pipelines.filter((p) => p.kind === 'Job');
  s.enter('load', `waiting for ${jobs.length} loading Job(s)`);
  for (const job of jobs) {
    waitForJob(s, { type: 'job', namespace: job.namespace, name: job.name, timeout: 'JOB_TIMEOUT', what: `loads the data of pipeline ${job.pipeline}`, failed: 'the data was not loaded', absentHint: 'hint: apply dist/ first: npm run cluster:apply' });
  }
  const deadline = s.clock.now() + s.settings.pipelineTimeout;
  const differences: string[] = [];
  for (const app of plan.pipelines.filter((p) => p.kind === 'SparkApplication')) {
    const object = `SparkApplication ${app.namespace}/${app.name}`;
    s.enter(app.pipeline, `waiting up to ${Math.max(0, Math.round(deadline - s.clock.now()))}s: ${object} COMPLETED or FAILED`);
    let last: string | undefined;
    let found: any;
    for (;;) {
      found = readJson(s, object, app.namespace, ['get', 'sparkapplication', app.name, '-n', app.namespace]);
      const state: string = found?.status?.applicationState?.state ?? '';
      if (state !== last) {
        s.detail(`${app.namespace}/${app.name}: ${state || 'no state yet'}`);
        last = state;
      }
      if (state === 'COMPLETED') {
        break;
      }
      if (state === 'FAILED' || (state === 'SUBMISSION_FAILED' && !submissionRetried(found))) {
        const message: string = found.status.applicationState.errorMessage ?? '';
        s.fail(object, `${state}: ${message || 'no error message in .status.applicationState'}`, hint(s, message, app.namespace));
      }
      if (s.clock.now() >= deadline) {
        s.fail(object, `still ${state || 'without a state'} after ${s.settings.pipelineTimeout}s`, podsHint(app.namespace));
      }
      s.pause();
    }
    const pod: string | undefined = found.status?.driverInfo?.podName;
    if (!pod) {
      s.fail(object, 'COMPLETED without a driver pod in .status.driverInfo', `hint: kubectl get sparkapplication -n ${app.namespace} ${app.name} -o yaml`);
    }
    const rows = driverLog(s, app.namespace, pod).split('\n').filter((l) => l.startsWith('PIPELINE_RESULT ')).map((l) => l.slice('PIPELINE_RESULT '.length));
    if (rows.length === 0) {
      s.fail(object, `COMPLETED, but its driver ${pod} logged no PIPELINE_RESULT line`, `hint: kubectl logs -n ${app.namespace} ${pod}`);
    }
    s.say(`${rows.length} result row(s) in the log of ${app.namespace}/${pod}; the first:`);
    rows.slice(0, 5).forEach((row) => s.raw(`      ${row}`));
    const file = options.pathOf(app.pipeline);
    if (file === undefined) {
      s.say(`no expected result for pipeline ${app.pipeline} (pipelines/${app.pipeline}/expected.json); not compared`);
      continue;
    }
    const diff = compareRows(rows.map((r) => JSON.parse(r)), JSON.parse(fs.readFileSync(file, 'utf8')));
    if (diff.length === 0) {
      s.say(`✅ ${app.namespace}/${app.name}: the result matches ${options.shown(file)}`);
    } else {
      differences.push(`${object}: its result differs from ${options.shown(file)}:\n${diff.join('\n')}`);
    }
  }
  if (differences.length > 0) {
    s.phase = 'pipeline';
    s.fail('pipeline', `${differences.length} result(s) differ from the expected`, ...differences,
      'hint: compare with npm run pipeline:expected, which computes the expected result from the pipeline\'s data');
  }
}
