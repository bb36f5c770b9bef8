import { Testing } from 'cdk8s';
import { SparkApplicationSpec, SparkApplicationSpecType } from '../../imports/sparkoperator.k8s.io';
import { PodSecurityLevel, SparkJob, TenantNamespace } from '../../lib';
import { addSparkJobDefaults } from '../../lib/jobs/spark-job-defaults';
import { HARDENED_SECURITY_CONTEXT } from '../../lib/jobs/spark-spec';
import { sparkConfKeyProblem } from '../../lib/operator/spark-conf-policy';
import { appWithChart, ofKind, problemsOf } from '../support/synth';

/** A Scala job that passes every check: 1-core pods of 1g, the examples class. */
function spec(overrides: Partial<SparkApplicationSpec> = {}): SparkApplicationSpec {
  return {
    type: SparkApplicationSpecType.SCALA,
    sparkVersion: '4.0.0',
    image: 'apache/spark:4.0.0',
    mainClass: 'org.apache.spark.examples.SparkPi',
    mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
    driver: { cores: 1, coreLimit: '1', memory: '1g' },
    executor: { instances: 1, cores: 1, coreLimit: '1', memory: '1g' },
    ...overrides,
  };
}

/** The problems of one job with the given spec in tenant team-alpha. */
function problemsWith(overrides: Partial<SparkApplicationSpec>, tenantProps: Partial<ConstructorParameters<typeof TenantNamespace>[2]> = {}): string[] {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha', ...tenantProps });
  new SparkJob(chart, 'Job', { tenant, name: 'job', spec: spec(overrides) });
  return problemsOf(app);
}

