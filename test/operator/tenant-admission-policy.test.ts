import { distDocs } from '../support/dist-docs';
import { admit, AdmissionRequest } from '../support/admission';
import { compileProblems } from '../support/cel';
import { ofKind } from '../support/synth';

// The seed platform's admission policies, evaluated as the API server would evaluate them, against
// the ways a team could steer the operator's controller into acting for it beyond its namespace.

const docs = distDocs();
const namespaceLabels = (name: string) => docs.find((d) => d.kind === 'Namespace' && d.metadata.name === name).metadata.labels;
const namespaceAnnotations = (name: string) => docs.find((d) => d.kind === 'Namespace' && d.metadata.name === name).metadata.annotations;
const seedApp = (namespace: string) => ofKind(docs, 'SparkApplication').find((a) => a.metadata.namespace === namespace);
const alice = { username: 'alice', groups: ['team-alpha-developers', 'system:authenticated'] };

/** A team-alpha developer's request to create the SparkApplication `object` in team-alpha. */
function createApp(object: any, kind: 'SparkApplication' | 'ScheduledSparkApplication' = 'SparkApplication', operation: AdmissionRequest['operation'] = 'CREATE'): ReturnType<typeof admit> {
  return admit({
    operation,
    resource: { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: kind === 'SparkApplication' ? 'sparkapplications' : 'scheduledsparkapplications' },
    namespace: object.metadata.namespace,
    namespaceLabels: namespaceLabels(object.metadata.namespace),
    namespaceAnnotations: namespaceAnnotations(object.metadata.namespace),
    object,
    oldObject: operation === 'UPDATE' ? seedApp('team-alpha') : undefined,
    userInfo: alice,
  }, docs);
}

/** The seed's team-alpha application with the spec changed by `patch`. */
function attack(patch: (spec: any, metadata: any) => void): any {
  const app = JSON.parse(JSON.stringify(seedApp('team-alpha')));
  patch(app.spec, app.metadata);
  return app;
}

/** The same attack as a ScheduledSparkApplication, whose runs the operator creates from its template. */
function scheduled(app: any): any {
  return { apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'ScheduledSparkApplication', metadata: app.metadata, spec: { schedule: '@hourly', concurrencyPolicy: 'Forbid', template: app.spec } };
}

