import { Testing } from 'cdk8s';
import { DEFAULT_TENANT_QUOTA, Quantity, TENANT_LABEL, TenantNamespace } from '../lib';
import { schemaErrors } from './support/schemas';
import { appWithChart, ofKind, problemsOf } from './support/synth';

describe('TenantNamespace', () => {
  test('defaults', () => {
    // GIVEN
    const { chart } = appWithChart();
    // WHEN
    new TenantNamespace(chart, 'TeamAlpha', { name: 'team-alpha' });
    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test("defaults reproduce the seed's namespace, service account and quota", () => {
    const { chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'TeamAlpha', { name: 'team-alpha' });
    const docs = Testing.synth(chart);

    expect(ofKind(docs, 'Namespace').map((d) => d.metadata.name)).toEqual(['team-alpha']);
    const [sa] = ofKind(docs, 'ServiceAccount');
    expect(sa.metadata).toMatchObject({ name: 'team-alpha-sa', namespace: 'team-alpha' });
    expect(sa.automountServiceAccountToken).toBe(true);
    const [quota] = ofKind(docs, 'ResourceQuota');
    expect(quota.metadata.namespace).toBe('team-alpha');
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi', 'pods': 10 });
    expect(tenant.namespaceName).toBe('team-alpha');
    expect(tenant.serviceAccountName).toBe('team-alpha-sa');
    expect(tenant.quota.requestsMemory.equals(Quantity.parse('8Gi', 'x'))).toBe(true);
    expect(tenant.quota.pods).toBe(DEFAULT_TENANT_QUOTA.pods);
    for (const doc of docs) {
      expect(doc.metadata.labels[TENANT_LABEL]).toBe('team-alpha');
      expect(schemaErrors(doc)).toEqual([]);
    }
  });

  test('each quota field and the service account name can be overridden', () => {
    const { chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Big', {
      name: 'team-big',
      serviceAccountName: 'spark-runner',
      quota: { requestsCpu: '6', limitsMemory: '64Gi', pods: 40 },
    });
    const [quota] = ofKind(Testing.synth(chart), 'ResourceQuota');
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '6', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '64Gi', 'pods': 40 });
    expect(tenant.serviceAccountName).toBe('spark-runner');
    expect(tenant.quota.requestsCpu.toCpuString()).toBe('6');
  });

  test('RBAC is namespaced, bound to the tenant account, and grants no wildcard', () => {
    const { chart } = appWithChart();
    new TenantNamespace(chart, 'TeamAlpha', { name: 'team-alpha' });
    const docs = Testing.synth(chart);
    expect(ofKind(docs, 'ClusterRole')).toEqual([]);
    expect(ofKind(docs, 'ClusterRoleBinding')).toEqual([]);
    const [role] = ofKind(docs, 'Role');
    const [binding] = ofKind(docs, 'RoleBinding');
    expect(role.metadata.namespace).toBe('team-alpha');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'team-alpha-sa', namespace: 'team-alpha' }]);
    for (const rule of role.rules) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      expect(rule.apiGroups).not.toContain('*');
    }
    const allows = (group: string, resource: string, verb: string) =>
      role.rules.some((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    // The seed's list: SparkApplications; pods, services, configmaps; logs; exec; PVCs.
    expect(allows('sparkoperator.k8s.io', 'sparkapplications', 'create')).toBe(true);
    expect(allows('sparkoperator.k8s.io', 'sparkapplications', 'delete')).toBe(true);
    for (const resource of ['pods', 'services', 'configmaps', 'persistentvolumeclaims']) {
      expect(allows('', resource, 'create')).toBe(true);
      expect(allows('', resource, 'delete')).toBe(true);
      expect(allows('', resource, 'watch')).toBe(true);
    }
    expect(allows('', 'pods/log', 'get')).toBe(true);
    expect(allows('', 'pods/exec', 'create')).toBe(true);
    // Nothing the team does not need.
    expect(allows('', 'secrets', 'get')).toBe(false);
    expect(allows('', 'resourcequotas', 'update')).toBe(false);
    expect(allows('rbac.authorization.k8s.io', 'roles', 'create')).toBe(false);
  });

  test('an invalid namespace name fails synth with the construct path and a fix', () => {
    const { app, chart } = appWithChart();
    new TenantNamespace(chart, 'Bad', { name: 'Team_Alpha' });
    const problems = problemsOf(app);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\/Bad\] name "Team_Alpha" is not a valid RFC 1123 label: .* did you mean "team-alpha"\?$/);
  });

  test('a namespace name over 63 characters is rejected', () => {
    const { app, chart } = appWithChart();
    new TenantNamespace(chart, 'Long', { name: 'a'.repeat(64) });
    expect(problemsOf(app)[0]).toMatch(/name "a{64}" is not a valid RFC 1123 label/);
  });

  test('an invalid service account name is rejected', () => {
    const { app, chart } = appWithChart();
    new TenantNamespace(chart, 'T', { name: 'team-a', serviceAccountName: 'Spark SA' });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/T\] serviceAccountName "Spark SA" is not a valid RFC 1123 subdomain/)]);
  });

  test('malformed quantities are all reported together, each naming its prop', () => {
    const { app, chart } = appWithChart();
    new TenantNamespace(chart, 'T', { name: 'team-a', quota: { requestsMemory: '8GB', limitsCpu: 'eight', pods: 2.5 } });
    const problems = problemsOf(app);
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[test\/T\] quota\.requestsMemory "8GB" is not a Kubernetes quantity.*did you mean "8Gi"\?/),
      expect.stringMatching(/^\[test\/T\] quota\.limitsCpu "eight" is not a Kubernetes quantity/),
      expect.stringMatching(/^\[test\/T\] quota\.pods 2\.5 is not a whole number of pods/),
    ]));
  });

  test('a quota whose requests exceed its limits is rejected', () => {
    const { app, chart } = appWithChart();
    new TenantNamespace(chart, 'T', { name: 'team-a', quota: { requestsCpu: '10', limitsCpu: '8', requestsMemory: '32Gi' } });
    const problems = problemsOf(app);
    expect(problems).toEqual([
      expect.stringMatching(/quota\.requestsCpu 10 is more than quota\.limitsCpu 8: .*raise limitsCpu/),
      expect.stringMatching(/quota\.requestsMemory 32Gi is more than quota\.limitsMemory 16Gi/),
    ]);
  });

  test('problems of several tenants are reported together', () => {
    const { app, chart } = appWithChart();
    new TenantNamespace(chart, 'One', { name: 'One' });
    new TenantNamespace(chart, 'Two', { name: 'team-two', quota: { limitsMemory: 'x' } });
    const problems = problemsOf(app);
    expect(problems).toEqual([expect.stringMatching(/^\[test\/One\]/), expect.stringMatching(/^\[test\/Two\]/)]);
  });
});
