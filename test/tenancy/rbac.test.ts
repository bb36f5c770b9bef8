import { distDocs } from '../support/dist-docs';
import { AccessRequest, RbacAuthorizer, ServiceAccountRef, UserRef } from '../support/rbac';

// The seed platform's RBAC, evaluated as the API server's RBAC authorizer would: what each team's
// driver account, executor account and people may do, and where.
const docs = distDocs();
const rbac = new RbacAuthorizer(docs);
const TEAMS = ['team-alpha', 'team-beta'];
const driverAccount = (team: string): ServiceAccountRef => ({ namespace: team, name: `${team}-sa` });
const executorAccount = (team: string): ServiceAccountRef => ({ namespace: team, name: `${team}-executor` });
const developer = (team: string): UserRef => ({ user: `someone@${team}`, groups: [`${team}-developers`, 'system:authenticated'] });
const request = (verb: string, resource: string, namespace: string | undefined, apiGroup = ''): AccessRequest => ({ verb, apiGroup, resource, namespace });

/** What a Spark driver calls in its namespace: executor pods, their configmaps and claims, the driver Service. */
const DRIVER_NEEDS: [string, string[]][] = [
  ['pods', ['create', 'get', 'list', 'watch', 'delete', 'deletecollection']],
  ['configmaps', ['create', 'get', 'list', 'watch', 'delete', 'deletecollection']],
  ['persistentvolumeclaims', ['create', 'get', 'list', 'watch', 'delete']],
  ['services', ['create', 'get', 'list', 'watch', 'delete']],
];
const driverRequests = (namespace: string | undefined) =>
  DRIVER_NEEDS.flatMap(([resource, verbs]) => verbs.map((verb) => request(verb, resource, namespace)));

/** What the team's people do by hand. */
const TEAM_NEEDS: AccessRequest[] = [
  ...['create', 'get', 'list', 'watch', 'update', 'delete'].map((verb) => request(verb, 'sparkapplications', undefined, 'sparkoperator.k8s.io')),
  ...['create', 'get', 'delete'].map((verb) => request(verb, 'scheduledsparkapplications', undefined, 'sparkoperator.k8s.io')),
  request('get', 'sparkapplications/status', undefined, 'sparkoperator.k8s.io'),
  request('get', 'pods/log', undefined),
  request('create', 'pods/exec', undefined),
  // Opening the team's History Server (or a driver's UI) with kubectl port-forward.
  request('create', 'pods/portforward', undefined),
  request('get', 'pods/portforward', undefined),
  ...['pods', 'events', 'resourcequotas', 'limitranges', 'services'].map((resource) => request('list', resource, undefined)),
];
const inNamespace = (requests: AccessRequest[], namespace: string) => requests.map((r) => ({ ...r, namespace }));

/** What nobody of a tenant may do, even in the tenant's own namespace. */
const NEVER: (namespace: string) => AccessRequest[] = (namespace) => [
  ...['get', 'list', 'watch', 'create', 'update', 'delete'].map((verb) => request(verb, 'secrets', namespace)),
  // Roles and bindings would widen a grant; tokens would act as another account.
  request('create', 'roles', namespace, 'rbac.authorization.k8s.io'),
  request('create', 'rolebindings', namespace, 'rbac.authorization.k8s.io'),
  request('create', 'serviceaccounts/token', namespace),
  request('create', 'serviceaccounts', namespace),
  // NetworkPolicies, the quota, the LimitRange and the admission policy are the platform's.
  ...[['networking.k8s.io', 'networkpolicies'], ['', 'resourcequotas'], ['', 'limitranges']].flatMap(([apiGroup, resource]) =>
    ['update', 'delete'].map((verb) => request(verb, resource, namespace, apiGroup))),
  request('delete', 'validatingadmissionpolicies', undefined, 'admissionregistration.k8s.io'),
  // Namespace labels carry the pod security level and the accounts the admission policy admits.
  request('patch', 'namespaces', undefined),
];

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

  test("the driver account can do what a Spark driver calls in the team's own namespace, and nothing more", () => {
    expect(driverRequests(team).filter((r) => !rbac.can(driverAccount(team), r))).toEqual([]);
    // The people's permissions, less the pods and services a driver reads for its own work.
    const beyond = inNamespace(TEAM_NEEDS, team).filter((r) => !DRIVER_NEEDS.some(([resource]) => resource === r.resource))
      .filter((r) => rbac.can(driverAccount(team), r));
    expect(beyond).toEqual([]);
  });

  test('the executor account can do nothing at all', () => {
    const everything = [...driverRequests(team), ...inNamespace(TEAM_NEEDS, team), ...driverRequests(undefined)];
    expect(everything.filter((r) => rbac.can(executorAccount(team), r))).toEqual([]);
  });

  test("the team's people can run their SparkApplications and read why a job is stuck, in their namespace", () => {
    expect(inNamespace(TEAM_NEEDS, team).filter((r) => !rbac.can(developer(team), r))).toEqual([]);
    // They create pods only through their SparkApplications, which the admission policy checks.
    expect(rbac.can(developer(team), request('create', 'pods', team))).toBe(false);
  });

  test.each([other, 'default', 'kube-system', 'spark-operator'])('no one of the team can do any of it in namespace %s', (namespace) => {
    for (const who of [driverAccount(team), executorAccount(team), developer(team)]) {
      const allowed = [...driverRequests(namespace), ...inNamespace(TEAM_NEEDS, namespace), request('get', 'secrets', namespace)].filter((r) => rbac.can(who, r));
      expect(allowed).toEqual([]);
    }
  });

  test('no one of the team can do anything cluster-wide: no cluster-scoped resource, no request across namespaces', () => {
    const clusterScoped: [string, string][] = [
      ['', 'nodes'], ['', 'namespaces'], ['', 'persistentvolumes'],
      ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      ['apiextensions.k8s.io', 'customresourcedefinitions'], ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
      ['admissionregistration.k8s.io', 'validatingadmissionpolicies'], ['networking.k8s.io', 'networkpolicies'], ['', 'pods'],
      ['sparkoperator.k8s.io', 'sparkapplications'],
    ];
    for (const who of [driverAccount(team), executorAccount(team), developer(team)]) {
      const allowed = clusterScoped.flatMap(([apiGroup, resource]) => ['get', 'list', 'watch', 'create', 'update', 'delete']
        .map((verb): AccessRequest => ({ verb, apiGroup, resource }))).filter((r) => rbac.can(who, r));
      expect(allowed).toEqual([]);
    }
  });

  test('secrets and the means to grant itself more are denied to everyone of the team, even in its own namespace', () => {
    for (const who of [driverAccount(team), executorAccount(team), developer(team)]) {
      expect(NEVER(team).filter((r) => rbac.can(who, r))).toEqual([]);
    }
  });

  test('the executor account mounts no token, and the driver account does', () => {
    const account = (name: string) => docs.find((d) => d.kind === 'ServiceAccount' && d.metadata.namespace === team && d.metadata.name === name);
    expect(account(`${team}-executor`).automountServiceAccountToken).toBe(false);
    expect(account(`${team}-sa`).automountServiceAccountToken).toBe(true);
  });
});

test("dist/ binds roles to no group but each team's own people: not to all service accounts, not to all authenticated users", () => {
  const groups = docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')
    .flatMap((b) => (b.subjects ?? []).filter((s: any) => s.kind === 'Group').map((s: any) => `${b.metadata.namespace}: ${s.name}`));
  expect([...new Set(groups)].sort()).toEqual(TEAMS.map((t) => `${t}: ${t}-developers`));
});
