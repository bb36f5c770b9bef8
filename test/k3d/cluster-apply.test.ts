/**
 * The apply plan synth writes beside dist/, and the apply command that carries it out (cluster/),
 * against small kubectl stand-ins: functions that answer each call from the scenario's state.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ChartDelivery, PlatformApp } from '../../lib';
import { ApplyPlan, applyPlan } from '../../lib/core/apply-plan';
import { buildSeedPlatform } from '../../platform';
import { applyPlatform, missingCrds } from '../../cluster/apply';
import { hintFor } from '../../cluster/hints';
import { KubectlResult } from '../../cluster/kubectl';
import { settingsFrom } from '../../cluster/main';
import { checkPipelines, compareRows } from '../../cluster/pipeline-check';
import { submissionRetried } from '../../cluster/results';
import { ApplyFailure, Session } from '../../cluster/session';

const REPO = path.join(__dirname, '..', '..');
const DIST = path.join(REPO, 'dist');
const seedPlan = (chartDelivery?: ChartDelivery): ApplyPlan => {
  const app = new PlatformApp({ outdir: DIST, chartDelivery });
  buildSeedPlatform(app);
  return applyPlan(app);
};
const PLAN = seedPlan();

/** What the stand-in cluster does; every field has the happy default. */
interface Scenario {
  /** Answers to `kubectl apply -f <file>`, one per attempt; then success. */
  applies?: Record<string, KubectlResult[]>;
  /** Secrets that exist, by namespace/name, with their data. */
  secrets?: Record<string, Record<string, string>>;
  /** The state of each SparkApplication (namespace/name); COMPLETED by default. */
  states?: Record<string, string>;
  errorMessage?: string;
  /** The applications' restart policy and submission attempts; none by default. */
  restartPolicy?: Record<string, unknown>;
  submissionAttempts?: number;
  jobConditions?: string[];
  log?: string;
  /** kubectl wait fails with this message. */
  waitError?: string;
  /** Why the pods are waiting. */
  waiting?: string[];
}

const ok = (stdout = ''): KubectlResult => ({ status: 0, stdout, stderr: '' });
const failed = (stderr: string): KubectlResult => ({ status: 1, stdout: '', stderr });

function session(scenario: Scenario = {}, plan: ApplyPlan = PLAN) {
  const calls: { args: string[]; input?: string }[] = [];
  const lines: string[] = [];
  let now = 0;
  const applies = Object.fromEntries(Object.entries(scenario.applies ?? {}).map(([f, r]) => [f, [...r]]));
  const kubectl = (args: string[], input?: string): KubectlResult => {
    calls.push({ args, input });
    const [verb, resource, name] = args;
    const ns = args[args.indexOf('-n') + 1];
    if (verb === 'apply') {
      const file = args[args.indexOf('-f') + 1];
      return applies[path.basename(file)]?.shift() ?? ok(`${path.basename(file)} configured`);
    }
    if (verb === 'wait' && scenario.waitError !== undefined) {
      return failed(scenario.waitError);
    }
    if (verb === 'wait' || verb === 'logs') {
      return ok(verb === 'logs' ? (scenario.log ?? 'Pi is roughly 3.141651\n') : '');
    }
    if (resource === 'secret') {
      const data = scenario.secrets?.[`${ns}/${name}`];
      return ok(data ? JSON.stringify({ data }) : '');
    }
    if (resource === 'job') {
      return ok(JSON.stringify({ status: { conditions: (scenario.jobConditions ?? ['Complete']).map((type) => ({ type, status: 'True' })) } }));
    }
    if (resource === 'sparkapplication') {
      const state = scenario.states?.[`${ns}/${name}`] ?? 'COMPLETED';
      return ok(JSON.stringify({
        spec: { type: 'Scala', restartPolicy: scenario.restartPolicy },
        status: { applicationState: { state, errorMessage: scenario.errorMessage }, submissionAttempts: scenario.submissionAttempts, driverInfo: { podName: `${name}-driver` } },
      }));
    }
    if (resource === 'pods') {
      return ok(JSON.stringify({ items: (scenario.waiting ?? []).map((reason) => ({ status: { containerStatuses: [{ state: { waiting: { reason } } }] } })) }));
    }
    return ok(resource === 'service' ? `service/${name}` : '{}');
  };
  const settings = { ...settingsFrom({ KUBE_CONTEXT: 'k3d-test' }), pollInterval: 5 };
  const s = new Session(plan, kubectl, { now: () => now, sleep: (seconds) => (now += seconds) }, settings, (line) => lines.push(line));
  const apply = () => applyPlatform(s, { distDir: DIST, randomHex: (bytes) => 'ab'.repeat(bytes) });
  const failure = (run: () => void): ApplyFailure => {
    try {
      run();
    } catch (error) {
      if (error instanceof ApplyFailure) return error;
      throw error;
    }
    throw new Error('the run did not fail');
  };
  return { s, calls, lines, apply, failure, phases: () => [...new Set(lines.filter((l) => l.startsWith('==> [')).map((l) => /\[([^\]]+)\]/.exec(l)![1]))] };
}

