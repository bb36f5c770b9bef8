import { admit, AdmissionRequest } from '../support/admission';
import { compileProblems, evaluate, toCel } from '../support/cel';

// The offline model of ValidatingAdmissionPolicy that test/operator/ uses to show the tenants'
// policies refusing attacks. These tests pin its semantics to the API server's, so that a refusal
// (or an admission) it reports means what it would on the cluster.

const SPARK = { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications' };
const app = (spec: any, labels?: Record<string, string>) => ({ apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication', metadata: { name: 'a', namespace: 'team-a', labels }, spec });
const request = (object: any, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  operation: 'CREATE',
  resource: SPARK,
  namespace: 'team-a',
  namespaceLabels: { tenant: 'team-a' },
  object,
  userInfo: { username: 'alice', groups: ['team-a-developers'] },
  ...overrides,
});
const policy = (name: string, spec: any) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ apiGroups: ['sparkoperator.k8s.io'], apiVersions: ['*'], resources: ['sparkapplications'], operations: ['CREATE', 'UPDATE'] }] }, ...spec } });
const binding = (name: string, policyName: string, spec: any = {}) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } });
const clusterMode = policy('cluster-mode', { validations: [{ expression: "object.spec.mode == 'cluster'", message: 'only cluster mode' }] });

describe('the CEL evaluator', () => {
  test('reads JSON as the API server does: whole numbers are int, so int arithmetic works; nulls are pruned', () => {
    expect(evaluate('object.n + 1 == 3 && object.n % 2 == 0', { object: toCel({ n: 2 }) })).toEqual({ ok: true, value: true });
    expect(evaluate('has(object.x)', { object: toCel({ x: null }) })).toEqual({ ok: true, value: false });
  });

  test('macros iterate map keys; in, matches (RE2), startsWith, join work', () => {
    const object = toCel({ conf: { 'spark.sql.x': '1', 'spark.kubernetes.namespace': 'b' } });
    expect(evaluate("object.conf.all(k, k.startsWith('spark.sql.'))", { object })).toEqual({ ok: true, value: false });
    expect(evaluate("'spark.kubernetes.namespace' in object.conf", { object })).toEqual({ ok: true, value: true });
    expect(evaluate("object.conf.filter(k, !k.matches('^spark\\\\.sql\\\\..+$')).join(', ')", { object })).toEqual({ ok: true, value: 'spark.kubernetes.namespace' });
  });

  test('a missing field is an error, not false; has() is the guard', () => {
    const object = toCel({ spec: {} });
    expect(evaluate('object.spec.deps.jars.size() == 0', { object }).ok).toBe(false);
    expect(evaluate('!has(object.spec.deps) || object.spec.deps.jars.size() == 0', { object })).toEqual({ ok: true, value: true });
  });

  test('compileProblems finds what the API server refuses at creation that it can see offline', () => {
    expect(compileProblems("object.spec.mode == 'cluster'")).toEqual([]);
    expect(compileProblems('object.spec.mode ==')).toEqual([expect.stringMatching(/^syntax:/)]);
    expect(compileProblems('cel.bind(x, 1, x > 0)')).toEqual(expect.arrayContaining(['cel.bind is not in the Kubernetes 1.31 environment']));
    expect(compileProblems('object.?spec.orValue(1)')).toEqual(expect.arrayContaining([expect.stringMatching(/optional field syntax/)]));
    expect(compileProblems('spec.mode == 1')).toEqual(['undeclared identifier spec']);
    expect(compileProblems("object.spec.sparkConf.all(k, v, k.matches('^a'))")).toEqual(expect.arrayContaining(['two-variable comprehensions arrive in Kubernetes 1.32']));
    expect(compileProblems("object.name.matches('^(?!kube-).*')")).toEqual([expect.stringMatching(/lookaround or backreferences, which RE2 does not accept/)]);
  });
});

