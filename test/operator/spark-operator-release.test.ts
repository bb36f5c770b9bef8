import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { SparkOperatorRelease, SparkOperatorValues, TenantNamespace } from '../../lib';
import { CHART_VALUES_SHAPE, isChartValuePath, unknownValuePaths } from '../../lib/operator/spark-operator-values';
import { schemaErrors } from '../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../support/synth';
import { readUpstreamYaml, testWithUpstream } from '../support/upstream';

const chartValues = readUpstreamYaml('spark-operator-2.3.0', 'values.yaml');

/** Key paths of a values tree; a path ends where the value is a scalar, a list or an empty map. */
function keyPaths(values: unknown, prefix = ''): string[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.keys(values).length === 0) {
    return prefix ? [prefix] : [];
  }
  return Object.entries(values).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** Whether upstream values.yaml defines the path, or the path lies under a key whose default is an empty map (a pass-through). */
function chartDefines(path: string): boolean {
  let node: any = chartValues;
  for (const key of path.split('.')) {
    if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.keys(node).length === 0) {
      return true;
    }
    if (typeof node !== 'object' || node === null || !(key in node)) {
      return false;
    }
    node = node[key];
  }
  return true;
}

function seed() {
  const { app, chart } = appWithChart();
  const tenants = [
    new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' }),
    new TenantNamespace(chart, 'Beta', { name: 'team-beta' }),
  ];
  return { app, chart, tenants };
}

function valuesOf(docs: any[]): any {
  const [helmChart] = ofKind(docs, 'HelmChart');
  return parse(helmChart.spec.valuesContent);
}

