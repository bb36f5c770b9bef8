import type { ObjectRef } from '../lib/core/apply-plan';
import { notWatchingHint } from './hints';
import { Session } from './session';
import { hint, readJson, waitingReasons } from './waits';

/** One row of the results table, and what went wrong when the application did not complete. */
export interface AppResult {
  readonly row: string;
  readonly problem?: string;
}

const TYPES: Record<string, string> = { Python: 'PySpark', R: 'SparkR' };

/** The driver's log, or '' when kubectl cannot give it. */
export function driverLog(s: Session, namespace: string, pod: string): string {
  const result = s.kubectl(['logs', '-n', namespace, pod]);
  return result.status === 0 ? result.stdout : '';
}

/**
 * Whether operator 2.3.0 submits a SUBMISSION_FAILED application again, so that the state is not
 * final: its restart policy is not Never and `status.submissionAttempts` is at most
 * `onSubmissionFailureRetries` (kubeflow/spark-operator v2.3.0 pkg/util/sparkapplication.go:96-103;
 * otherwise the controller moves it to FAILED). The platform's jobs retry five times
 * (lib/jobs/restart-policy.ts), for example while the namespace's quota refuses the driver pod.
 */
export function submissionRetried(application: any): boolean {
  const policy = application?.spec?.restartPolicy;
  if (policy?.type === undefined || policy.type === 'Never' || policy.onSubmissionFailureRetries === undefined) {
    return false;
  }
  return (application?.status?.submissionAttempts ?? 0) <= policy.onSubmissionFailureRetries;
}

/**
 * Polls the application to a final state and gives its row of the table. The applications run side by
 * side, so their bounds count from `start`, the start of the phase.
 */
export function followApp(s: Session, app: ObjectRef, start: number): AppResult {
  const { appTimeout, appStartTimeout } = s.settings;
  const object = `SparkApplication ${app.namespace}/${app.name}`;
  s.say(`waiting up to ${Math.max(0, Math.round(start + appTimeout - s.clock.now()))}s more: ${object} COMPLETED or FAILED`);
  let last: string | undefined;
  let state: string;
  for (;;) {
    const found = readJson(s, object, app.namespace, ['get', 'sparkapplication', app.name, '-n', app.namespace]);
    state = found?.status?.applicationState?.state ?? '';
    const retried = state === 'SUBMISSION_FAILED' && submissionRetried(found);
    if (state !== last) {
      s.detail(`${app.namespace}/${app.name}: ${state || 'no state yet'}${retried ? ' (the operator submits it again)' : ''}`);
      last = state;
    }
    if (!retried && ['COMPLETED', 'FAILED', 'SUBMISSION_FAILED'].includes(state)) {
      break;
    }
    const elapsed = s.clock.now() - start;
    if (state === '' && elapsed >= appStartTimeout) {
      state = 'NO STATE';
      break;
    }
    if (elapsed >= appTimeout) {
      state = `TIMED OUT (${state || 'no state'})`;
      break;
    }
    s.pause();
  }
  return resultOf(s, app, state, last ?? '');
}

function resultOf(s: Session, app: ObjectRef, state: string, seen: string): AppResult {
  const { namespace, name } = app;
  const found = s.kubectl(['get', 'sparkapplication', name, '-n', namespace, '-o', 'json']);
  const application = found.status === 0 ? JSON.parse(found.stdout) : {};
  const specType: string = application.spec?.type ?? '';
  const type = TYPES[specType] ?? (specType || '?');
  const pod: string = application.status?.driverInfo?.podName ?? '';
  let message: string;
  let hintText: string;
  if (state === 'COMPLETED') {
    // A SparkPi prints its estimate; a data pipeline's job one PIPELINE_RESULT line per row it wrote.
    const log = pod !== '' ? driverLog(s, namespace, pod) : '';
    const pi = log.split('\n').find((line) => line.includes('Pi is roughly'))?.trim().split(/\s+/).pop();
    const rows = log.split('\n').filter((line) => line.startsWith('PIPELINE_RESULT ')).length;
    const result = pi !== undefined ? `Pi ≈ ${pi}` : rows > 0 ? `${rows} result rows (npm run cluster:pipeline checks them)` : `no "Pi is roughly" or PIPELINE_RESULT line in the driver log of ${pod || 'its driver'}`;
    return { row: `| ${namespace} | ${name} | ${type} | ✅ COMPLETED | ${result} |` };
  } else if (state === 'FAILED' || state === 'SUBMISSION_FAILED') {
    message = application.status?.applicationState?.errorMessage || 'no error message in .status.applicationState';
    hintText = hint(s, message, namespace);
  } else if (state === 'NO STATE') {
    message = `no state ${s.settings.appStartTimeout}s after the jobs were applied: the operator has not picked it up`;
    hintText = notWatchingHint(s.plan.operator, namespace);
  } else {
    const reasons = waitingReasons(s, namespace);
    message = `still ${seen || 'without a state'} ${s.settings.appTimeout}s after the jobs were applied${reasons ? `; pods in ${namespace} are waiting: ${reasons}` : ''}`;
    hintText = hint(s, reasons, namespace);
  }
  return {
    row: `| ${namespace} | ${name} | ${type} | ❌ ${state} | see below |`,
    problem: `SparkApplication ${namespace}/${name} ${state}: ${message}${hintText ? `\n${hintText}` : ''}`,
  };
}

/** The results table as printed after the jobs. */
export function resultsTable(results: AppResult[]): string {
  return ['', '| Namespace | Application | Type | State | Result |', '|---|---|---|---|---|', ...results.map((r) => r.row), ''].join('\n');
}