describe('the admission model', () => {
  test('a policy without a binding does nothing', () => {
    expect(admit(request(app({ mode: 'client' })), [clusterMode]).allowed).toBe(true);
  });

  test('a bound policy denies with the API server\'s message', () => {
    const result = admit(request(app({ mode: 'client' })), [clusterMode, binding('b', 'cluster-mode')]);
    expect(result).toEqual({ allowed: false, denials: ["ValidatingAdmissionPolicy 'cluster-mode' with binding 'b' denied request: only cluster mode"], warnings: [], audits: [] });
    expect(admit(request(app({ mode: 'cluster' })), [clusterMode, binding('b', 'cluster-mode')]).allowed).toBe(true);
  });

  test("a binding's namespace selector narrows the policy; resources and operations must match", () => {
    const narrowed = binding('b', 'cluster-mode', { matchResources: { namespaceSelector: { matchExpressions: [{ key: 'tenant', operator: 'In', values: ['team-b'] }] } } });
    expect(admit(request(app({ mode: 'client' })), [clusterMode, narrowed]).allowed).toBe(true);
    const docs = [clusterMode, binding('b', 'cluster-mode')];
    expect(admit(request(app({ mode: 'client' }), { operation: 'DELETE' }), docs).allowed).toBe(true);
    expect(admit(request(app({ mode: 'client' }), { subResource: 'status' }), docs).allowed).toBe(true);
    expect(admit(request(app({ mode: 'client' }), { resource: { ...SPARK, resource: 'scheduledsparkapplications' } }), docs).allowed).toBe(true);
  });

  test('a false matchCondition skips the policy; an erroring one denies under failurePolicy Fail', () => {
    const exempt = policy('p', { matchConditions: [{ name: 'not-bob', expression: "request.userInfo.username != 'bob'" }], validations: [{ expression: 'false', message: 'never' }] });
    expect(admit(request(app({}), { userInfo: { username: 'bob' } }), [exempt, binding('b', 'p')]).allowed).toBe(true);
    expect(admit(request(app({})), [exempt, binding('b', 'p')]).allowed).toBe(false);
    const broken = policy('p', { matchConditions: [{ name: 'broken', expression: 'object.spec.nothing.here' }], validations: [{ expression: 'true' }] });
    expect(admit(request(app({})), [broken, binding('b', 'p')]).denials).toEqual([expect.stringMatching(/failed to evaluate matchConditions/)]);
  });

  test('an expression that errors denies under Fail and admits under Ignore', () => {
    const p = (failurePolicy: string) => policy('p', { failurePolicy, validations: [{ expression: 'object.spec.deps.jars.size() == 0' }] });
    expect(admit(request(app({})), [p('Fail'), binding('b', 'p')]).denials).toEqual([expect.stringMatching(/^ValidatingAdmissionPolicy 'p' with binding 'b' denied request: expression 'object\.spec\.deps\.jars\.size\(\) == 0' resulted in error: /)]);
    expect(admit(request(app({})), [p('Ignore'), binding('b', 'p')]).allowed).toBe(true);
  });

  test('messageExpression is used when it evaluates, message otherwise, the expression last', () => {
    const p = policy('p', {
      validations: [
        { expression: 'false', messageExpression: "'mode ' + object.spec.mode + ' refused'", message: 'static' },
        { expression: 'false', messageExpression: 'object.spec.nothing', message: 'static' },
        { expression: 'false' },
      ],
    });
    expect(admit(request(app({ mode: 'client' })), [p, binding('b', 'p')]).denials.map((d) => d.slice(d.indexOf('denied request: ') + 'denied request: '.length))).toEqual(['mode client refused', 'static', 'failed expression: false']);
  });

  test('variables are evaluated when used, may use earlier ones, and their errors surface where used', () => {
    const p = policy('p', {
      variables: [{ name: 'spec', expression: 'object.spec' }, { name: 'keys', expression: 'has(variables.spec.conf) ? variables.spec.conf.map(k, k) : []' }, { name: 'broken', expression: 'object.nothing' }],
      validations: [{ expression: "variables.keys.all(k, k.startsWith('spark.sql.'))", messageExpression: "'bad keys: ' + variables.keys.join(', ')" }],
    });
    expect(admit(request(app({ conf: { 'spark.sql.a': '1' } })), [p, binding('b', 'p')]).allowed).toBe(true);
    expect(admit(request(app({ conf: { 'spark.master': 'x' } })), [p, binding('b', 'p')]).denials).toEqual([expect.stringMatching(/bad keys: spark\.master$/)]);
    const usesBroken = policy('q', { variables: [{ name: 'broken', expression: 'object.nothing' }], validations: [{ expression: 'variables.broken == 1' }] });
    expect(admit(request(app({})), [usesBroken, binding('b', 'q')]).denials).toEqual([expect.stringMatching(/resulted in error/)]);
  });

  test('Warn warns instead of denying; namespaceObject carries the namespace\'s labels', () => {
    const p = policy('p', { validations: [{ expression: "namespaceObject.metadata.labels['tenant'] == 'team-b'", message: 'wrong tenant' }] });
    const result = admit(request(app({})), [p, binding('b', 'p', { validationActions: ['Warn'] })]);
    expect(result).toEqual({ allowed: true, denials: [], warnings: ["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': wrong tenant"], audits: [] });
  });
});
