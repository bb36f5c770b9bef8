import type { ApplyWait, ConditionWait, JobWait } from '../lib/core/apply-plan';
import { hintFor, operatorHint, podsHint } from './hints';
import { allOutput } from './kubectl';
import { Session } from './session';

/** The hint for `text` with the session's operator and context. */
export function hint(s: Session, text: string, namespace: string): string {
  return hintFor(text, namespace, s.plan.operator, s.settings.context);
}

/**
 * The parsed `kubectl ARGS -o json` (undefined for no output, as with --ignore-not-found); when kubectl
 * fails, the run fails naming `object`.
 */
export function readJson(s: Session, object: string, namespace: string, args: string[]): any {
  const result = s.kubectl([...args, '-o', 'json']);
  if (result.status !== 0) {
    const out = allOutput(result);
    s.fail(object, 'kubectl cannot read it', out, hint(s, out, namespace));
  }
  return result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
}

/** Reasons pods in `namespace` are waiting for, e.g. "ImagePullBackOff ContainerCreating". */
export function waitingReasons(s: Session, namespace: string): string {
  const result = s.kubectl(['get', 'pods', '-n', namespace, '-o', 'json']);
  if (result.status !== 0) {
    return '';
  }
  const pods: any[] = JSON.parse(result.stdout).items ?? [];
  return pods
    .flatMap((p) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])])
    .map((c) => c.state?.waiting?.reason)
    .filter((r) => r !== undefined)
    .join(' ');
}

export function runWait(s: Session, wait: ApplyWait): void {
  if (wait.type === 'job') {
    waitForJob(s, wait);
  } else {
    waitFor(s, wait);
  }
}

/**
 * kubectl wait fails at once on an object that does not exist yet, so first wait for the object to
 * appear, then for the condition, both within the timeout.
 */
export function waitFor(s: Session, wait: ConditionWait): void {
  const timeout = s.settings.timeouts[wait.timeout];
  const deadline = s.clock.now() + timeout;
  const ns = wait.namespace !== undefined ? ['-n', wait.namespace] : [];
  const object = wait.namespace !== undefined ? `${wait.resource} ${wait.namespace}/${wait.name}` : `${wait.resource} ${wait.name}`;
  s.say(`waiting up to ${timeout}s: ${object} ${wait.condition}`);
  while (readJson(s, object, wait.namespace ?? '', ['get', wait.resource, wait.name, ...ns, '--ignore-not-found']) === undefined) {
    if (s.clock.now() >= deadline) {
      s.fail(object, `does not exist after ${timeout}s`, operatorHint(s.plan.operator));
    }
    s.pause();
  }
  const left = Math.max(0, Math.ceil(deadline - s.clock.now()));
  const condition = wait.condition.includes('=') ? wait.condition : `condition=${wait.condition}`;
  const result = s.kubectl(['wait', ...ns, `--for=${condition}`, `--timeout=${left}s`, `${wait.resource}/${wait.name}`]);
  if (result.status === 0) {
    return;
  }
  const out = allOutput(result);
  const podsNamespace = wait.namespace ?? s.plan.operator?.namespace ?? 'default';
  const fallback = podsNamespace === s.plan.operator?.namespace ? operatorHint(s.plan.operator) : podsHint(podsNamespace);
  s.fail(object, `not ${wait.condition} within ${timeout}s`, out, hint(s, `${out} ${waitingReasons(s, podsNamespace)}`, podsNamespace) || fallback);
}

/** Polls the Job until it is Complete; its Failed condition is final. */
export function waitForJob(s: Session, wait: JobWait): void {
  const timeout = s.settings.timeouts[wait.timeout];
  const deadline = s.clock.now() + timeout;
  const object = `Job ${wait.namespace}/${wait.name}`;
  const logHint = `hint: read its log: kubectl logs -n ${wait.namespace} job/${wait.name}`;
  s.say(`waiting up to ${timeout}s: ${object} (${wait.what}) complete`);
  for (;;) {
    const job = readJson(s, object, wait.namespace, ['get', 'job', wait.name, '-n', wait.namespace, '--ignore-not-found']);
    const conditions: string[] = (job?.status?.conditions ?? []).filter((c: any) => c.status === 'True').map((c: any) => c.type);
    if (conditions.includes('Complete')) {
      return;
    }
    if (conditions.includes('Failed')) {
      s.fail(object, wait.failed, logHint);
    }
    if (s.clock.now() >= deadline) {
      if (job === undefined) {
        s.fail(object, `did not appear within ${timeout}s`, wait.absentHint);
      }
      s.fail(object, `not complete within ${timeout}s`, logHint);
    }
    s.pause();
  }
}