describe('the tenant admission policies of dist/', () => {
  test('are bound, fail closed, and apply in the watched tenant namespaces to SparkApplications, ScheduledSparkApplications and pods', () => {
    const policies = ofKind(docs, 'ValidatingAdmissionPolicy');
    const bindings = ofKind(docs, 'ValidatingAdmissionPolicyBinding');
    expect(policies.map((p) => p.spec.matchConstraints.resourceRules[0].resources)).toEqual([['sparkapplications'], ['scheduledsparkapplications'], ['pods']]);
    for (const p of policies) {
      expect(p.spec.failurePolicy).toBe('Fail');
      expect(bindings.filter((b) => b.spec.policyName === p.metadata.name).map((b) => [b.spec.validationActions, b.spec.matchResources.namespaceSelector]))
        .toEqual([[['Deny'], { matchExpressions: [{ key: 'spark-platform.io/tenant', operator: 'In', values: ['team-alpha', 'team-beta'] }] }]]);
    }
  });

  test('every expression compiles in the Kubernetes 1.31 CEL environment, as far as can be told offline', () => {
    const expressions = ofKind(docs, 'ValidatingAdmissionPolicy').flatMap((p) => [
      ...p.spec.matchConditions.map((c: any) => c.expression),
      ...p.spec.variables.map((v: any) => v.expression),
      ...p.spec.validations.flatMap((v: any) => [v.expression, v.messageExpression]),
    ]);
    expect(expressions.length).toBeGreaterThan(20);
    expect(expressions.map((e) => [e, compileProblems(e)]).filter(([, p]) => (p as string[]).length > 0)).toEqual([]);
  });

  test.each(['team-alpha', 'team-beta'])("admit the seed's own application in %s, created and updated", (namespace) => {
    const app = seedApp(namespace);
    const request = (operation: 'CREATE' | 'UPDATE') => admit({
      operation,
      resource: { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications' },
      namespace,
      namespaceLabels: namespaceLabels(namespace),
      namespaceAnnotations: namespaceAnnotations(namespace),
      object: app,
      oldObject: operation === 'UPDATE' ? app : undefined,
      userInfo: { username: 'someone', groups: [`${namespace}-developers`] },
    }, docs);
    expect(request('CREATE')).toEqual({ allowed: true, denials: [], warnings: [], audits: [] });
    expect(request('UPDATE').allowed).toBe(true);
    expect(createApp(scheduled(app), 'ScheduledSparkApplication').allowed).toBe(true);
  });

  const attacks: [string, (spec: any, metadata: any) => void, RegExp][] = [
    ['redirect the driver into another namespace', (s) => { s.sparkConf = { 'spark.kubernetes.namespace': 'team-beta' }; }, /sparkConf keys a tenant may not set: spark\.kubernetes\.namespace/],
    ["upload the controller's files", (s) => { s.sparkConf = { 'spark.kubernetes.file.upload.path': 's3a://x/' }; s.deps = { files: ['file:///var/run/secrets/kubernetes.io/serviceaccount/token'] }; }, /spark\.kubernetes\.file\.upload\.path/],
    ["upload a file dependency from the controller's disk", (s) => { s.deps = { jars: ['file:///var/run/secrets/kubernetes.io/serviceaccount/token'] }; }, /not allowed: file:\/\/\/var\/run\/secrets/],
    ["copy the controller's token through krb5.conf", (s) => { s.sparkConf = { 'spark.kubernetes.kerberos.krb5.path': '/var/run/secrets/kubernetes.io/serviceaccount/token' }; }, /spark\.kubernetes\.kerberos\.krb5\.path/],
    ["copy the controller's token through a pod template file", (s) => { s.sparkConf = { 'spark.kubernetes.executor.podTemplateFile': '/var/run/secrets/kubernetes.io/serviceaccount/token' }; }, /spark\.kubernetes\.executor\.podTemplateFile/],
    ['submit with other credentials', (s) => { s.sparkConf = { 'spark.kubernetes.authenticate.submission.oauthTokenFile': '/tmp/t' }; }, /spark\.kubernetes\.authenticate\.submission\.oauthTokenFile/],
    ['run as another account through a conf', (s) => { s.sparkConf = { 'spark.kubernetes.authenticate.driver.serviceAccountName': 'team-beta-sa' }; }, /spark\.kubernetes\.authenticate\.driver\.serviceAccountName/],
    ['run the driver inside the controller (client mode)', (s) => { s.mode = 'client'; }, /client mode would run the driver inside the operator/],
    ['drop the operator label so its webhook skips the pods', (_s, m) => { m.labels = { 'sparkoperator.k8s.io/launched-by-spark-operator': 'false' }; }, /labels the operator, Spark, the scheduler or the platform own may not be set: sparkoperator\.k8s\.io\/launched-by-spark-operator/],
    ["take another application's name label", (s) => { s.driver.labels = { ...s.driver.labels, 'sparkoperator.k8s.io/app-name': 'victim' }; }, /sparkoperator\.k8s\.io\/app-name/],
    ['pose as a driver (for the API-server egress policy)', (s) => { s.executor.labels = { 'spark-role': 'driver' }; }, /may not be set: spark-role/],
    ["run as another team's account", (s) => { s.driver.serviceAccount = 'team-beta-sa'; }, /driver\.serviceAccount must be team-alpha-sa and executor\.serviceAccount team-alpha-executor/],
    ["give executors the driver's account and its token", (s) => { s.executor.serviceAccount = 'team-alpha-sa'; }, /executor\.serviceAccount team-alpha-executor/],
    ['leave the executor account to Spark, which falls back to the driver\'s', (s) => { delete s.executor.serviceAccount; }, /executor\.serviceAccount team-alpha-executor/],
    ['give executors a token in their template', (s) => { s.executor.template.spec.automountServiceAccountToken = true; }, /automountServiceAccountToken may only be false/],
    ['open the pod template to host access', (s) => { s.driver.template.spec.hostNetwork = true; }, /pod templates may only set/],
    ['have the controller resolve packages from the network', (s) => { s.deps = { packages: ['org.example:evil:1.0'] }; }, /deps\.packages and deps\.repositories are resolved by the operator/],
    ['submit as another user', (s) => { s.proxyUser = 'admin'; }, /proxyUser and driver\.kubernetesMaster/],
    ['expose the driver UI outside the cluster', (s) => { s.sparkUIOptions = { serviceType: 'NodePort' }; }, /the driver UI stays inside the cluster/],
    ["schedule into another team's queue", (s) => { s.batchScheduler = 'volcano'; s.batchSchedulerOptions = { queue: 'team-beta' }; }, /scheduled by Volcano in its own queue: set batchScheduler volcano and batchSchedulerOptions\.queue team-alpha/],
    ['bypass the queue with another batch scheduler', (s) => { s.batchScheduler = 'yunikorn'; }, /scheduled by Volcano in its own queue: set batchScheduler volcano/],
    ["bypass the queue with the default scheduler (no batchScheduler)", (s) => { delete s.batchScheduler; delete s.batchSchedulerOptions; }, /scheduled by Volcano in its own queue/],
    ["land in Volcano's shared default queue (no queue)", (s) => { delete s.batchSchedulerOptions; }, /batchSchedulerOptions\.queue team-alpha/],
    ['put S3 credentials into the application', (s) => { s.hadoopConf = { 'fs.s3a.secret.key': 'x' }; }, /hadoopConf keys a tenant may not set \(as spark\.hadoop\.\*\): spark\.hadoop\.fs\.s3a\.secret\.key/],
  ];

  test.each(attacks)('refuse an attempt to %s, as a SparkApplication and as a ScheduledSparkApplication', (_name, patch, message) => {
    const app = attack(patch);
    const direct = createApp(app);
    expect(direct.allowed).toBe(false);
    expect(direct.denials.join('\n')).toMatch(message);
    expect(direct.denials[0]).toMatch(/^ValidatingAdmissionPolicy 'spark-operator-tenant-sparkapplications' with binding 'spark-operator-tenant-sparkapplications' denied request: /);
    const viaSchedule = createApp(scheduled(app), 'ScheduledSparkApplication');
    expect(viaSchedule.allowed).toBe(false);
    expect(viaSchedule.denials.join('\n')).toMatch(message);
    // Changing an admitted application into one is refused too.
    expect(createApp(app, 'SparkApplication', 'UPDATE').allowed).toBe(false);
  });

  test('in a namespace without a queue label, any queue but its own and any scheduler but volcano are refused, none is admitted', () => {
    const labels = { ...namespaceLabels('team-alpha') };
    delete labels['spark-platform.io/batch-queue'];
    const request = (patch: (spec: any) => void) => {
      const object = attack(patch);
      return admit({
        operation: 'CREATE',
        resource: { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications' },
        namespace: 'team-alpha',
        namespaceLabels: labels,
        namespaceAnnotations: namespaceAnnotations('team-alpha'),
        object,
        userInfo: alice,
      }, docs);
    };
    expect(request((s) => { delete s.batchScheduler; delete s.batchSchedulerOptions; }).allowed).toBe(true);
    expect(request(() => undefined).allowed).toBe(true);
    expect(request((s) => { s.batchSchedulerOptions = { queue: 'team-beta' }; }).denials.join('\n')).toMatch(/only the tenant's own queue team-alpha/);
    expect(request((s) => { s.batchScheduler = 'yunikorn'; }).denials.join('\n')).toMatch(/batchScheduler may only be volcano/);
  });

  test('admit a PriorityClass the namespace lists, on the driver, the executors and the PodGroup, and no other', () => {
    const request = (patch: (spec: any) => void) => admit({
      operation: 'CREATE',
      resource: { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications' },
      namespace: 'team-alpha',
      namespaceLabels: namespaceLabels('team-alpha'),
      namespaceAnnotations: { ...namespaceAnnotations('team-alpha'), 'spark-platform.io/priority-classes': 'batch-low batch-high' },
      object: attack(patch),
      userInfo: alice,
    }, docs);
    expect(request((s) => { s.driver.priorityClassName = 'batch-high'; s.executor.priorityClassName = 'batch-low'; s.batchSchedulerOptions.priorityClassName = 'batch-high'; }).allowed).toBe(true);
    expect(request((s) => { s.executor.priorityClassName = 'system-node-critical'; }).denials.join('\n')).toMatch(/may only be one of the tenant's PriorityClasses: batch-low, batch-high/);
  });

  test("let the operator's controller create the runs of scheduled applications, labelled with its own labels", () => {
    const run = attack((_s, m) => { m.labels = { 'sparkoperator.k8s.io/scheduled-app-name': 'nightly' }; });
    expect(createApp(run).allowed).toBe(false);
    const byController = admit({
      operation: 'CREATE',
      resource: { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications' },
      namespace: 'team-alpha',
      namespaceLabels: namespaceLabels('team-alpha'),
      object: run,
      userInfo: { username: 'system:serviceaccount:spark-operator:spark-operator-controller', groups: ['system:serviceaccounts'] },
    }, docs);
    expect(byController.allowed).toBe(true);
  });

  test('leave namespaces the operator does not watch alone', () => {
    const app = attack((s) => { s.mode = 'client'; });
    const elsewhere = admit({
      operation: 'CREATE',
      resource: { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications' },
      namespace: 'sandbox',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'sandbox' },
      object: { ...app, metadata: { ...app.metadata, namespace: 'sandbox' } },
      userInfo: alice,
    }, docs);
    expect(elsewhere.allowed).toBe(true);
  });
});
