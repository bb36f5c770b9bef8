// The apply command of the k3d cluster (npm run cluster:apply, cluster:pipeline, cluster:status; run by
// k3d/platform.sh): carries out the apply plan that synth wrote beside the output folder.
//
//   apply     apply dist/ in phases with readiness gates, follow the jobs, print the results table
//             (DIST_DIR=examples/flux/dist or examples/argocd/dist: the charts are released by Flux or
//             Argo CD, which must be installed in the cluster first)
//   pipeline  wait for the data pipeline: its loading Jobs, then its SparkApplications; print the rows
//             each driver logged and compare them with pipelines/<pipeline>/expected.json (or PIPELINE_EXPECTED)
//   status    show the operator, the releases and the SparkApplications, and how to open Grafana and
//             each team's History Server
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ApplyPlan, ApplyTimeout } from '../lib/core/apply-plan';
import { grafanaHowto, historyAccess } from './access';
import { applyPlatform } from './apply';
import { kubectlIn } from './kubectl';
import { checkPipelines } from './pipeline-check';
import { ApplyFailure, Clock, Session, Settings } from './session';

const ROOT = path.resolve(__dirname, '..');

const DEFAULTS = {
  POLL_INTERVAL: 5,
  WEBHOOK_RETRIES: 12,
  APP_START_TIMEOUT: 120,
  APP_TIMEOUT: 900,
  PIPELINE_TIMEOUT: 1800,
  HELM_JOB_TIMEOUT: 300,
  CRD_TIMEOUT: 120,
  OPERATOR_TIMEOUT: 300,
  MONITORING_TIMEOUT: 300,
  VOLCANO_TIMEOUT: 300,
  WORKLOAD_TIMEOUT: 300,
  JOB_TIMEOUT: 600,
};

/** The settings from the environment; a bound that is not a whole number fails the run. */
export function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  const n = Object.fromEntries(Object.entries(DEFAULTS).map(([name, value]) => {
    const given = env[name] ?? String(value);
    if (!/^[0-9]+$/.test(given)) {
      throw new ApplyFailure('settings', name, `must be a whole number (of seconds for timeouts), not '${given}'`, []);
    }
    return [name, Number(given)];
  })) as Record<keyof typeof DEFAULTS, number>;
  const timeouts: Record<ApplyTimeout, number> = {
    HELM_JOB_TIMEOUT: n.HELM_JOB_TIMEOUT, CRD_TIMEOUT: n.CRD_TIMEOUT, OPERATOR_TIMEOUT: n.OPERATOR_TIMEOUT, MONITORING_TIMEOUT: n.MONITORING_TIMEOUT,
    VOLCANO_TIMEOUT: n.VOLCANO_TIMEOUT, WORKLOAD_TIMEOUT: n.WORKLOAD_TIMEOUT, JOB_TIMEOUT: n.JOB_TIMEOUT,
  };
  if (!env.KUBE_CONTEXT) {
    throw new ApplyFailure('settings', 'KUBE_CONTEXT', 'not set', ["hint: run the command with 'npm run cluster:apply' (k3d/platform.sh), which sets it from k3d/k3d-config.yaml"]);
  }
  return {
    context: env.KUBE_CONTEXT,
    pollInterval: n.POLL_INTERVAL, webhookRetries: n.WEBHOOK_RETRIES, appStartTimeout: n.APP_START_TIMEOUT, appTimeout: n.APP_TIMEOUT, pipelineTimeout: n.PIPELINE_TIMEOUT,
    timeouts,
  };
}

/** The plan synth wrote beside `distDir`. */
export function readPlan(distDir: string): ApplyPlan {
  const file = `${distDir}.plan.json`;
  if (!fs.existsSync(file)) {
    throw new ApplyFailure('prerequisites', file, 'no apply plan beside the manifests', ['hint: synthesize them first: npm run synth']);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function status(s: Session): void {
  s.enter('status', `the platform (kubectl context ${s.settings.context})`);
  // Status shows whatever exists; a missing piece (e.g. no CRD yet) is information, not a failure.
  const what = [['nodes'], ['helmcharts.helm.cattle.io', '-A']];
  if (s.plan.operator !== undefined) {
    what.push(['deployments', '-n', s.plan.operator.namespace]);
  }
  for (const server of s.plan.historyServers) {
    what.push(['deployment', server.name, '-n', server.namespace]);
  }
  what.push(['sparkapplications', '-A']);
  for (const args of what) {
    s.say(`kubectl get ${args.join(' ')}`);
    const result = s.kubectl(['get', ...args]);
    s.raw([result.stdout, result.stderr].join('').trimEnd());
  }
  grafanaHowto(s);
  historyAccess(s);
}

const systemClock: Clock = {
  now: () => performance.now() / 1000,
  sleep: (seconds) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000),
};

function main(command: string | undefined): void {
  const settings = settingsFrom(process.env);
  const distDir = path.resolve(process.env.DIST_DIR ?? path.join(ROOT, 'dist'));
  const s = new Session(readPlan(distDir), kubectlIn(settings.context), systemClock, settings, (line) => console.log(line));
  switch (command) {
    case 'apply':
      return applyPlatform(s, { distDir, randomHex: (bytes) => randomBytes(bytes).toString('hex') });
    case 'pipeline':
      return checkPipelines(s, {
        distDir,
        pathOf: (pipeline) => {
          const file = process.env.PIPELINE_EXPECTED ?? path.join(ROOT, 'pipelines', pipeline, 'expected.json');
          return fs.existsSync(file) ? file : undefined;
        },
        shown: (file) => path.relative(ROOT, file),
      });
    case 'status':
      return status(s);
    default:
      console.error('usage: cluster/main.ts apply|pipeline|status');
      process.exit(2);
  }
}

if (require.main === module) {
  try {
    main(process.argv[2]);
  } catch (error) {
    if (!(error instanceof ApplyFailure)) {
      throw error;
    }
    console.error(error.report());
    process.exit(1);
  }
}
