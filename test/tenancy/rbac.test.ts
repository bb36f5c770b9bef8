import { distDocs } from '../support/dist-docs';
import { AccessRequest, RbacAuthorizer, ServiceAccountRef } from '../support/rbac';

// The seed platform's RBAC, evaluated as the API server's RBAC authorizer would: what each team's
// service account may do, and where.
const docs = distDocs();
const rbac = new RbacAuthorizer(docs);
const TEAMS = ['team-alpha', 'team-beta'];
const account = (team: string): ServiceAccountRef => ({ namespace: team, name: `${team}-sa` });
const can = (team: string, verb: string, resource: string, namespace: string | undefined, apiGroup = '') =>
  rbac.can(account(team), { verb, apiGroup, resource, namespace });

/** What a Spark driver does in its namespace: executor pods, its headless service, spark-conf configmaps, PVCs. */
const DRIVER_NEEDS: [string, string[]][] = [
  ['pods', ['create', 'get', 'list', 'watch', 'delete']],
  ['services', ['create', 'get', 'list', 'watch', 'delete']],
  ['configmaps', ['create', 'get', 'list', 'watch', 'delete']],
  ['persistentvolumeclaims', ['create', 'get', 'list', 'watch', 'delete']],
  ['pods/log', ['get']],
  ['pods/exec', ['create']],
];
const driverRequests = (namespace: string | undefined) =>
  DRIVER_NEEDS.flatMap(([resource, verbs]) => verbs.map((verb): AccessRequest => ({ verb, apiGroup: '', resource, namespace })));

describe('the RBAC evaluator', () => {
  // The denials below mean something only if the evaluator grants what RBAC grants.
  const sa = { namespace: 'team-x', name: 'runner' };
  const authorizer = new RbacAuthorizer([
    { kind: 'ClusterRole', metadata: { name: 'node-reader' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
    { kind: 'ClusterRoleBinding', metadata: { name: 'b1' }, roleRef: { kind: 'ClusterRole', name: 'node-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'team-x' }] },
    { kind: 'ClusterRole', metadata: { name: 'all-secrets' }, rules: [{ apiGroups: ['*'], resources: ['secrets', '*/log'], verbs: ['*'] }] },
    { kind: 'RoleBinding', metadata: { name: 'b2', namespace: 'team-y' }, roleRef: { kind: 'ClusterRole', name: 'all-secrets' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:team-x' }] },
    { kind: 'Role', metadata: { name: 'one-cm', namespace: 'team-x' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['conf'] }] },
    { kind: 'RoleBinding', metadata: { name: 'b3', namespace: 'team-x' }, roleRef: { kind: 'Role', name: 'one-cm' }, subjects: [{ kind: 'User', name: 'system:serviceaccount:team-x:runner' }] },
  ]);

  test('a ClusterRoleBinding grants cluster-wide, in every namespace', () => {
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'nodes' })).toBe(true);
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'nodes', namespace: 'anything' })).toBe(true);
    expect(authorizer.can(sa, { verb: 'list', apiGroup: '', resource: 'nodes' })).toBe(false);
  });

  test('a RoleBinding to a ClusterRole grants in its namespace only; groups and wildcards match', () => {
    expect(authorizer.can(sa, { verb: 'delete', apiGroup: '', resource: 'secrets', namespace: 'team-y' })).toBe(true);
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'pods/log', namespace: 'team-y' })).toBe(true);
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'team-z' })).toBe(false);
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'secrets' })).toBe(false);
    expect(authorizer.can({ namespace: 'team-w', name: 'runner' }, { verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'team-y' })).toBe(false);
  });

  test('resourceNames limit a rule to the named objects, and a resource does not grant its subresources', () => {
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'configmaps', namespace: 'team-x', name: 'conf' })).toBe(true);
    expect(authorizer.can(sa, { verb: 'get', apiGroup: '', resource: 'configmaps', namespace: 'team-x', name: 'other' })).toBe(false);
    const pods = new RbacAuthorizer([
      { kind: 'Role', metadata: { name: 'r', namespace: 'team-x' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { kind: 'RoleBinding', metadata: { name: 'b', namespace: 'team-x' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'team-x' }] },
    ]);
    expect(pods.can(sa, { verb: 'get', apiGroup: '', resource: 'pods', namespace: 'team-x' })).toBe(true);
    expect(pods.can(sa, { verb: 'get', apiGroup: '', resource: 'pods/log', namespace: 'team-x' })).toBe(false);
  });
});