describe('the apply plan', () => {
  test('is what dist.plan.json holds beside dist/ (run npm run synth when this fails)', () => {
    expect(JSON.parse(fs.readFileSync(`${DIST}.plan.json`, 'utf8'))).toEqual(PLAN);
  });

  test.each([
    ['examples/flux', ChartDelivery.FLUX, 'helmreleases.helm.toolkit.fluxcd.io', 'Ready'],
    ['examples/argocd', ChartDelivery.ARGO_CD, 'applications.argoproj.io', 'jsonpath={.status.health.status}=Healthy'],
  ])('is what %s/dist.plan.json holds: each release waits as its delivery says', (dir, delivery, resource, condition) => {
    const plan = seedPlan(delivery);
    expect(JSON.parse(fs.readFileSync(path.join(REPO, dir, 'dist.plan.json'), 'utf8'))).toEqual(plan);
    expect(plan.files.flatMap((f) => f.releases).map((r) => r.type === 'condition' && `${r.resource} ${r.condition}`)).toEqual(Array(4).fill(`${resource} ${condition}`));
  });

  test('lists dist/ in apply order, the files with SparkApplications as jobs', () => {
    expect(PLAN.files.map((f) => f.file)).toEqual(fs.readdirSync(DIST).sort());
    expect(PLAN.files.filter((f) => f.stage === 'jobs').map((f) => f.file)).toEqual(['0002-spark-jobs.k8s.yaml', '0003-pipeline.k8s.yaml']);
  });

  test("gathers each construct's waits: releases per file, Volcano before the custom resources, monitoring and the operator before the jobs", () => {
    expect(PLAN.files.flatMap((f) => f.releases.map((r) => r.name))).toEqual([
      'helm-install-kube-prometheus-stack', 'helm-install-volcano', 'helm-install-seaweedfs', 'helm-install-spark-operator',
    ]);
    expect(PLAN.readiness.map((r) => [r.phase, r.when])).toEqual([['monitoring', 'before-jobs'], ['volcano', 'before-custom-resources'], ['operator', 'before-jobs']]);
    expect(PLAN.readiness[2].waits.map((w) => w.name)).toEqual(['sparkapplications.sparkoperator.k8s.io', 'spark-operator-controller', 'spark-operator-webhook']);
  });

  test('names the Secrets to generate and their keys, never values', () => {
    const storage = PLAN.files.find((f) => f.file === '0001-object-storage.k8s.yaml')!;
    expect(storage.secrets.map((s) => `${s.namespace}/${s.name} -> ${s.copy.namespace}/${s.copy.name}`)).toEqual([
      'team-alpha/object-store-credentials -> object-store/team-alpha.jobs',
      'team-alpha/object-store-history-credentials -> object-store/team-alpha.history',
      'team-beta/object-store-credentials -> object-store/team-beta.jobs',
      'team-beta/object-store-history-credentials -> object-store/team-beta.history',
    ]);
    expect(Object.keys(storage.secrets[0]).sort()).toEqual(['copy', 'keys', 'name', 'namespace']);
  });
});

