import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import type { PlanFile, ReadinessStep } from '../lib/core/apply-plan';
import { grafanaHowto, historyAccess } from './access';
import { ensureSecret, RandomHex } from './generated-secrets';
import { allOutput } from './kubectl';
import { AppResult, followApp, resultsTable } from './results';
import { Session } from './session';
import { hint, runWait, waitFor, waitForJob } from './waits';

/** The kinds that release charts (k3s's, Flux's, Argo CD's): no chart of the platform brings their CRDs. */
const RELEASE_KINDS = ['HelmChart', 'HelmRelease', 'HelmRepository', 'Application'];

/**
 * The CRDs that kubectl's "no matches for kind" errors in `output` ask for, named as CRDs are
 * (<lower-case kind>s.<group>, e.g. podmonitors.monitoring.coreos.com). Empty when the output has any
 * other error, which a second apply would not cure, or misses a kind that releases charts.
 */
export function missingCrds(output: string): string[] {
  const crds: string[] = [];
  for (const line of output.split('\n')) {
    const missing = /no matches for kind "([^"]*)" in version "([^"]*)"/.exec(line);
    if (missing) {
      const [, kind, version] = missing;
      if (RELEASE_KINDS.includes(kind)) {
        return [];
      }
      const crd = `${kind.toLowerCase()}s.${version.replace(/\/[^/]*$/, '')}`;
      if (!crds.includes(crd)) {
        crds.push(crd);
      }
    } else if (!(line.startsWith('ensure CRDs are installed first') || /(created|configured|unchanged)$/.test(line) || line === '')) {
      return [];
    }
  }
  return crds;
}

const indent = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => `      ${l}`).join('\n');

/** A file whose custom resources wait for the CRDs a chart brings, and those CRDs. */
interface Deferred {
  readonly file: PlanFile;
  readonly crds: string[];
}

/** Where the files of the plan are. */
export interface ApplyOptions {
  readonly distDir: string;
  readonly randomHex: RandomHex;
}

/**
 * Applies the platform in phases: charts install one file after another, in file order, and a file
 * whose custom resources need a CRD that a chart brings is applied again once that CRD is
 * established. After each file the command waits for what it starts; the SparkApplications come last.
 */
export function applyPlatform(s: Session, options: ApplyOptions): void {
  const { plan } = s;
  const file = (f: PlanFile) => path.join(options.distDir, f.file);
  s.enter('prerequisites', `checking kubectl and the manifests in ${options.distDir}`);
  if (plan.files.length === 0) {
    s.fail(options.distDir, 'no *.yaml manifests', 'hint: synthesize them first: npm run synth');
  }
  const platformFiles = plan.files.filter((f) => f.stage === 'platform');
  const jobFiles = plan.files.filter((f) => f.stage === 'jobs');

  // k3s starts a chart's install as soon as its HelmChart exists, so the next file waits until the
  // charts of this one are installed (their CRDs with them).
  s.enter('platform', `applying ${platformFiles.length} file(s), each after the charts of the one before`);
  const deferred: Deferred[] = [];
  for (const f of platformFiles) {
    if (f.secrets.length > 0) {
      applyCredentials(s, f, file(f), options);
      s.phase = 'platform';
    }
    const crds = applyPlatformFile(s, f, file(f));
    if (crds.length > 0) {
      deferred.push({ file: f, crds });
    }
    f.releases.forEach((wait) => runWait(s, wait));
    waitForWorkloads(s, f);
    s.phase = 'platform';
  }
  plan.readiness.filter((r) => r.when === 'before-custom-resources').forEach((r) => runStep(s, r));
  for (const d of deferred) {
    d.crds.forEach((crd) => waitFor(s, { type: 'condition', resource: 'customresourcedefinition', name: crd, condition: 'Established', timeout: 'CRD_TIMEOUT' }));
    applyRetryingWebhook(s, d.file, file(d.file), 'a webhook');
  }
  plan.readiness.filter((r) => r.when === 'before-jobs').forEach((r) => runStep(s, r));

  s.enter('jobs', `applying ${jobFiles.length} file(s)`);
  jobFiles.forEach((f) => applyRetryingWebhook(s, f, file(f), "the operator's webhook"));

  s.enter('results', `following ${plan.applications.length} SparkApplication(s), all within ${s.settings.appTimeout}s`);
  const start = s.clock.now();
  const results: AppResult[] = plan.applications.map((app) => followApp(s, app, start));
  s.raw(resultsTable(results));
  historyAccess(s);
  const problems = results.flatMap((r) => (r.problem !== undefined ? [r.problem] : []));
  if (problems.length > 0) {
    s.fail('SparkApplications', `${problems.length} of ${results.length} did not complete`, ...problems);
  }
  s.say(`all ${results.length} SparkApplication(s) COMPLETED`);
}

