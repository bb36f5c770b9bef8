import { Testing } from 'cdk8s';
import { PodSecurityLevel, Quantity, TenantNamespace, TenantNamespaceProps } from '../../lib';
import { applicationResources } from '../../lib/jobs/spark-resources';
import { DRIVER_ACCOUNT_LABEL, EXECUTOR_ACCOUNT_LABEL, JOB_SECRETS_ANNOTATION, DEFAULT_TENANT_QUOTA, PRIORITY_CLASSES_ANNOTATION, TENANT_LABEL } from '../../lib/tenancy/tenant-namespace';
import { K3D_API_SERVER_ENDPOINTS, NON_INTERNET_RANGES } from '../../lib/tenancy/tenant-network';
import { distDocs } from '../support/dist-docs';
import { schemaErrors } from '../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

/** The problems of one tenant built from the props. */
const problemsWith = (props: Partial<TenantNamespaceProps>) => {
  const { app, chart } = appWithChart();
  new TenantNamespace(chart, 'T', { name: 'team-a', ...props });
  return problemsOf(app);
};
/** The objects of one tenant built from the props. */
const synthWith = (props: Partial<TenantNamespaceProps>) => {
  const { chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'T', { name: 'team-a', ...props });
  return { tenant, docs: Testing.synth(chart) };
};

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
    const [sa, executorSa] = ofKind(docs, 'ServiceAccount');
    expect(sa.metadata).toMatchObject({ name: 'team-alpha-sa', namespace: 'team-alpha' });
    expect(sa.automountServiceAccountToken).toBe(true);
    // Executors run as an account of their own, with no token.
    expect(executorSa.metadata).toMatchObject({ name: 'team-alpha-executor', namespace: 'team-alpha' });
    expect(executorSa.automountServiceAccountToken).toBe(false);
    expect(tenant.executorServiceAccountName).toBe('team-alpha-executor');
    const [quota] = ofKind(docs, 'ResourceQuota');
    expect(quota.metadata.namespace).toBe('team-alpha');
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi', 'pods': 10, 'requests.storage': '20Gi', 'persistentvolumeclaims': 10 });
    expect(tenant.namespaceName).toBe('team-alpha');
    expect(tenant.serviceAccountName).toBe('team-alpha-sa');
    expect(tenant.quota.requestsMemory.equals(Quantity.literal('8Gi'))).toBe(true);
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
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '6', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '64Gi', 'pods': 40, 'requests.storage': '20Gi', 'persistentvolumeclaims': 10 });
    expect(tenant.serviceAccountName).toBe('spark-runner');
    expect(tenant.quota.requestsCpu.toCpuString()).toBe('6');
  });

  test('RBAC is namespaced, grants no wildcard, gives the driver account what a driver calls and the team its own role, bound to its group', () => {
    const { chart } = appWithChart();
    new TenantNamespace(chart, 'TeamAlpha', { name: 'team-alpha' });
    const docs = Testing.synth(chart);
    expect(ofKind(docs, 'ClusterRole')).toEqual([]);
    expect(ofKind(docs, 'ClusterRoleBinding')).toEqual([]);
    const [driverRole, developerRole] = ofKind(docs, 'Role');
    const [driverBinding, developerBinding] = ofKind(docs, 'RoleBinding');
    expect(driverRole.metadata).toMatchObject({ name: 'team-alpha-spark-driver', namespace: 'team-alpha' });
    expect(driverBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-alpha-spark-driver' });
    expect(driverBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'team-alpha-sa', namespace: 'team-alpha' }]);
    expect(developerBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-alpha-developer' });
    expect(developerBinding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-alpha-developers' }]);
    for (const rule of [...driverRole.rules, ...developerRole.rules]) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
      expect(rule.apiGroups).not.toContain('*');
    }
    const allows = (role: any, group: string, resource: string, verb: string) =>
      role.rules.some((r: any) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    // What a driver calls: its executor pods, their configmaps and claims, the driver Service.
    for (const resource of ['pods', 'configmaps', 'persistentvolumeclaims', 'services']) {
      expect(allows(driverRole, '', resource, 'create')).toBe(true);
      expect(allows(driverRole, '', resource, 'delete')).toBe(true);
      expect(allows(driverRole, '', resource, 'watch')).toBe(true);
    }
    // Nothing a driver does not call: no applications, no exec, no logs, no secrets.
    expect(allows(driverRole, 'sparkoperator.k8s.io', 'sparkapplications', 'create')).toBe(false);
    expect(allows(driverRole, '', 'pods/exec', 'create')).toBe(false);
    expect(allows(driverRole, '', 'pods/log', 'get')).toBe(false);
    expect(allows(driverRole, '', 'secrets', 'get')).toBe(false);
    // The seed's list for the team: SparkApplications, logs, exec, views of pods and quota.
    expect(allows(developerRole, 'sparkoperator.k8s.io', 'sparkapplications', 'create')).toBe(true);
    expect(allows(developerRole, 'sparkoperator.k8s.io', 'scheduledsparkapplications', 'delete')).toBe(true);
    expect(allows(developerRole, '', 'pods/log', 'get')).toBe(true);
    expect(allows(developerRole, '', 'pods/exec', 'create')).toBe(true);
    expect(allows(developerRole, '', 'resourcequotas', 'list')).toBe(true);
    expect(allows(developerRole, '', 'pods', 'create')).toBe(false);
    expect(allows(developerRole, '', 'secrets', 'get')).toBe(false);
    expect(allows(developerRole, '', 'resourcequotas', 'update')).toBe(false);
    expect(allows(developerRole, 'rbac.authorization.k8s.io', 'roles', 'create')).toBe(false);
  });

  test('the namespace names the accounts its Spark pods must run as, for the admission policy', () => {
    const { docs } = synthWith({ serviceAccountName: 'runner', executorServiceAccountName: 'worker', developersGroup: 'oidc:team-a' });
    const [namespace] = ofKind(docs, 'Namespace');
    expect(namespace.metadata.labels).toMatchObject({ [DRIVER_ACCOUNT_LABEL]: 'runner', [EXECUTOR_ACCOUNT_LABEL]: 'worker' });
    expect(ofKind(docs, 'ServiceAccount').map((a) => a.metadata.name)).toEqual(['runner', 'worker']);
    expect(ofKind(docs, 'RoleBinding')[1].subjects[0].name).toBe('oidc:team-a');
  });

  test.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])('the reserved namespace %s cannot be a tenant', (name) => {
    expect(problemsWith({ name })).toEqual([
      expect.stringMatching(new RegExp(`^\\[test/T\\] name "${name}" is a namespace of Kubernetes itself, which a tenant may not take: .*give the tenant a namespace of its own`)),
    ]);
  });

  test('executors may not share the drivers\' account, and account names must be usable as label values', () => {
    expect(problemsWith({ serviceAccountName: 'spark', executorServiceAccountName: 'spark' })).toEqual([
      '[test/T] executorServiceAccountName "spark" is the drivers\' account: executors must run as an account with no permissions and no token; give it its own name or leave it unset',
    ]);
    expect(problemsWith({ serviceAccountName: `a${'b'.repeat(70)}` })).toEqual([expect.stringMatching(/serviceAccountName value "ab+" is not a valid label value/)]);
  });

  test('namespace labels with invalid syntax, and the platform\'s own labels, are rejected', () => {
    expect(problemsWith({ labels: { 'Team Name': 'a', 'owner': 'data eng', [DRIVER_ACCOUNT_LABEL]: 'x' } })).toEqual([
      expect.stringMatching(/^\[test\/T\] labels key "Team Name" is not a valid label key: .*did you mean "Team-Name"\?/),
      expect.stringMatching(/^\[test\/T\] labels\["owner"\] value "data eng" is not a valid label value: .*did you mean "data-eng"\?/),
      `[test/T] labels key ${DRIVER_ACCOUNT_LABEL} is set by the platform from the tenant's props: remove it from labels`,
    ]);
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

  test('storage and claims in the quota are checked like the other fields', () => {
    expect(problemsWith({ quota: { requestsStorage: '1TB', persistentVolumeClaims: -1 } })).toEqual([
      expect.stringMatching(/^\[test\/T\] quota\.requestsStorage "1TB" is not a Kubernetes quantity/),
      expect.stringMatching(/^\[test\/T\] quota\.persistentVolumeClaims -1 is not a whole number of claims: use an integer of 0 or more, for example 10$/),
    ]);
    const quota = ofKind(synthWith({ quota: { requestsStorage: '50Gi', persistentVolumeClaims: 2 } }).docs, 'ResourceQuota');
    expect(quota.map((q) => q.metadata.name)).toEqual(['team-a-quota', 'team-a-no-system-priority']);
    expect(quota[0].spec.hard).toMatchObject({ 'requests.storage': '50Gi', 'persistentvolumeclaims': 2 });
    expect(quota[1].spec).toEqual({
      hard: { pods: 0 },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['system-node-critical', 'system-cluster-critical'] }] },
    });
  });

  test('priorityClasses are written for the admission policies; a system class or a bad name is refused', () => {
    // GIVEN classes of the platform THEN the namespace lists them
    const [ns] = ofKind(synthWith({ priorityClasses: ['batch-low', 'batch-high'] }).docs, 'Namespace');
    expect(ns.metadata.annotations).toEqual({ [PRIORITY_CLASSES_ANNOTATION]: 'batch-low batch-high' });
    // GIVEN a system class or a malformed name THEN each is refused with the fix
    expect(problemsWith({ priorityClasses: ['system-node-critical', 'Not_A_Name'] })).toEqual([
      '[test/T] priorityClasses[0] "system-node-critical" is a class of Kubernetes itself, which would let the tenant\'s pods evict other teams\' pods: remove it, or create a PriorityClass of the platform\'s own and list that',
      expect.stringMatching(/^\[test\/T\] priorityClasses\[1\] "Not_A_Name" is not a valid RFC 1123 subdomain/),
    ]);
  });

  test('allowJobSecret lists each Secret once for the admission policies and refuses a bad name', () => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'T', { name: 'team-a' });
    tenant.allowJobSecret('store-keys');
    tenant.allowJobSecret('registry');
    tenant.allowJobSecret('store-keys');
    expect(tenant.jobSecrets).toEqual(['store-keys', 'registry']);
    expect(ofKind(Testing.synth(chart), 'Namespace')[0].metadata.annotations).toEqual({ [JOB_SECRETS_ANNOTATION]: 'store-keys registry' });
    tenant.allowJobSecret('Bad Name');
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/T\] allowJobSecret\("Bad Name"\) "Bad Name" is not a valid RFC 1123 subdomain/)]);
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

  describe('pod security', () => {
    test('the namespace enforces, warns about and audits restricted, pinned to v1.31', () => {
      const { tenant, docs } = synthWith({});
      const [namespace] = ofKind(docs, 'Namespace');
      expect(namespace.metadata.labels).toEqual({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.31',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.31',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'v1.31',
        [TENANT_LABEL]: 'team-a',
        [DRIVER_ACCOUNT_LABEL]: 'team-a-sa',
        [EXECUTOR_ACCOUNT_LABEL]: 'team-a-executor',
      });
      expect(tenant.podSecurity).toBe(PodSecurityLevel.RESTRICTED);
    });

    test('another level can be chosen, and extra labels are kept', () => {
      const { tenant, docs } = synthWith({ podSecurity: PodSecurityLevel.BASELINE, labels: { team: 'a' } });
      const labels = ofKind(docs, 'Namespace')[0].metadata.labels;
      expect(labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
      expect(labels['pod-security.kubernetes.io/warn']).toBe('baseline');
      expect(labels.team).toBe('a');
      expect(tenant.podSecurity).toBe(PodSecurityLevel.BASELINE);
    });

    test('pod security labels given in labels are rejected in favour of podSecurity', () => {
      expect(problemsWith({ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } })).toEqual([
        '[test/T] labels key pod-security.kubernetes.io/enforce is set from podSecurity: remove it from labels and set podSecurity, for example PodSecurityLevel.BASELINE',
      ]);
    });
  });

  describe('LimitRange', () => {
    test('by default containers without requests or limits get 500m/512Mi requested and 1/1Gi at most', () => {
      const { tenant, docs } = synthWith({});
      const [limitRange] = ofKind(docs, 'LimitRange');
      expect(limitRange.metadata).toMatchObject({ name: 'team-a-limits', namespace: 'team-a' });
      expect(limitRange.spec.limits).toEqual([{
        type: 'Container',
        defaultRequest: { cpu: '500m', memory: '512Mi' },
        default: { cpu: '1', memory: '1Gi' },
      }]);
      expect(tenant.limitRange).toBeDefined();
      expect(tenant.containerDefaults!.memoryLimit.equals(Quantity.literal('1Gi'))).toBe(true);
    });

    test('the defaults can be changed, or the LimitRange left out', () => {
      const [limitRange] = ofKind(synthWith({ limitRange: { defaultCpuLimit: '2', defaultMemoryRequest: '1Gi' } }).docs, 'LimitRange');
      expect(limitRange.spec.limits[0]).toMatchObject({ defaultRequest: { cpu: '500m', memory: '1Gi' }, default: { cpu: '2', memory: '1Gi' } });
      const { tenant, docs } = synthWith({ limitRange: false });
      expect(ofKind(docs, 'LimitRange')).toEqual([]);
      expect(tenant.limitRange).toBeUndefined();
      expect(tenant.containerDefaults).toBeUndefined();
    });

    test('defaults above the quota are rejected, naming the default, the quota and the fix', () => {
      expect(problemsWith({ quota: { limitsCpu: '4', requestsMemory: '256Mi', limitsMemory: '512Mi' }, limitRange: { defaultCpuLimit: '6', defaultCpuRequest: '1', defaultMemoryLimit: '512Mi', defaultMemoryRequest: '512Mi' } })).toEqual([
        '[test/T] limitRange.defaultCpuLimit 6 is more than quota.limitsCpu 4: one container that sets none would need more than the whole quota and never start; lower defaultCpuLimit or raise quota.limitsCpu',
        '[test/T] limitRange.defaultMemoryRequest 512Mi is more than quota.requestsMemory 256Mi: one container that sets none would need more than the whole quota and never start; lower defaultMemoryRequest or raise quota.requestsMemory',
      ]);
    });

    test('a default request above the default limit is rejected, as the API server would', () => {
      expect(problemsWith({ limitRange: { defaultCpuRequest: '2', defaultMemoryRequest: '2Gi' } })).toEqual([
        '[test/T] limitRange.defaultCpuRequest 2 is more than limitRange.defaultCpuLimit 1: the API server rejects a LimitRange whose default request exceeds its default limit; lower defaultCpuRequest or raise defaultCpuLimit',
        '[test/T] limitRange.defaultMemoryRequest 2Gi is more than limitRange.defaultMemoryLimit 1Gi: the API server rejects a LimitRange whose default request exceeds its default limit; lower defaultMemoryRequest or raise defaultMemoryLimit',
      ]);
    });

    test('a malformed default is reported with its prop', () => {
      expect(problemsWith({ limitRange: { defaultMemoryLimit: '1GB' } })).toEqual([
        expect.stringMatching(/^\[test\/T\] limitRange\.defaultMemoryLimit "1GB" is not a Kubernetes quantity.*did you mean "1Gi"\?/),
      ]);
    });

    test("the seed's SparkPi jobs set every request and limit, so the defaults never apply to them, and fit the quota", () => {
      const docs = distDocs();
      for (const app of ofKind(docs, 'SparkApplication')) {
        const need = applicationResources(app.spec)!;
        // Spark sets the CPU request from cores, the CPU limit from coreLimit and memory request = limit.
        expect(need.driver.cpuLimit).toBeDefined();
        expect(need.executor.cpuLimit).toBeDefined();
        const quota = ofKind(docs, 'ResourceQuota').find((q) => q.metadata.namespace === app.metadata.namespace).spec.hard;
        expect(need.requestsCpu.isGreaterThan(Quantity.literal(quota['requests.cpu']))).toBe(false);
        expect(need.limitsCpu!.isGreaterThan(Quantity.literal(quota['limits.cpu']))).toBe(false);
        expect(need.requestsMemory.isGreaterThan(Quantity.literal(quota['requests.memory']))).toBe(false);
        expect(need.limitsMemory.isGreaterThan(Quantity.literal(quota['limits.memory']))).toBe(false);
        expect(need.pods).toBeLessThanOrEqual(quota.pods);
      }
    });
  });

  describe('NetworkPolicies', () => {
    test('by default: deny all, then allow the namespace itself, DNS, and the API server for drivers', () => {
      const { tenant, docs } = synthWith({});
      const policies = ofKind(docs, 'NetworkPolicy');
      expect(policies.map((p) => p.metadata.name)).toEqual(['team-a-default-deny', 'team-a-allow-same-namespace', 'team-a-allow-dns', 'team-a-allow-driver-apiserver']);
      expect(tenant.networkPolicies).toHaveLength(4);
      const [deny, same, dns, api] = policies.map((p) => p.spec);
      expect(deny).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(same.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
      expect(same.egress).toEqual([{ to: [{ podSelector: {} }] }]);
      expect(dns.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
      expect(dns.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
      expect(api.podSelector).toEqual({ matchLabels: { 'spark-role': 'driver' } });
      // The kubernetes Service on 443 and the k3d nodes' network on 6443, nothing else.
      expect(api.egress).toEqual([
        { to: [{ ipBlock: { cidr: '10.43.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        { to: [{ ipBlock: { cidr: '172.28.0.0/16' } }], ports: [{ protocol: 'TCP', port: 6443 }] },
      ]);
      expect(K3D_API_SERVER_ENDPOINTS).toEqual([{ cidr: '10.43.0.1/32', port: 443 }, { cidr: '172.28.0.0/16', port: 6443 }]);
      for (const policy of policies) {
        expect(policy.metadata.namespace).toBe('team-a');
        expect(schemaErrors(policy)).toEqual([]);
      }
    });

    test('extra egress rules become one more policy for every pod of the tenant', () => {
      const { docs } = synthWith({ egress: [{ cidr: '10.0.5.0/24', except: ['10.0.5.128/25'], ports: [9000] }, { namespace: 'minio', podLabels: { app: 'minio' } }] });
      const extra = ofKind(docs, 'NetworkPolicy').find((p) => p.metadata.name === 'team-a-allow-egress');
      expect(extra.spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: '10.0.5.0/24', except: ['10.0.5.128/25'] } }], ports: [{ protocol: 'TCP', port: 9000 }] },
          { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'minio' } }, podSelector: { matchLabels: { app: 'minio' } } }] },
        ],
      });
      expect(schemaErrors(extra)).toEqual([]);
    });

    test('networkIsolation false leaves the namespace open and rejects props that would have no effect', () => {
      const { tenant, docs } = synthWith({ networkIsolation: false });
      expect(ofKind(docs, 'NetworkPolicy')).toEqual([]);
      expect(tenant.networkPolicies).toEqual([]);
      expect(problemsWith({ networkIsolation: false, egress: [{ cidr: '10.0.0.0/8' }], apiServer: [{ cidr: '10.43.0.1/32', port: 443 }] })).toEqual([
        '[test/T] egress has no effect with networkIsolation false, where no NetworkPolicy restricts the pods: remove egress or turn networkIsolation on',
        '[test/T] apiServer has no effect with networkIsolation false, where no NetworkPolicy restricts the pods: remove apiServer or turn networkIsolation on',
      ]);
    });

    test('malformed egress rules are all reported, each naming the rule and the fix', () => {
      expect(problemsWith({
        egress: [
          { cidr: '10.0.0.5', ports: [9000] },
          { cidr: '10.0.0.0/8', namespace: 'minio' },
          { ports: [443] },
          { cidr: '10.0.5.0/24', except: ['10.0.6.0/25'], ports: [0, 70000] },
          { namespace: 'MinIO' },
          { podLabels: { app: 'x' }, cidr: '10.0.0.0/33', ports: [] },
        ],
      })).toEqual([
        '[test/T] egress[0].cidr "10.0.0.5" is an address, not a CIDR range: add the prefix length; did you mean "10.0.0.5/32"?',
        '[test/T] egress[1] sets both cidr and namespace: give one destination per rule, cidr for an address range or namespace for pods in the cluster',
        '[test/T] egress[2] sets neither cidr nor namespace: give cidr for an address range, for example "10.0.5.0/24", or namespace for pods in the cluster, for example "minio"',
        '[test/T] egress[3].except[0] "10.0.6.0/25" is not inside cidr "10.0.5.0/24": the API server rejects an except range outside its cidr; remove it or widen cidr',
        '[test/T] egress[3].ports[0] 0 is not a port: use a whole number from 1 to 65535, for example 443',
        '[test/T] egress[3].ports[1] 70000 is not a port: use a whole number from 1 to 65535, for example 443',
        expect.stringMatching(/^\[test\/T\] egress\[4\]\.namespace "MinIO" is not a valid RFC 1123 label: .*did you mean "minio"\?$/),
        '[test/T] egress[5].cidr "10.0.0.0/33" is not a CIDR range: use an address and a prefix length, for example "10.0.5.0/24"',
        '[test/T] egress[5].podLabels needs namespace: podLabels select pods in a namespace; remove it or set namespace',
        '[test/T] egress[5].ports is empty, which Kubernetes reads as every port: leave ports unset for every port or list the ports, for example [443]',
      ]);
    });

    test('IPv6 ranges are accepted', () => {
      expect(problemsWith({ egress: [{ cidr: 'fd00:10::/64', ports: [443] }], apiServer: [{ cidr: 'fd00::1/128', port: 443 }] })).toEqual([]);
      expect(problemsWith({ egress: [{ cidr: 'fd00::1' }] })).toEqual([expect.stringMatching(/did you mean "fd00::1\/128"\?/)]);
    });

    test('API server endpoints are checked, and cannot be empty', () => {
      expect(problemsWith({ apiServer: [] })).toEqual([
        expect.stringMatching(/^\[test\/T\] apiServer is empty, so Spark drivers cannot reach the Kubernetes API server .*for example \[\{ cidr: "10\.43\.0\.1\/32", port: 443 \}, \{ cidr: "172\.28\.0\.2\/32", port: 6443 \}\]$/),
      ]);
      expect(problemsWith({ apiServer: [{ cidr: 'kubernetes.default', port: 443.5 }] })).toEqual([
        '[test/T] apiServer[0].cidr "kubernetes.default" is not a CIDR range: use an address and a prefix length, for example "10.0.5.0/24"',
        '[test/T] apiServer[0].port 443.5 is not a port: use a whole number from 1 to 65535, for example 443',
      ]);
    });

    test('add-ons open egress and ingress as policies of their own, checked like the props', () => {
      const { chart } = appWithChart();
      const tenant = new TenantNamespace(chart, 'T', { name: 'team-a' });
      tenant.allowEgress('allow-object-store', [{ namespace: 'object-store', podLabels: { app: 's3' }, ports: [8333] }]);
      tenant.allowIngress('allow-metrics', { fromNamespace: 'monitoring', fromPodLabels: { 'app.kubernetes.io/name': 'prometheus' }, toPodLabels: { 'spark-role': 'driver' }, ports: [4040] });
      const docs = Testing.synth(chart);
      const byName = (name: string) => ofKind(docs, 'NetworkPolicy').find((p) => p.metadata.name === name);
      expect(byName('team-a-allow-object-store').spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'object-store' } }, podSelector: { matchLabels: { app: 's3' } } }], ports: [{ protocol: 'TCP', port: 8333 }] }],
      });
      expect(byName('team-a-allow-metrics').spec).toEqual({
        podSelector: { matchLabels: { 'spark-role': 'driver' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 4040 }] }],
      });
      expect(tenant.egress).toEqual([{ namespace: 'object-store', podLabels: { app: 's3' }, ports: [8333] }]);
      expect(tenant.ingress).toHaveLength(1);

      const { app, chart: other } = appWithChart();
      const bad = new TenantNamespace(other, 'T', { name: 'team-a' });
      bad.allowIngress('allow-metrics', { fromNamespace: 'Monitoring', ports: [] });
      bad.allowEgress('allow-store', [{ cidr: '10.0.0.1' }]);
      expect(problemsOf(app)).toEqual([
        expect.stringMatching(/^\[test\/T\] allow-metrics\.fromNamespace "Monitoring" is not a valid RFC 1123 label/),
        '[test/T] allow-metrics.ports is empty, which Kubernetes reads as every port: list the ports, for example [4040]',
        '[test/T] allow-store[0].cidr "10.0.0.1" is an address, not a CIDR range: add the prefix length; did you mean "10.0.0.1/32"?',
      ]);
    });

    test('egress for some pods only: a policy selecting them, not listed in what every pod reaches, and never for no labels', () => {
      const { app, chart } = appWithChart();
      const tenant = new TenantNamespace(chart, 'T', { name: 'team-a' });
      tenant.allowEgress('loader-downloads', [{ cidr: '0.0.0.0/0', except: [...NON_INTERNET_RANGES], ports: [443] }], { app: 'loader' });
      const policy = ofKind(Testing.synth(chart), 'NetworkPolicy').find((p) => p.metadata.name === 'team-a-loader-downloads');
      expect(policy.spec).toEqual({
        podSelector: { matchLabels: { app: 'loader' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...NON_INTERNET_RANGES] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
      });
      expect(tenant.egress).toEqual([]);
      expect(problemsOf(app)).toEqual([]);

      tenant.allowEgress('everyone', [{ cidr: '0.0.0.0/0', except: [...NON_INTERNET_RANGES], ports: [443] }], {});
      tenant.allowEgress('bad', [{ cidr: '10.0.0.1' }], { app: 'loader' });
      expect(problemsOf(app)).toEqual([
        '[test/T] allowEgress("everyone") got no pod labels, which would open the destinations to every pod of the tenant: give the labels of the pods that need them, or leave fromPodLabels out to open them to all',
        '[test/T] bad[0].cidr "10.0.0.1" is an address, not a CIDR range: add the prefix length; did you mean "10.0.0.1/32"?',
      ]);
    });

    test('an internet range must except every range that is not on the internet; a range inside one names it on purpose', () => {
      // GIVEN a tenant
      const { app, chart } = appWithChart();
      const tenant = new TenantNamespace(chart, 'T', { name: 'team-a' });
      // WHEN one rule opens the internet but for the private ranges, and another a private subnet
      tenant.allowEgress('downloads', [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], ports: [443] }], { app: 'loader' });
      tenant.allowEgress('storage', [{ cidr: '10.0.5.0/24', ports: [9000] }]);
      // THEN the first is refused for link-local, shared and the other ranges, the second is fine
      const problems = problemsOf(app);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^\[test\/T\] downloads\[0\]\.cidr "0\.0\.0\.0\/0" takes in 0\.0\.0\.0\/8, 100\.64\.0\.0\/10, 127\.0\.0\.0\/8, 169\.254\.0\.0\/16, .*: add them to downloads\[0\]\.except/);
      expect(NON_INTERNET_RANGES).toEqual(expect.arrayContaining(['169.254.0.0/16', '100.64.0.0/10', '10.0.0.0/8']));
    });
  });
});
