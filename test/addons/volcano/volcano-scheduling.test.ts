import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { PodSecurityLevel, ConcurrencyPolicy, ScheduledSparkJob, SparkJob, SparkOperatorRelease, sparkoperator, SparkPiJob, SparkPiLanguage, TenantNamespace, VolcanoScheduling, VolcanoSchedulingProps } from '../../../lib';
import { podSecurityViolations } from '../../../lib/core/pod-security';
import { sparkPiSpec } from '../../../lib/jobs/spark-pi-job';
import { BATCH_QUEUE_LABEL } from '../../../lib/operator/tenant-admission-policy';
import { schemaErrors } from '../../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../../support/synth';

/** GIVEN two tenants (team-beta with a larger quota), the operator watching them, Volcano over them, and a job in each. */
function platform(props: Partial<VolcanoSchedulingProps> = {}, operatorRaw?: Record<string, unknown>) {
  const { app, chart } = appWithChart();
  const tenants = [
    new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' }),
    new TenantNamespace(chart, 'Beta', { name: 'team-beta', quota: { requestsCpu: '6', requestsMemory: '12Gi', limitsCpu: '12', limitsMemory: '24Gi' } }),
  ];
  const operator = new SparkOperatorRelease(chart, 'Operator', { tenants, rawValues: operatorRaw });
  const volcano = new VolcanoScheduling(new Chart(app, 'volcano'), 'Volcano', { operator, ...props });
  new SparkPiJob(chart, 'Pi', { tenant: tenants[0], language: SparkPiLanguage.PYTHON, name: 'pyspark-pi' });
  new ScheduledSparkJob(chart, 'Nightly', {
    tenant: tenants[1],
    name: 'spark-pi-nightly',
    schedule: '0 2 * * *',
    concurrencyPolicy: ConcurrencyPolicy.FORBID,
    spec: sparkPiSpec({ language: SparkPiLanguage.SCALA }),
  });
  return { app, chart, tenants, operator, volcano };
}

const docsOf = (app: ReturnType<typeof platform>['app']): any[] => app.charts.flatMap((c) => Testing.synth(c));
const helmValues = (docs: any[], chart: string): any => parse(docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === chart).spec.valuesContent);