/** Runs a readiness step that has a phase of its own. */
function runStep(s: Session, step: ReadinessStep): void {
  s.enter(step.phase, step.title ?? `waiting for ${step.phase}`);
  step.waits.forEach((wait) => runWait(s, wait));
  if (step.grafanaHowto) {
    grafanaHowto(s);
  }
}

/**
 * Applies the file; when only custom resources of CRDs that no chart has installed yet are refused,
 * gives those CRDs, for a second apply, instead of failing.
 */
function applyPlatformFile(s: Session, f: PlanFile, filePath: string): string[] {
  s.detail(`kubectl apply -f ${f.file}`);
  const result = s.kubectl(['apply', '-f', filePath]);
  const out = allOutput(result);
  if (result.status === 0) {
    s.raw(indent(out));
    return [];
  }
  const crds = missingCrds(out);
  if (crds.length === 0) {
    s.fail(f.file, 'kubectl apply failed', out, hint(s, out, f.namespace ?? 'default'));
  }
  s.raw(indent(out.split('\n').filter((l) => /(created|configured|unchanged)$/.test(l)).join('\n')));
  s.detail(`the rest of ${f.file} once a chart has installed the CRDs ${crds.join(' ')}`);
  return crds;
}

/** Applies a file of custom resources; a webhook can refuse for a few seconds after its Deployment is Available, so its refusal is retried. */
function applyRetryingWebhook(s: Session, f: PlanFile, filePath: string, webhook: string): void {
  const retries = s.settings.webhookRetries;
  s.detail(`kubectl apply -f ${f.file}`);
  for (let attempt = 1; ; attempt++) {
    const result = s.kubectl(['apply', '-f', filePath]);
    const out = allOutput(result);
    if (result.status === 0) {
      s.raw(indent(out));
      return;
    }
    if (!out.includes('failed calling webhook') || attempt >= retries) {
      s.fail(f.file, `kubectl apply failed after ${attempt} attempt(s)`, out, hint(s, out, f.namespace ?? 'default'));
    }
    s.detail(`${webhook} is not serving yet (attempt ${attempt} of ${retries}); retrying in ${s.settings.pollInterval}s`);
    s.pause();
  }
}

/** Applies the file's Namespaces, then the Secrets it needs, so that they exist before anything of the file starts. */
function applyCredentials(s: Session, f: PlanFile, filePath: string, options: ApplyOptions): void {
  s.enter('credentials', `Secrets with generated keys, before ${f.file} starts anything`);
  const namespaces = parseAllDocuments(fs.readFileSync(filePath, 'utf8')).map((d) => d.toJS()).filter((d) => d?.kind === 'Namespace');
  const result = s.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: namespaces }));
  const out = allOutput(result);
  if (result.status !== 0) {
    s.fail(f.file, 'kubectl cannot apply its Namespaces', out, hint(s, out, 'default'));
  }
  s.raw(indent(out));
  f.secrets.forEach((secret) => ensureSecret(s, secret, options.randomHex));
}

/**
 * Waits for what the file starts besides its chart installs: the readiness steps of its constructs
 * (a k3s chart install does not wait for its pods), then its Jobs to complete, then its Deployments
 * to be available.
 */
function waitForWorkloads(s: Session, f: PlanFile): void {
  for (const step of f.readiness) {
    s.phase = step.phase;
    step.waits.forEach((wait) => runWait(s, wait));
  }
  for (const job of f.jobs) {
    s.phase = 'setup';
    waitForJob(s, { type: 'job', ...job, timeout: 'JOB_TIMEOUT', what: `from ${f.file}`, failed: `it failed (from ${f.file})`, absentHint: `hint: it is in ${f.file}; check: kubectl get jobs -n ${job.namespace}` });
  }
  for (const deployment of f.deployments) {
    s.phase = 'services';
    waitFor(s, { type: 'condition', resource: 'deployment', ...deployment, condition: 'Available', timeout: 'WORKLOAD_TIMEOUT' });
  }
}