describe('cluster apply', () => {
  test('runs the phases in order and prints the results table', () => {
    const run = session();
    run.apply();
    expect(run.phases()).toEqual([
      'prerequisites', 'platform', 'credentials', 'seaweedfs', 'setup', 'services', 'volcano', 'monitoring', 'operator', 'jobs', 'results',
    ]);
    // The Secrets come before the storage file, with the same random keys in the copy, on stdin only.
    const secretApply = run.calls.find((c) => c.args.includes('--server-side'))!;
    expect(JSON.parse(secretApply.input!).items.map((i: any) => [i.metadata.namespace, i.metadata.name, i.stringData.AWS_ACCESS_KEY_ID])).toEqual([
      ['team-alpha', 'object-store-credentials', 'ABABABABABABABABABAB'], ['object-store', 'team-alpha.jobs', 'ABABABABABABABABABAB'],
    ]);
    expect(run.lines.join('\n')).toContain([
      '| Namespace | Application | Type | State | Result |',
      '|---|---|---|---|---|',
      '| team-alpha | pyspark-pi-test | Scala | ✅ COMPLETED | Pi ≈ 3.141651 |',
    ].join('\n'));
    expect(run.lines).toContain('    team-alpha: kubectl --context k3d-test port-forward -n team-alpha service/spark-history-server 18080:18080   ->  http://localhost:18080');
    expect(run.lines[run.lines.length - 1]).toBe('==> [results] all 3 SparkApplication(s) COMPLETED');
  });

  test('applies a file again once the CRDs a chart brings are established', () => {
    const refused = failed('no matches for kind "PodMonitor" in version "monitoring.coreos.com/v1"\nensure CRDs are installed first');
    const run = session({ applies: { '0000-monitoring.k8s.yaml': [refused] } });
    run.apply();
    const applies = run.calls.filter((c) => c.args[0] === 'apply' && c.args.includes('-f') && c.args[2] !== '-').map((c) => path.basename(c.args[2]));
    expect(applies.filter((f) => f === '0000-monitoring.k8s.yaml')).toHaveLength(2);
    expect(run.lines).toContain('    the rest of 0000-monitoring.k8s.yaml once a chart has installed the CRDs podmonitors.monitoring.coreos.com');
    expect(run.calls.some((c) => c.args.join(' ').includes('wait --for=condition=Established') && c.args.includes('customresourcedefinition/podmonitors.monitoring.coreos.com'))).toBe(true);
  });

  test("retries the jobs while the operator's webhook is not serving, and stops after WEBHOOK_RETRIES", () => {
    const webhook = failed('Internal error occurred: failed calling webhook "mutate-sparkapplication.sparkoperator.k8s.io"');
    const retried = session({ applies: { '0002-spark-jobs.k8s.yaml': [webhook, webhook] } });
    retried.apply();
    expect(retried.lines).toContain("    the operator's webhook is not serving yet (attempt 2 of 12); retrying in 5s");
    const exhausted = session({ applies: { '0002-spark-jobs.k8s.yaml': Array(12).fill(webhook) } });
    const failure = exhausted.failure(exhausted.apply);
    expect(failure.report()).toMatch(/^FAILED \[jobs\] 0002-spark-jobs.k8s.yaml: kubectl apply failed after 12 attempt\(s\)\n.*failed calling webhook.*\nhint: look at the operator's pods and logs/s);
  });

  test('a failed application gets its row, its error and the hint that matches it', () => {
    const run = session({ states: { 'team-beta/spark-pi-test': 'FAILED' }, errorMessage: 'pods "x" is forbidden: exceeded quota: team-beta' });
    const failure = run.failure(run.apply);
    expect(run.lines.join('\n')).toContain('| team-beta | spark-pi-test | Scala | ❌ FAILED | see below |');
    expect(failure.report()).toContain('FAILED [results] SparkApplications: 1 of 3 did not complete');
    expect(failure.report()).toContain('SparkApplication team-beta/spark-pi-test FAILED: pods "x" is forbidden: exceeded quota: team-beta\nhint (Resource Quota Violations)');
  });

  test('a failed submission the operator will retry is followed on, not reported as final; one with no retry left is', () => {
    const policy = { type: 'OnFailure', onFailureRetries: 0, onSubmissionFailureRetries: 5, onSubmissionFailureRetryInterval: 60 };
    const retrying = session({ states: { 'team-beta/spark-pi-test': 'SUBMISSION_FAILED' }, restartPolicy: policy, submissionAttempts: 2, errorMessage: 'exceeded quota' });
    const waited = retrying.failure(retrying.apply);
    expect(retrying.lines.join('\n')).toContain('team-beta/spark-pi-test: SUBMISSION_FAILED (the operator submits it again)');
    expect(waited.report()).toMatch(/SparkApplication team-beta\/spark-pi-test TIMED OUT \(SUBMISSION_FAILED\): still SUBMISSION_FAILED \d+s after the jobs were applied/);
    const spent = session({ states: { 'team-beta/spark-pi-test': 'SUBMISSION_FAILED' }, restartPolicy: policy, submissionAttempts: 6, errorMessage: 'exceeded quota' });
    expect(spent.failure(spent.apply).report()).toContain('SparkApplication team-beta/spark-pi-test SUBMISSION_FAILED: exceeded quota');
    expect(submissionRetried({ spec: { restartPolicy: { type: 'Never', onSubmissionFailureRetries: 5 } }, status: { submissionAttempts: 1 } })).toBe(false);
    expect(submissionRetried({ spec: { restartPolicy: policy }, status: {} })).toBe(true);
  });

  test('an application the operator never picks up points at the namespaces it watches', () => {
    const run = session({ states: { 'team-alpha/pyspark-pi-test': '' } });
    const failure = run.failure(run.apply);
    expect(failure.report()).toContain('SparkApplication team-alpha/pyspark-pi-test NO STATE: no state 120s after the jobs were applied');
    expect(failure.report()).toContain('kubectl logs -n spark-operator deployment/spark-operator-controller | grep namespace');
  });

  test('a wait that times out shows why the pods wait, and the hint for it', () => {
    const run = session({ waitError: 'error: timed out waiting for the condition on deployments/seaweedfs-all-in-one', waiting: ['ErrImagePull', 'ContainerCreating'] });
    const report = run.failure(run.apply).report();
    expect(report).toMatch(/^FAILED \[seaweedfs\] deployment object-store\/seaweedfs-all-in-one: not Available within 300s\nerror: timed out waiting/);
    expect(report).toContain('hint (Image Pull Issues)');
  });

  test('the Flux example on a cluster without Flux stops at its first file with how to install it', () => {
    const flux = seedPlan(ChartDelivery.FLUX);
    const refused = failed('error: resource mapping not found for name: "kube-prometheus-stack" namespace: "flux-system" from "0000-monitoring.k8s.yaml": no matches for kind "HelmRelease" in version "helm.toolkit.fluxcd.io/v2"\nensure CRDs are installed first');
    const run = session({ applies: { '0000-monitoring.k8s.yaml': [refused] } }, flux);
    const report = run.failure(run.apply).report();
    expect(report).toMatch(/^FAILED \[platform\] 0000-monitoring.k8s.yaml: kubectl apply failed\n/);
    expect(report).toContain("hint: these manifests release their charts with Flux (HelmRepository, HelmRelease), which is not installed");
  });

  test('a failed Job stops the run with where to read its log', () => {
    const run = session({ jobConditions: ['Failed'] });
    expect(run.failure(run.apply).report()).toBe('FAILED [platform] Job kube-system/helm-install-kube-prometheus-stack: the chart install failed\nhint: read its log: kubectl logs -n kube-system job/helm-install-kube-prometheus-stack');
  });

  test('keeps the keys of an existing Secret and copies them; refuses one without them', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'QQ==', AWS_SECRET_ACCESS_KEY: 'Qg==' };
    const secrets = Object.fromEntries(['team-alpha', 'team-beta'].flatMap((t) => ['object-store-credentials', 'object-store-history-credentials'].map((n) => [`${t}/${n}`, keys])));
    const kept = session({ secrets });
    kept.apply();
    const copy = JSON.parse(kept.calls.find((c) => c.args.includes('--server-side'))!.input!);
    expect(copy.items).toEqual([{ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'team-alpha.jobs', namespace: 'object-store' }, data: keys }]);
    const broken = session({ secrets: { 'team-alpha/object-store-credentials': { AWS_ACCESS_KEY_ID: 'QQ==' } } });
    expect(broken.failure(broken.apply).report()).toBe('FAILED [credentials] Secret team-alpha/object-store-credentials: it lacks AWS_SECRET_ACCESS_KEY\n'
      + 'hint: delete it (kubectl delete secret -n team-alpha object-store-credentials) and apply again, which creates it with new keys');
  });

  test('a wait bounds its time by the clock: an object that never appears fails after its timeout', () => {
    const run = session();
    const kubectl = run.s.kubectl;
    const s = new Session(PLAN, (args, input) => (args[0] === 'get' && args[1] === 'deployment' ? ok('') : kubectl(args, input)), run.s.clock, { ...run.s.settings, timeouts: { ...run.s.settings.timeouts, WORKLOAD_TIMEOUT: 30 } }, () => undefined);
    const failure = run.failure(() => applyPlatform(s, { distDir: DIST, randomHex: (b) => '0'.repeat(b * 2) }));
    expect(failure.report()).toMatch(/^FAILED \[seaweedfs\] deployment object-store\/seaweedfs-all-in-one: does not exist after 30s/);
  });
});