describe("a tenant's job asks nothing of the operator that the admission policy refuses", () => {
  test('a well-formed job passes', () => {
    expect(problemsWith({})).toEqual([]);
  });

  test.each([
    // Attacks on the shared controller: another namespace, its files, its credentials.
    ['spark.kubernetes.namespace', 'team-beta', /moves the driver into another namespace/],
    ['spark.kubernetes.file.upload.path', 'hdfs://x/', /upload files from its own file system/],
    ['spark.kubernetes.kerberos.krb5.path', '/var/run/secrets/kubernetes.io/serviceaccount/token', /read local files/],
    ['spark.kubernetes.executor.podTemplateFile', '/var/run/secrets/kubernetes.io/serviceaccount/token', /read a local file into the pods/],
    ['spark.kubernetes.authenticate.driver.serviceAccountName', 'team-beta-sa', /changes the accounts and credentials/],
    ['spark.kubernetes.authenticate.submission.oauthTokenFile', '/tmp/t', /changes the accounts and credentials/],
    ['spark.master', 'k8s://https://evil:6443', /changes the cluster or the mode/],
    ['spark.kubernetes.submission.waitAppCompletion', 'true', /ties up the operator's workers/],
    ['spark.kubernetes.container.image', 'evil/image', /images come from spec\.image/],
    ['spark.hadoop.fs.s3a.secret.key', 'abc', /credentials do not belong in the SparkApplication/],
    ['spark.kubernetes.driver.label.sparkoperator.k8s.io/launched-by-spark-operator', 'false', /own these labels/],
    // Not on the allow-list at all.
    ['spark.jars.packages', 'org.x:y:1', /is not a conf tenants may set/],
    ['spark.driver.memory', '64g', /resources, accounts, images and dependencies come from the typed spec fields/],
  ])('sparkConf %s is refused', (key, value, why) => {
    expect(problemsWith({ sparkConf: { [key]: value } })).toEqual([
      expect.stringMatching(new RegExp(`^\\[test/Job\\] sparkConf\\["${key.replace(/\./g, '\\.')}"\\] (may not be set by a tenant|is not a conf tenants may set).*`)),
    ]);
    expect(problemsWith({ sparkConf: { [key]: value } })[0]).toMatch(why);
  });

  test('tuning, SQL, S3A, event log, metrics and environment confs are allowed', () => {
    for (const key of ['spark.sql.shuffle.partitions', 'spark.eventLog.enabled', 'spark.hadoop.fs.s3a.endpoint', 'spark.metrics.conf.*.sink.prometheusServlet.class',
      'spark.ui.prometheus.enabled', 'spark.executorEnv.TZ', 'spark.kubernetes.driver.label.team', 'spark.dynamicAllocation.executorIdleTimeout']) {
      expect([key, sparkConfKeyProblem(key, key)]).toEqual([key, undefined]);
    }
  });

  test('hadoopConf keys are checked as the spark.hadoop.* confs they become', () => {
    expect(problemsWith({ hadoopConf: { 'fs.s3a.endpoint': 'http://store:8333', 'fs.s3a.access.key': 'AKIA' } })).toEqual([
      expect.stringMatching(/^\[test\/Job\] hadoopConf\["fs\.s3a\.access\.key"\] may not be set by a tenant: credentials do not belong/),
    ]);
  });

  test('client mode, a file of the operator, packages resolved by the operator, proxy users and other API servers are refused', () => {
    expect(problemsWith({
      mode: 'client' as any,
      mainApplicationFile: 'file:///var/run/secrets/kubernetes.io/serviceaccount/token',
      deps: { jars: ['local:///opt/a.jar', 's3a://bucket/b.jar', 'file:///etc/passwd', '/tmp/x.jar'], packages: ['org.x:y:1'] },
      proxyUser: 'root',
      driver: { cores: 1, coreLimit: '1', memory: '1g', kubernetesMaster: 'https://evil:6443' },
    })).toEqual([
      expect.stringMatching(/^\[test\/Job\] mode "client" runs the driver inside the operator's controller, .*: use mode cluster$/),
      expect.stringMatching(/^\[test\/Job\] mainApplicationFile "file:\/\/\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token" is not a local:\/\/\/ file of the image/),
      expect.stringMatching(/^\[test\/Job\] deps\.jars\[1\] "s3a:\/\/bucket\/b\.jar" is not one local:\/\/\/ file of the image: .*s3a:\/\/ among them/),
      expect.stringMatching(/^\[test\/Job\] deps\.jars\[2\] "file:\/\/\/etc\/passwd" is not one local:\/\/\/ file of the image/),
      expect.stringMatching(/^\[test\/Job\] deps\.jars\[3\] "\/tmp\/x\.jar" is not one local/),
      expect.stringMatching(/^\[test\/Job\] deps\.packages makes the operator's controller resolve packages/),
      expect.stringMatching(/^\[test\/Job\] proxyUser "root" makes the operator submit as another user: remove it$/),
      expect.stringMatching(/^\[test\/Job\] driver\.kubernetesMaster "https:\/\/evil:6443" points the driver at another API server: remove it$/),
      expect.stringMatching(/^\[test\/Job\] deps\.jars\[1\] "s3a:\/\/bucket\/b\.jar" is read by spark-submit, which operator 2\.3\.0 runs inside its controller/),
    ]);
  });

  test("another tenant's accounts, the operator's labels and open pod templates are refused", () => {
    expect(problemsWith({
      driver: { cores: 1, coreLimit: '1', memory: '1g', serviceAccount: 'team-beta-sa', labels: { 'sparkoperator.k8s.io/app-name': 'victim', 'spark-role': 'driver', 'team': 'a' } },
      executor: {
        instances: 1, cores: 1, coreLimit: '1', memory: '1g', serviceAccount: 'team-alpha-sa',
        template: { spec: { automountServiceAccountToken: true, serviceAccountName: 'x', securityContext: { runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'spark-kubernetes-executor', image: 'evil', securityContext: HARDENED_SECURITY_CONTEXT }] } },
      },
    })).toEqual([
      expect.stringMatching(/^\[test\/Job\] driver\.serviceAccount "team-beta-sa" is not team-alpha's driver account: .*set "team-alpha-sa"$/),
      expect.stringMatching(/^\[test\/Job\] executor\.serviceAccount "team-alpha-sa" is not team-alpha's executor account: .*set "team-alpha-executor"$/),
      expect.stringMatching(/^\[test\/Job\] driver\.labels\["sparkoperator\.k8s\.io\/app-name"\] is a label the operator, Spark, the scheduler or the platform own/),
      expect.stringMatching(/^\[test\/Job\] driver\.labels\["spark-role"\] is a label/),
      expect.stringMatching(/^\[test\/Job\] executor\.template\.spec\.serviceAccountName is not something a pod template may set here/),
      expect.stringMatching(/^\[test\/Job\] executor\.template\.spec\.containers\[0\]\.image may not be set in a pod template/),
      'executor.template.spec.automountServiceAccountToken true gives executors an API token they never need: remove it or set false',
    ].map((m, i) => (i === 6 ? `[test/Job] ${m}` : m)));
  });

  test('the UI stays inside the cluster and jobs schedule only into their own queue', () => {
    expect(problemsWith({
      sparkUiOptions: { serviceType: 'NodePort' },
      driverIngressOptions: [{ serviceType: 'LoadBalancer' } as any],
      batchScheduler: 'yunikorn',
      batchSchedulerOptions: { queue: 'team-beta' },
    })).toEqual([
      expect.stringMatching(/^\[test\/Job\] sparkUIOptions\.serviceType "NodePort" would expose the driver UI/),
      expect.stringMatching(/^\[test\/Job\] driverIngressOptions would expose the driver UI/),
      expect.stringMatching(/^\[test\/Job\] batchScheduler "yunikorn" is not the platform's scheduler: use volcano/),
      expect.stringMatching(/^\[test\/Job\] batchSchedulerOptions\.queue "team-beta" is not team-alpha's queue: .*set "team-alpha"$/),
    ]);
  });
});

describe('what Spark and the API server would refuse', () => {
  test('a request above its limit: coreRequest above coreLimit, memoryLimit below memory plus overhead', () => {
    expect(problemsWith({
      driver: { cores: 1, coreRequest: '1500m', coreLimit: '1', memory: '1g' },
      executor: { instances: 1, cores: 2, coreLimit: '1', memory: '2g', memoryLimit: '2Gi' },
    })).toEqual([
      '[test/Job] driver.coreLimit 1 is below the pod\'s CPU request 1500m (coreRequest), and the API server rejects a pod whose request exceeds its limit: raise coreLimit to at least "1500m" or lower the request',
      '[test/Job] executor.coreLimit 1 is below the pod\'s CPU request 2 (cores), and the API server rejects a pod whose request exceeds its limit: raise coreLimit to at least "2" or lower the request',
      '[test/Job] executor.memoryLimit 2Gi is below the pod\'s memory request 2432Mi (memory plus Spark\'s overhead), and the API server rejects a pod whose request exceeds its limit: raise memoryLimit to at least "2432Mi" or leave it unset',
    ]);
  });

  test('a heap too small for Spark to start, "0" among them', () => {
    expect(problemsWith({ driver: { cores: 1, coreLimit: '1', memory: '0' }, executor: { instances: 1, cores: 1, coreLimit: '1', memory: '256m' } })).toEqual([
      '[test/Job] driver.memory "0" is below the 450m of heap Spark needs to start (1.5 x its reserved 300m), so the driver would fail at once: use at least "512m"',
      '[test/Job] executor.memory "256m" is below the 450m of heap Spark needs to start (1.5 x its reserved 300m), so the executor would fail at once: use at least "512m"',
    ]);
  });

  test('a Scala or Java job without mainClass, and a job without mainApplicationFile', () => {
    expect(problemsWith({ mainClass: undefined })).toEqual([
      expect.stringMatching(/^\[test\/Job\] mainClass is not set for a Scala application: spark-submit needs the class whose main method runs; set mainClass/),
    ]);
    expect(problemsWith({ type: SparkApplicationSpecType.JAVA, mainClass: ' ' })).toEqual([expect.stringMatching(/mainClass is not set for a Java application/)]);
    expect(problemsWith({ type: SparkApplicationSpecType.PYTHON, mainClass: undefined, mainApplicationFile: undefined as any })).toEqual([
      expect.stringMatching(/^\[test\/Job\] mainApplicationFile is not set: .*"local:\/\/\/opt\/spark\/examples\/src\/main\/python\/pi\.py"$/),
    ]);
  });

  test('runAsNonRoot without a numeric user on the apache/spark image, which runs as the named user spark', () => {
    const nonRootOnly = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
    // The hardened pod template gives the pod uid 185, so only a pod security context without it fails.
    expect(problemsWith({ driver: { cores: 1, coreLimit: '1', memory: '1g', securityContext: nonRootOnly } })).toEqual([]);
    const podContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    expect(problemsWith({ driver: { cores: 1, coreLimit: '1', memory: '1g', securityContext: nonRootOnly, podSecurityContext: podContext } })).toEqual([
      expect.stringMatching(/^\[test\/Job\] driver\.securityContext sets runAsNonRoot without runAsUser, and image apache\/spark:4\.0\.0 runs as the named user "spark", .*set runAsUser: 185$/),
    ]);
  });

  test('a pod template that does not meet the pod security level fails, because it is what applies without the webhook', () => {
    const problems = problemsWith({ driver: { cores: 1, coreLimit: '1', memory: '1g', template: { spec: { containers: [{ name: 'spark-kubernetes-driver' }] } } } });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[test\/Job\] driver\.template\.spec\.containers\[0\]\.securityContext\.allowPrivilegeEscalation is not set, .*would reject the driver pod without the operator's webhook, .*or leave driver\.template unset to get the hardened pod template$/),
    ]));
    // The same pods pass with the webhook, whose copy of driver.securityContext makes them restricted.
    expect(problems.every((p) => p.includes("without the operator's webhook"))).toBe(true);
  });

  test('baseline tenants accept what restricted refuses, in both modes', () => {
    expect(problemsWith({ driver: { cores: 1, coreLimit: '1', memory: '1g', template: { spec: { containers: [{ name: 'spark-kubernetes-driver' }] } } } }, { podSecurity: PodSecurityLevel.BASELINE })).toEqual([]);
  });
});

describe("add-ons' defaults for a tenant's jobs", () => {
  test('are applied when the app is synthesized, under the job\'s own settings, to jobs declared before them', () => {
    const { chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    new SparkJob(chart, 'Job', { tenant, name: 'job', spec: spec({ sparkConf: { 'spark.eventLog.enabled': 'false' } }) });
    addSparkJobDefaults(tenant, 'test/Store', {
      sparkConf: { 'spark.eventLog.enabled': 'true', 'spark.eventLog.dir': 's3a://team-alpha/spark-events/' },
      env: [{ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'team-alpha-s3', key: 'accessKey' } } }],
      batchScheduler: 'volcano',
      queue: 'team-alpha',
    });
    const [app] = ofKind(Testing.synth(chart), 'SparkApplication');
    expect(app.spec.sparkConf).toEqual({ 'spark.eventLog.enabled': 'false', 'spark.eventLog.dir': 's3a://team-alpha/spark-events/' });
    expect(app.spec.driver.env).toEqual([{ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'team-alpha-s3', key: 'accessKey' } } }]);
    expect(app.spec.executor.env).toEqual(app.spec.driver.env);
    expect(app.spec.batchScheduler).toBe('volcano');
    // The queue from the add-on; resources is the PodGroup minimum (test/jobs/operator-fixes.test.ts).
    expect(app.spec.batchSchedulerOptions).toMatchObject({ queue: 'team-alpha' });
  });

  test('two add-ons that disagree, and an add-on conf the policy refuses, fail synth', () => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    new SparkJob(chart, 'Job', { tenant, name: 'job', spec: spec() });
    addSparkJobDefaults(tenant, 'test/A', { sparkConf: { 'spark.eventLog.dir': 's3a://a/' }, queue: 'team-alpha' });
    addSparkJobDefaults(tenant, 'test/B', { sparkConf: { 'spark.eventLog.dir': 's3a://b/', 'spark.kubernetes.namespace': 'x' }, queue: 'other' });
    expect(problemsOf(app)).toEqual([
      '[test/Job] sparkConf["spark.eventLog.dir"] is set to "s3a://a/" by test/A and to "s3a://b/" by test/B: give each add-on its own keys',
      '[test/Job] queue is set to "team-alpha" by test/A and "other" by test/B: let one add-on schedule the tenant\'s jobs',
      expect.stringMatching(/^\[test\/Job\] sparkConf\["spark\.kubernetes\.namespace"\] from test\/B may not be set by a tenant/),
    ]);
  });
});