describe('SparkOperatorRelease', () => {
  test('defaults', () => {
    const { chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants });
    expect(ofKind(Testing.synth(chart), 'HelmChart')).toMatchSnapshot();
  });

  test('is a k3s HelmChart for chart 2.3.0 released into spark-operator, valid against the upstream CRD', () => {
    const { chart, tenants } = seed();
    const operator = new SparkOperatorRelease(chart, 'Operator', { tenants });
    const docs = Testing.synth(chart);
    const [helmChart] = ofKind(docs, 'HelmChart');
    expect(helmChart.apiVersion).toBe('helm.cattle.io/v1');
    expect(helmChart.metadata).toEqual({ name: 'spark-operator', namespace: 'kube-system' });
    expect(helmChart.spec).toMatchObject({
      chart: 'spark-operator',
      repo: 'https://kubeflow.github.io/spark-operator',
      version: '2.3.0',
      targetNamespace: 'spark-operator',
    });
    expect(ofKind(docs, 'Namespace').map((n) => n.metadata.name)).toContain('spark-operator');
    expect(operator.namespaceName).toBe('spark-operator');
    for (const doc of docs) {
      expect(schemaErrors(doc)).toEqual([]);
    }
  });

  test("carries the seed's configuration: watched namespaces, webhook, metrics on 8080, leader election, controller resources", () => {
    const { chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants });
    const values = valuesOf(Testing.synth(chart));
    expect(values.spark.jobNamespaces).toEqual(['team-alpha', 'team-beta']);
    expect(values.webhook.enable).toBe(true);
    expect(values.prometheus.metrics).toEqual({ enable: true, port: 8080 });
    expect(values.controller.leaderElection.enable).toBe(true);
    expect(values.controller.resources.requests).toEqual({ cpu: '100m', memory: '300Mi' });
    expect(values.controller.resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
    // Tenants bring their own service accounts and roles, so the chart's per-namespace ones are off.
    expect(values.spark.serviceAccount.create).toBe(false);
    expect(values.spark.rbac.create).toBe(false);
  });

  test('a third tenant is watched with no other edit', () => {
    const { chart, tenants } = seed();
    const gamma = new TenantNamespace(chart, 'Gamma', { name: 'team-gamma' });
    const operator = new SparkOperatorRelease(chart, 'Operator', { tenants: [...tenants, gamma] });
    expect(valuesOf(Testing.synth(chart)).spark.jobNamespaces).toEqual(['team-alpha', 'team-beta', 'team-gamma']);
    expect(operator.watchedNamespaces).toEqual(['team-alpha', 'team-beta', 'team-gamma']);
    expect(operator.watches(gamma)).toBe(true);
  });

  test('typed values override the defaults and are merged deeply', () => {
    const { chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', {
      tenants,
      values: { controller: { workers: 20, resources: { limits: { memory: '2Gi' } } }, webhook: { timeoutSeconds: 30 } },
    });
    const docs = Testing.synth(chart);
    const values = valuesOf(docs);
    expect(ofKind(docs, 'HelmChart')[0].spec.version).toBe('2.3.0');
    expect(values.controller.workers).toBe(20);
    expect(values.controller.resources.limits).toEqual({ cpu: '1', memory: '2Gi' });
    expect(values.controller.leaderElection.enable).toBe(true);
    expect(values.webhook).toMatchObject({ enable: true, replicas: 2, timeoutSeconds: 30 });
  });

  testWithUpstream('every key path we emit is one chart 2.3.0 defines', () => {
    const { chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', {
      tenants,
      values: { controller: { nodeSelector: { disk: 'ssd' }, uiIngress: { enable: true, urlFormat: '{{$appName}}.spark.local' } } },
      rawValues: { webhook: { resourceQuotaEnforcement: { enable: true } } },
    });
    const emitted = keyPaths(valuesOf(Testing.synth(chart)));
    expect(emitted.length).toBeGreaterThan(10);
    expect(emitted.filter((p) => !chartDefines(p))).toEqual([]);
  });

  testWithUpstream("the value shape the synth checks against is exactly the chart's values.yaml", () => {
    const upstream = keyPaths(chartValues);
    // Every upstream key is known to the shape ...
    expect(upstream.filter((p) => !isChartValuePath(p))).toEqual([]);
    // ... and every key of the shape exists upstream.
    const shapePaths = (shape: any, prefix = ''): string[] => typeof shape === 'string'
      ? [prefix]
      : Object.entries(shape).flatMap(([k, v]) => shapePaths(v, prefix ? `${prefix}.${k}` : k));
    expect(shapePaths(CHART_VALUES_SHAPE).filter((p) => !chartDefines(p))).toEqual([]);
  });

  testWithUpstream('the 1.x keys of the seed are not chart 2.3.0 values', () => {
    expect(unknownValuePaths({ sparkJobNamespaces: ['team-alpha'], webhook: { namespaceSelector: 'x=y', enable: true }, metrics: { enable: true } })).toEqual([
      expect.stringMatching(/^sparkJobNamespaces \(a 1\.x key that chart 2\.x ignores/),
      expect.stringMatching(/^webhook\.namespaceSelector \(a 1\.x key/),
      expect.stringMatching(/^metrics \(a 1\.x key; in chart 2\.x metrics are prometheus\.metrics\.\*\)/),
    ]);
    expect(chartDefines('sparkJobNamespaces')).toBe(false);
    expect(chartDefines('webhook.namespaceSelector')).toBe(false);
  });

  test('raw values with keys the chart does not define fail synth, naming each key', () => {
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', {
      tenants,
      rawValues: { sparkJobNamespaces: ['team-alpha'], controller: { replica: 2, resources: { limits: { cpu: '2' } } }, spark: { jobNamespaces: ['x'] } },
    });
    const problems = problemsOf(app);
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[test\/Operator\] rawValues key sparkJobNamespaces \(a 1\.x key that chart 2\.x ignores.*\) is not a value of chart spark-operator 2\.3\.0/),
      expect.stringMatching(/^\[test\/Operator\] rawValues key controller\.replica \(did you mean controller\.replicas\?\) is not a value/),
      expect.stringMatching(/^\[test\/Operator\] rawValues key spark\.jobNamespaces is derived from the tenants/),
    ]));
  });

  test('raw values for a pass-through key are accepted when Kubernetes would accept them', () => {
    const { app, chart, tenants } = seed();
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } };
    new SparkOperatorRelease(chart, 'Operator', { tenants, rawValues: { controller: { affinity: { nodeAffinity } } } });
    expect(problemsOf(app)).toEqual([]);
  });

  test('values are checked for type as well as key: pass-through Kubernetes fields, quantities, enums, scalars', () => {
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', {
      tenants,
      rawValues: {
        controller: { workers: 'ten', affinity: { nodeAffinity: { anything: 1 } }, resources: { limits: { memory: '2GB' } } },
        webhook: { enable: 'yes', failurePolicy: 'Never', timeoutSeconds: 45 },
      },
    });
    expect(problemsOf(app)).toEqual([
      '[test/Operator] values.controller.workers "ten" must be an integer (the values.yaml of chart spark-operator (upstream/spark-operator-2.3.0/values.yaml)): use a whole number',
      expect.stringMatching(/^\[test\/Operator\] values\.controller\.affinity\.nodeAffinity\.anything is not a field of /),
      expect.stringMatching(/^\[test\/Operator\] values\.controller\.resources\.limits\.memory "2GB" is not a Kubernetes quantity/),
      expect.stringMatching(/^\[test\/Operator\] values\.webhook\.enable "yes" must be a boolean/),
      expect.stringMatching(/^\[test\/Operator\] values\.webhook\.failurePolicy "Never" is not one of "Ignore", "Fail"/),
      expect.stringMatching(/^\[test\/Operator\] values\.webhook\.timeoutSeconds 45 is above the maximum 30/),
    ]);
  });

  test('the webhook runs two replicas spread over nodes with a PodDisruptionBudget, so one replica down admits nothing wrong and blocks nothing', () => {
    const { chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants });
    const values = valuesOf(Testing.synth(chart));
    expect(values.webhook.replicas).toBe(2);
    // The chart's PDB template fails to render with fewer than 2 replicas.
    expect(values.webhook.podDisruptionBudget).toEqual({ enable: true, minAvailable: 1 });
    expect(values.webhook.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(values.webhook.failurePolicy).toBeUndefined();
  });

  test('the operator namespace is restricted and isolated: only the API server and DNS out, the webhook port and probes in', () => {
    const { chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants });
    const docs = Testing.synth(chart);
    const namespace = ofKind(docs, 'Namespace').find((n) => n.metadata.name === 'spark-operator');
    expect(namespace.metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.31',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.31',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.31',
    });
    const policies = ofKind(docs, 'NetworkPolicy').filter((p) => p.metadata.namespace === 'spark-operator');
    expect(policies.map((p) => p.metadata.name)).toEqual(['spark-operator-default-deny', 'spark-operator-allow-apiserver', 'spark-operator-allow-webhook', 'spark-operator-allow-probes']);
    const egress = policies.flatMap((p) => p.spec.egress ?? []);
    expect(egress.flatMap((e: any) => e.to.map((t: any) => t.ipBlock?.cidr ?? 'kube-dns'))).toEqual(['10.43.0.1/32', '172.28.0.0/16', 'kube-dns']);
    const ingressPorts = policies.flatMap((p) => (p.spec.ingress ?? []).flatMap((i: any) => i.ports.map((port: any) => port.port)));
    expect(ingressPorts).toEqual([9443, 8081]);
  });

  test('release name, namespaces and chart version are checked', () => {
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants, releaseName: 'Spark_Operator', namespace: 'kube-system', helmChartNamespace: 'Kube', version: 'latest' });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Operator\] namespace "kube-system" is a namespace of Kubernetes itself/),
      // The chart release the operator is installed by checks its own coordinates.
      expect.stringMatching(/^\[test\/Operator\/Resource\] releaseName "Spark_Operator" is not a valid Helm release name: .*for example "spark-operator"$/),
      expect.stringMatching(/^\[test\/Operator\/Resource\] version "latest" is not a chart version: pin the chart's semantic version/),
      expect.stringMatching(/^\[test\/Operator\/Resource\] helmChartNamespace "Kube" is not a valid RFC 1123 label/),
    ]);
    const { app: long, chart: c2, tenants: t2 } = seed();
    new SparkOperatorRelease(c2, 'Operator', { tenants: t2, releaseName: 'a'.repeat(54) });
    expect(problemsOf(long)).toEqual([expect.stringMatching(/releaseName "a{54}" is not a valid Helm release name: use at most 53/)]);
  });

  test('another chart version than the one whose values are checked fails synth, naming the pinned one', () => {
    // GIVEN a version whose values.yaml is not the pinned 2.3.0 one
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants, version: '2.3.1' });
    // THEN synth names the version and the one to use
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Operator\/Resource\] version "2\.3\.1" is not the version of chart spark-operator whose values the platform checks and sets \(2\.3\.0\).*: use version "2\.3\.0"$/),
    ]);
  });

  test.each([
    ['a controller with no replica', { controller: { replicas: 0 } }, /^\[test\/Operator\/Resource\] values\.controller\.replicas 0 leaves the component with no pod.*: use 1 or more/],
    ['a disruption budget for one webhook replica', { webhook: { replicas: 1 } }, /^\[test\/Operator\] values webhook\.replicas 1 with webhook\.podDisruptionBudget\.enable true is refused by the chart .*: set webhook\.replicas to 2 or more/],
    ['a request above its limit', { controller: { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } } }, /^\[test\/Operator\/Resource\] values\.controller\.resources\.requests\.cpu 2 is above values\.controller\.resources\.limits\.cpu 1.*: raise the limit to at least "2"/],
  ])('values the chart refuses or that leave it without a working pod fail synth: %s', (_, values, message) => {
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'Operator', { tenants, values: values as any });
    expect(problemsOf(app)).toEqual([expect.stringMatching(message)]);
  });

  test('a tenant in the operator namespace, and two operators for one tenant, fail synth', () => {
    const { app, chart, tenants } = seed();
    const inside = new TenantNamespace(chart, 'Inside', { name: 'spark-operator' });
    new SparkOperatorRelease(chart, 'One', { tenants: [tenants[0], inside] });
    new SparkOperatorRelease(chart, 'Two', { tenants: [tenants[0], tenants[1]], releaseName: 'other', namespace: 'other' });
    const problems = problemsOf(app);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[test\/One\] namespace team-alpha is also watched by the operator at test\/Two: two operators would both submit its applications/),
      expect.stringMatching(/^\[test\/One\] tenant spark-operator is the operator's own namespace/),
      expect.stringMatching(/^\[test\/Two\] namespace team-alpha is also watched by the operator at test\/One/),
    ]));
    // The tenant's Namespace and the operator's are one object defined twice, by that one cause: not reported again.
    expect(problems.filter((p) => p.includes('is used by another Namespace'))).toEqual([]);
    // Each operator's admission policy has its own name.
    expect(problems.filter((p) => p.includes('ValidatingAdmissionPolicy'))).toEqual([]);
  });

  test('two operators in one namespace fail synth', () => {
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'One', { tenants: [tenants[0]] });
    new SparkOperatorRelease(chart, 'Two', { tenants: [tenants[1]], releaseName: 'other' });
    expect(problemsOf(app)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[test\/One\] namespace spark-operator is also the namespace of the operator at test\/Two: give each operator release its own namespace$/),
      expect.stringMatching(/^\[test\/Two\] namespace spark-operator is also the namespace of the operator at test\/One: give each operator release its own namespace$/),
    ]));
  });

  test('the releases of an app are its own: another app in the same process with the same operator and tenants is no second operator', () => {
    const first = seed();
    const second = seed();
    const one = new SparkOperatorRelease(first.chart, 'Operator', { tenants: first.tenants });
    const two = new SparkOperatorRelease(second.chart, 'Operator', { tenants: second.tenants });
    expect(SparkOperatorRelease.releasesOf(first.tenants[0])).toEqual([one]);
    expect(SparkOperatorRelease.releasesOf(second.app)).toEqual([two]);
    expect(problemsOf(first.app)).toEqual([]);
    expect(problemsOf(second.app)).toEqual([]);
    // Synthesizing again finds the same: nothing is kept between synths.
    expect(problemsOf(first.app)).toEqual([]);
  });

  test('an operator with no tenants, or a tenant twice, fails synth', () => {
    const { app, chart, tenants } = seed();
    new SparkOperatorRelease(chart, 'None', { tenants: [] });
    new SparkOperatorRelease(chart, 'Twice', { tenants: [tenants[0], tenants[0]], releaseName: 'other', namespace: 'other' });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/None\] tenants is empty/),
      expect.stringMatching(/^\[test\/Twice\] tenants lists namespace "team-alpha" more than once/),
    ]);
  });

  test('1.x keys cannot be written in the typed values, and fail synth when forced in', () => {
    // tsc (run by npm test) fails if any of these lines stops being a type error.
    const forced: SparkOperatorValues[] = [
      // @ts-expect-error sparkJobNamespaces is a 1.x key
      { sparkJobNamespaces: ['team-alpha'] },
      // @ts-expect-error webhook.namespaceSelector is a 1.x key
      { webhook: { namespaceSelector: 'spark=enabled' } },
      // @ts-expect-error spark.jobNamespaces is derived from the tenants
      { spark: { jobNamespaces: ['team-alpha'] } },
    ];
    const { app, chart } = appWithChart();
    forced.forEach((values, i) => new SparkOperatorRelease(chart, `Operator${i}`, {
      tenants: [new TenantNamespace(chart, `Tenant${i}`, { name: `team-${i}` })],
      values,
      releaseName: `op-${i}`,
      namespace: `op-${i}`,
    }));
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Operator0\] values key sparkJobNamespaces \(a 1\.x key/),
      expect.stringMatching(/^\[test\/Operator1\] values key webhook\.namespaceSelector \(a 1\.x key/),
      expect.stringMatching(/^\[test\/Operator2\] values key spark\.jobNamespaces is derived from the tenants/),
    ]);
  });
});