describe('the pieces', () => {
  test('missingCrds names the CRDs only when nothing else went wrong', () => {
    const podMonitor = 'no matches for kind "PodMonitor" in version "monitoring.coreos.com/v1"';
    expect(missingCrds(`namespace/monitoring created\n${podMonitor}\nensure CRDs are installed first`)).toEqual(['podmonitors.monitoring.coreos.com']);
    expect(missingCrds(`${podMonitor}\nError from server (Forbidden): nope`)).toEqual([]);
    expect(missingCrds('no matches for kind "HelmRelease" in version "helm.toolkit.fluxcd.io/v2"')).toEqual([]);
  });

  test('hintFor matches the symptoms of the troubleshooting guide', () => {
    const op = { namespace: 'spark-operator', name: 'spark-operator' };
    expect(hintFor('exceeded quota', 'team-alpha', op, 'c')).toMatch(/^hint \(Resource Quota Violations\)/);
    expect(hintFor('is forbidden: User', 'team-alpha', op, 'c')).toMatch(/^hint \(Permission Errors\)/);
    expect(hintFor('Back-off: ImagePullBackOff', 'team-alpha', op, 'c')).toMatch(/^hint \(Image Pull Issues\)/);
    expect(hintFor('no matches for kind "Application" in version "argoproj.io/v1alpha1"', 'x', op, 'c')).toContain('Argo CD');
    expect(hintFor('error: context "k3d-x" does not exist', 'x', op, 'k3d-x')).toContain('kubectl context used: k3d-x');
    expect(hintFor('all fine', 'x', op, 'c')).toBe('');
  });

  test('settings refuse a bound that is not a whole number', () => {
    expect(() => settingsFrom({ KUBE_CONTEXT: 'c', APP_TIMEOUT: '15m' })).toThrow(/must be a whole number/);
    expect(() => settingsFrom({})).toThrow(/not set/);
  });

  test('compareRows matches rows by their text values, numbers to 1e-9', () => {
    const expected = [{ carrier: 'AA', delay: 1.5 }, { carrier: 'UA', delay: 2 }];
    expect(compareRows([{ carrier: 'UA', delay: 2 + 1e-12 }, { carrier: 'AA', delay: 1.5 }], expected)).toEqual([]);
    expect(compareRows([{ carrier: 'AA', delay: 1.6 }], expected)).toEqual(['1 rows, expected 2', '["AA"] delay: 1.6, expected 1.5', 'missing {"carrier":"UA","delay":2}']);
  });

  test('the pipeline check refuses a plan without a pipeline', () => {
    const run = session({}, { ...PLAN, pipelines: [] });
    expect(run.failure(() => checkPipelines(run.s, { distDir: DIST, pathOf: () => undefined, shown: (f) => f })).report())
      .toBe(`FAILED [prerequisites] ${DIST}: holds no data pipeline (no object labelled spark-platform.io/pipeline)\nhint: add one in platform.ts (see docs/pipeline.md) and run npm run synth`);
  });

  test('the pipeline check compares what the driver logged with the expected rows', () => {
    const run = session({ log: 'PIPELINE_RESULT {"carrier":"AA","delay":1.5}\n' });
    const file = path.join(REPO, 'pipelines', 'flight-delays', 'expected.json');
    const expected = { distDir: DIST, pathOf: () => file, shown: (f: string) => path.relative(REPO, f) };
    const failure = run.failure(() => checkPipelines(run.s, expected));
    expect(run.phases()).toEqual(['prerequisites', 'load', 'flight-delays']);
    expect(failure.report()).toMatch(/^FAILED \[pipeline\] pipeline: 1 result\(s\) differ from the expected\nSparkApplication team-alpha\/flight-delays: its result differs from pipelines\/flight-delays\/expected.json:/);
    const rows = JSON.parse(fs.readFileSync(file, 'utf8')).map((r: unknown) => `PIPELINE_RESULT ${JSON.stringify(r)}`).join('\n');
    const good = session({ log: rows });
    checkPipelines(good.s, expected);
    expect(good.lines).toContain('==> [flight-delays] ✅ team-alpha/flight-delays: the result matches pipelines/flight-delays/expected.json');
  });
});