describe.each(TEAMS)('the RBAC of dist/ for %s', (team) => {
  const other = TEAMS.find((t) => t !== team)!;

  test("the service account can do what a Spark driver needs in the team's own namespace", () => {
    const denied = driverRequests(team).filter((r) => !rbac.can(account(team), r));
    expect(denied).toEqual([]);
  });

  test('the team can run its SparkApplications and read why a job is stuck', () => {
    for (const verb of ['create', 'get', 'list', 'watch', 'delete']) {
      expect(can(team, verb, 'sparkapplications', team, 'sparkoperator.k8s.io')).toBe(true);
    }
    for (const resource of ['events', 'resourcequotas', 'limitranges']) {
      expect(can(team, 'list', resource, team)).toBe(true);
    }
  });

  test.each([other, 'default', 'kube-system', 'spark-operator'])('the service account can do none of it in namespace %s', (namespace) => {
    const allowed = [
      ...driverRequests(namespace),
      { verb: 'create', apiGroup: 'sparkoperator.k8s.io', resource: 'sparkapplications', namespace },
      { verb: 'get', apiGroup: '', resource: 'secrets', namespace },
    ].filter((r) => rbac.can(account(team), r));
    expect(allowed).toEqual([]);
  });

  test('the service account can do nothing cluster-wide: no cluster-scoped resource, no request across namespaces', () => {
    const clusterScoped: [string, string][] = [
      ['', 'nodes'], ['', 'namespaces'], ['', 'persistentvolumes'],
      ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      ['apiextensions.k8s.io', 'customresourcedefinitions'], ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
      ['networking.k8s.io', 'networkpolicies'], ['', 'pods'],
    ];
    const allowed = clusterScoped.flatMap(([apiGroup, resource]) => ['get', 'list', 'watch', 'create', 'update', 'delete']
      .map((verb): AccessRequest => ({ verb, apiGroup, resource }))).filter((r) => rbac.can(account(team), r));
    expect(allowed).toEqual([]);
  });

  test('secrets and the means to grant itself more are denied even in its own namespace', () => {
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'delete']) {
      expect(can(team, verb, 'secrets', team)).toBe(false);
    }
    // Roles and bindings would let the account widen its own grant; tokens would let it act as others.
    expect(can(team, 'create', 'roles', team, 'rbac.authorization.k8s.io')).toBe(false);
    expect(can(team, 'create', 'rolebindings', team, 'rbac.authorization.k8s.io')).toBe(false);
    expect(can(team, 'create', 'serviceaccounts/token', team)).toBe(false);
    expect(can(team, 'create', 'serviceaccounts', team)).toBe(false);
    // NetworkPolicies, the quota and the LimitRange are the platform's, not the team's.
    for (const [apiGroup, resource] of [['networking.k8s.io', 'networkpolicies'], ['', 'resourcequotas'], ['', 'limitranges']]) {
      expect(can(team, 'delete', resource, team, apiGroup)).toBe(false);
      expect(can(team, 'update', resource, team, apiGroup)).toBe(false);
    }
    // Namespace labels carry the pod security level; the account cannot change them.
    expect(can(team, 'patch', 'namespaces', undefined)).toBe(false);
  });
});

test('dist/ binds no role to all service accounts or all authenticated users', () => {
  const broad = docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')
    .flatMap((b) => (b.subjects ?? []).filter((s: any) => s.kind === 'Group').map((s: any) => `${b.kind} ${b.metadata.name}: ${s.name}`));
  expect(broad).toEqual([]);
});