describe('VolcanoScheduling', () => {
  test('defaults: the pinned chart, its trimmed values and every object valid against its schema', () => {
    const { app } = platform();
    const docs = docsOf(app);
    expect(problemsOf(app)).toEqual([]);
    expect(docs.flatMap((d) => schemaErrors(d))).toEqual([]);
    const helmChart = docs.find((d) => d.kind === 'HelmChart' && d.spec.chart === 'volcano');
    expect(helmChart.metadata).toEqual({ name: 'volcano', namespace: 'kube-system' });
    expect(helmChart.spec).toMatchObject({ repo: 'https://volcano-sh.github.io/helm-charts', version: '1.15.0', targetNamespace: 'volcano-system' });
    expect(helmValues(docs, 'volcano')).toMatchSnapshot();
  });

  test('the operator is installed after Volcano (its Volcano scheduler needs the PodGroup CRD), in Flux and Argo CD', () => {
    const { operator, volcano } = platform();
    expect(operator.release.dependsOn).toContain(volcano.release);
    expect(operator.release.syncWave).toBeGreaterThan(volcano.release.syncWave);
  });

  test("one Queue per tenant, named after it, whose capability is the tenant's quota requests", () => {
    const { app, volcano } = platform();
    const queues = ofKind(docsOf(app), 'Queue');
    expect(queues.map((q) => [q.metadata.name, q.spec.capability])).toEqual([
      ['team-alpha', { cpu: '4', memory: '8Gi' }],
      ['team-beta', { cpu: '6', memory: '12Gi' }],
    ]);
    expect(queues.every((q) => q.apiVersion === 'scheduling.volcano.sh/v1beta1' && q.metadata.namespace === undefined)).toBe(true);
    expect(Object.keys(volcano.queues)).toEqual(['team-alpha', 'team-beta']);
  });

  test("every job of a covered tenant, one-off and scheduled, is scheduled by Volcano in its own tenant's queue", () => {
    const docs = docsOf(platform().app);
    const [oneOff] = ofKind(docs, 'SparkApplication');
    expect(oneOff.spec).toMatchObject({ batchScheduler: 'volcano', batchSchedulerOptions: { queue: 'team-alpha' } });
    const [scheduled] = ofKind(docs, 'ScheduledSparkApplication');
    expect(scheduled.spec.template).toMatchObject({ batchScheduler: 'volcano', batchSchedulerOptions: { queue: 'team-beta' } });
    // The tenants' namespaces name their queue, for the admission policy.
    const namespaces = ofKind(docs, 'Namespace').filter((n) => n.metadata.name.startsWith('team-'));
    expect(namespaces.map((n) => n.metadata.labels[BATCH_QUEUE_LABEL])).toEqual(['team-alpha', 'team-beta']);
  });

  test("turns on the operator's batch scheduler, and leaves its webhook (which sets the pods' scheduler) on", () => {
    const v = helmValues(docsOf(platform().app), 'spark-operator');
    expect(v.controller.batchScheduler).toEqual({ enable: true });
    expect(v.webhook.enable).toBe(true);
  });

  test('trims the chart for a laptop k3d: one replica each, requests and limits, no metrics stack, images pulled once', () => {
    const v = helmValues(docsOf(platform().app), 'volcano');
    expect(v.basic).toEqual({ image_pull_policy: 'IfNotPresent' });
    expect(v.custom).toMatchObject({ admission_replicas: 1, controller_replicas: 1, scheduler_replicas: 1, metrics_enable: false, go_memlimit_enable: true });
    for (const component of ['admission', 'controller', 'scheduler']) {
      expect(v.custom[`${component}_resources`]).toEqual({ requests: expect.any(Object), limits: expect.any(Object) });
    }
  });

  test('Volcano runs at Pod Security restricted: its namespace enforces it, and the containers it configures meet it', () => {
    const docs = docsOf(platform().app);
    const ns = docs.find((d) => d.kind === 'Namespace' && d.metadata.name === 'volcano-system');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' });
    const custom = helmValues(docs, 'volcano').custom;
    // The chart's pod security context (default_sc: RuntimeDefault seccomp; its SELinux level is no Pod Security control) with the container context the add-on sets.
    const pod = {
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'scheduler', securityContext: custom.default_csc }],
    };
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, pod)).toEqual([]);
    // The chart's own default (DAC_OVERRIDE added) would not.
    const chartDefault = { ...pod, containers: [{ name: 'scheduler', securityContext: { ...custom.default_csc, capabilities: { add: ['DAC_OVERRIDE'], drop: ['ALL'] } } }] };
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, chartDefault)).not.toEqual([]);
  });

  test('NetworkPolicies: nothing in or out but DNS, the API server and the API server calling the webhook on 8443', () => {
    const policies = ofKind(docsOf(platform().app), 'NetworkPolicy').filter((p) => p.metadata.namespace === 'volcano-system');
    expect(policies.map((p) => p.metadata.name)).toEqual(['volcano-default-deny', 'volcano-allow-dns-apiserver', 'volcano-allow-webhook']);
    expect(policies[0].spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policies[2].spec).toEqual({ podSelector: { matchLabels: { app: 'volcano-admission' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 8443 }] }] });
    expect(policies[1].spec.policyTypes).toEqual(['Egress']);
    expect(policies[1].spec.egress.flatMap((e: any) => e.ports.map((p: any) => p.port))).toEqual([53, 53, 443, 6443]);
  });

  test("only the tenants given get a queue; the others' jobs stay with the default scheduler", () => {
    const { app, chart } = appWithChart();
    const tenants = [new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' }), new TenantNamespace(chart, 'Beta', { name: 'team-beta' })];
    const operator = new SparkOperatorRelease(chart, 'Operator', { tenants });
    new VolcanoScheduling(new Chart(app, 'volcano'), 'Volcano', { operator, tenants: [tenants[0]] });
    new SparkPiJob(chart, 'Pi', { tenant: tenants[1], language: SparkPiLanguage.SCALA, name: 'spark-pi' });
    expect(problemsOf(app)).toEqual([]);
    const docs = docsOf(app);
    expect(ofKind(docs, 'Queue').map((q) => q.metadata.name)).toEqual(['team-alpha']);
    expect(ofKind(docs, 'SparkApplication')[0].spec.batchScheduler).toBeUndefined();
    expect(tenants[1].namespace.metadata.getLabel(BATCH_QUEUE_LABEL)).toBeUndefined();
  });

  describe('bad input fails synth naming the value and the fix', () => {
    test.each<[string, Partial<VolcanoSchedulingProps>, RegExp]>([
      ['a reserved namespace', { namespace: 'kube-system' }, /namespace "kube-system" is a namespace of Kubernetes itself: .*for example "volcano-system"/],
      ["the operator's namespace", { namespace: 'spark-operator' }, /namespace "spark-operator" is the namespace of the operator or of a tenant/],
      ['no tenants', { tenants: [] }, /tenants is empty/],
      ['no API server endpoint', { apiServer: [] }, /apiServer is empty/],
      ['a values key the chart does not have', { values: { custom: { scheduler_replica: 2 } } }, /values\.custom\.scheduler_replica is not a field of the values\.yaml of chart volcano/],
      ['a values value of the wrong type', { values: { custom: { admission_replicas: 'two' } } }, /values\.custom\.admission_replicas/],
      ['a release name Helm refuses', { releaseName: 'Volcano_1' }, /releaseName "Volcano_1" is not a valid Helm release name/],
    ])('%s', (_, props, message) => {
      expect(problemsOf(platform(props).app).join('\n')).toMatch(message);
    });

    test('a tenant the operator does not watch', () => {
      const { app, chart, operator } = platform();
      const sandbox = new TenantNamespace(chart, 'Sandbox', { name: 'sandbox' });
      new VolcanoScheduling(new Chart(app, 'volcano2'), 'Volcano', { operator, tenants: [sandbox], namespace: 'volcano-two' });
      expect(problemsOf(app).join('\n')).toMatch(/tenant sandbox is not watched by the operator at test\/Operator, so its jobs never reach Volcano: add it to the operator's tenants/);
    });

    test("a tenant whose queue would be Volcano's own root queue", () => {
      const { app, chart } = appWithChart();
      const root = new TenantNamespace(chart, 'Root', { name: 'root' });
      const operator = new SparkOperatorRelease(chart, 'Operator', { tenants: [root] });
      new VolcanoScheduling(new Chart(app, 'volcano'), 'Volcano', { operator });
      expect(problemsOf(app).join('\n')).toMatch(/tenant root would get the queue "root", which Volcano's scheduler makes/);
    });

    test("the operator's batch scheduler or webhook turned off by raw values", () => {
      const off = platform({}, { controller: { batchScheduler: { enable: false } } });
      expect(problemsOf(off.app).join('\n')).toMatch(/operator values controller\.batchScheduler\.enable is false, but the Volcano add-on needs it/);
      const noWebhook = platform({}, { webhook: { enable: false } });
      expect(problemsOf(noWebhook.app).join('\n')).toMatch(/operator values webhook\.enable is false, but only the operator's webhook sets the pods' schedulerName to volcano/);
    });

    test("a job naming another tenant's queue, or another scheduler", () => {
      const { app, chart, tenants } = platform();
      new SparkJob(chart, 'Sneaky', {
        tenant: tenants[0],
        name: 'sneaky',
        spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA }), batchSchedulerOptions: { queue: 'team-beta' } },
      });
      new SparkJob(chart, 'Yunikorn', {
        tenant: tenants[0],
        name: 'yunikorn',
        spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA }), batchScheduler: 'yunikorn' },
      });
      const problems = problemsOf(app).join('\n');
      expect(problems).toMatch(/\[test\/Sneaky\] batchSchedulerOptions\.queue "team-beta" is not team-alpha's queue: .*leave it unset or set "team-alpha"/);
      expect(problems).toMatch(/\[test\/Yunikorn\] batchScheduler "yunikorn" is not the platform's scheduler: use volcano or leave it unset/);
    });

    test('a job of a tenant without a queue that asks for Volcano', () => {
      const { app, chart } = appWithChart();
      const ts = [new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' }), new TenantNamespace(chart, 'Beta', { name: 'team-beta' })];
      const operator = new SparkOperatorRelease(chart, 'Operator', { tenants: ts });
      new VolcanoScheduling(new Chart(app, 'volcano'), 'Volcano', { operator, tenants: [ts[0]] });
      new SparkJob(chart, 'Beta-Job', { tenant: ts[1], name: 'beta-job', spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA }), batchScheduler: 'volcano' } });
      expect(problemsOf(app).join('\n')).toMatch(/job test\/Beta-Job in team-beta sets batchScheduler "volcano", but only the add-on's tenants have a queue.*add the tenant to the add-on's tenants/);
    });

    test('a job asking for Volcano when no add-on turned on the operator\'s batch scheduler', () => {
      const { app, chart } = appWithChart();
      const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
      new SparkOperatorRelease(chart, 'Operator', { tenants: [tenant] });
      new SparkJob(chart, 'Job', { tenant, name: 'job', spec: { ...sparkPiSpec({ language: SparkPiLanguage.SCALA }), batchScheduler: 'volcano', type: sparkoperator.SparkApplicationSpecType.SCALA } });
      expect(problemsOf(app).join('\n')).toMatch(/\[test\/Job\] batchScheduler "volcano" is set, but the operator at test\/Operator has its batch scheduler off \(controller\.batchScheduler\.enable\).*enable the scheduling add-on \(VolcanoScheduling\) for team-alpha/);
    });
  });
});
