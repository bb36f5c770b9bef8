import { Chart, Testing } from 'cdk8s';
import { SparkApplicationSpecType } from '../../../imports/sparkoperator.k8s.io';
import { ObjectStorage, ObjectStorageProps, SparkJob, SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace, TenantQuotaProps } from '../../../lib';
import { EVENT_LOG_PREFIX, HISTORY_CREDENTIALS_SECRET, JOBS_CREDENTIALS_SECRET, s3aReferences } from '../../../lib/addons/storage/object-storage';
import { SPARK_S3A_IMAGE } from '../../../lib/addons/storage/s3a';
import { capacityLines, capacityTable } from '../../../lib/jobs/capacity';
import { schemaErrors } from '../../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../../support/synth';

/** Two tenants watched by the operator, object storage for the given ones, in a chart of its own. */
function platform(props: Partial<ObjectStorageProps> = {}, alphaQuota: TenantQuotaProps = {}) {
  const { app, chart } = appWithChart();
  const alpha = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha', quota: alphaQuota });
  const beta = new TenantNamespace(chart, 'Beta', { name: 'team-beta' });
  const gamma = new TenantNamespace(chart, 'Gamma', { name: 'team-gamma' });
  new SparkOperatorRelease(chart, 'Operator', { tenants: [alpha, beta, gamma] });
  const storageChart = new Chart(app, 'storage');
  const storage = new ObjectStorage(storageChart, 'Storage', { tenants: [alpha, beta], ...props });
  return { app, chart, storageChart, alpha, beta, gamma, storage };
}

/** The names of the Secrets an object's pods take values from. */
function secretsReferenced(doc: unknown): string[] {
  const names = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'secretKeyRef') names.add((x as { name: string }).name);
        visit(x);
      }
    }
  };
  visit(doc);
  return [...names];
}

const pi = (chart: Chart, tenant: TenantNamespace, extra: Partial<ConstructorParameters<typeof SparkPiJob>[2]> = {}) =>
  new SparkPiJob(chart, 'Pi', { tenant, language: SparkPiLanguage.SCALA, image: SPARK_S3A_IMAGE, ...extra });

describe('ObjectStorage', () => {
  test('defaults', () => {
    const { app } = appWithChart();
    const tenants = new Chart(app, 'tenants');
    const alpha = new TenantNamespace(tenants, 'Alpha', { name: 'team-alpha' });
    const storage = new Chart(app, 'storage');
    new ObjectStorage(storage, 'Storage', { tenants: [alpha] });
    expect(Testing.synth(storage)).toMatchSnapshot();
  });

  test("every job of a tenant, declared before or after it, writes its event logs to the tenant's bucket, with the S3A confs and the keys from a Secret", () => {
    const { app } = appWithChart();
    const tenants = new Chart(app, 'tenants');
    const alpha = new TenantNamespace(tenants, 'Alpha', { name: 'team-alpha' });
    const jobs = new Chart(app, 'jobs');
    const before = new SparkPiJob(jobs, 'Before', { tenant: alpha, language: SparkPiLanguage.PYTHON, name: 'before', image: SPARK_S3A_IMAGE });
    const storage = new ObjectStorage(new Chart(app, 'storage'), 'Storage', { tenants: [alpha] });
    new SparkPiJob(jobs, 'After', { tenant: alpha, language: SparkPiLanguage.SCALA, name: 'after', image: SPARK_S3A_IMAGE });
    expect(problemsOf(app)).toEqual([]);
    const apps = ofKind(Testing.synth(jobs), 'SparkApplication');
    expect(apps).toHaveLength(2);
    for (const sparkApp of apps) {
      expect(sparkApp.spec.sparkConf).toMatchObject({ 'spark.eventLog.enabled': 'true', 'spark.eventLog.dir': `s3a://team-alpha/${EVENT_LOG_PREFIX}/` });
      expect(sparkApp.spec.hadoopConf).toEqual({
        'fs.s3a.endpoint': storage.store.endpoint,
        'fs.s3a.endpoint.region': 'us-east-1',
        'fs.s3a.path.style.access': 'true',
        'fs.s3a.connection.ssl.enabled': 'false',
        'fs.s3a.change.detection.mode': 'none',
        'fs.s3a.aws.credentials.provider': 'software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider',
      });
      for (const role of ['driver', 'executor']) {
        // The keys reach the pods by reference only: no value in the SparkApplication.
        expect(sparkApp.spec[role].env).toEqual([
          { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key: 'AWS_ACCESS_KEY_ID' } } },
          { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key: 'AWS_SECRET_ACCESS_KEY' } } },
        ]);
      }
      expect(Object.keys({ ...sparkApp.spec.sparkConf, ...sparkApp.spec.hadoopConf }).filter((k) => /access\.key|secret\.key|session\.token/.test(k))).toEqual([]);
      // The application files stay in the image.
      expect(sparkApp.spec.mainApplicationFile).toMatch(/^local:\/\/\//);
      expect(schemaErrors(sparkApp)).toEqual([]);
    }
    expect(before.renderedSpec.sparkConf?.['spark.eventLog.dir']).toBe('s3a://team-alpha/spark-events/');
  });

  test("the tenant's pods may reach the store's S3 port, and only that of it", () => {
    const { alpha, gamma, storage } = platform();
    expect(alpha.egress).toContainEqual({ namespace: 'object-store', podLabels: storage.store.serverPodLabels, ports: [8333] });
    const policy = alpha.networkPolicies.find((p) => p.name === 'team-alpha-allow-object-store')!.toJson();
    expect(policy.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'object-store' } }, podSelector: { matchLabels: storage.store.serverPodLabels } }],
        ports: [{ protocol: 'TCP', port: 8333 }],
      }],
    });
    // A tenant not given to the store gets no path to it.
    expect(gamma.egress).toEqual([]);
  });

  test('each tenant gets its bucket, an event log directory Job and a History Server in its namespace, reading with read-only keys', () => {
    const { storageChart, storage } = platform();
    expect(storage.tenants.map((t) => [t.bucket, t.eventLogDirectory, t.historyServer.logDirectory])).toEqual([
      ['team-alpha', 's3a://team-alpha/spark-events/', 's3a://team-alpha/spark-events/'],
      ['team-beta', 's3a://team-beta/spark-events/', 's3a://team-beta/spark-events/'],
    ]);
    const docs = Testing.synth(storageChart);
    expect(ofKind(docs, 'Job').map((j) => `${j.metadata.namespace}/${j.metadata.name}`)).toEqual(['team-alpha/event-log-directory', 'team-beta/event-log-directory']);
    expect(ofKind(docs, 'Deployment').map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual(['team-alpha/spark-history-server', 'team-beta/spark-history-server']);
    for (const job of ofKind(docs, 'Job')) {
      expect(secretsReferenced(job)).toEqual([JOBS_CREDENTIALS_SECRET]);
    }
    for (const deployment of ofKind(docs, 'Deployment')) {
      expect(secretsReferenced(deployment)).toEqual([HISTORY_CREDENTIALS_SECRET]);
    }
  });

  test('a job of a tenant without storage that uses no s3a:// path is fine, and s3aReferences finds paths in any field', () => {
    const { app, gamma } = platform();
    new SparkPiJob(new Chart(app, 'jobs'), 'Pi', { tenant: gamma, language: SparkPiLanguage.SCALA });
    expect(problemsOf(app)).toEqual([]);
    expect(s3aReferences({
      type: SparkApplicationSpecType.SCALA, sparkVersion: '4.0.0', mainApplicationFile: 'local:///a.jar',
      arguments: ['--in', 's3a://team-alpha/in/'], deps: { jars: ['s3a://lib/x.jar'] }, sparkConf: { 'spark.sql.warehouse.dir': 's3a://wh/' },
      driver: {}, executor: {},
    }).map((r) => [r.field, r.bucket])).toEqual([['arguments[1]', 'team-alpha'], ['deps.jars[0]', 'lib'], ['sparkConf["spark.sql.warehouse.dir"]', 'wh']]);
  });
});

describe('ObjectStorage bad input', () => {
  test.each<[string, () => ReturnType<typeof appWithChart>['app'], RegExp]>([
    ['no tenants', () => {
      const { app, chart } = appWithChart();
      new ObjectStorage(chart, 'Storage', { tenants: [] });
      return app;
    }, /\[test\/Storage\] tenants is empty: give ObjectStorage the TenantNamespace objects/],
    ['a tenant twice', () => {
      const { app, chart } = appWithChart();
      const alpha = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
      new ObjectStorage(chart, 'Storage', { tenants: [alpha, alpha] });
      return app;
    }, /tenants lists "team-alpha" more than once: pass each TenantNamespace once/],
    ['a tenant whose name is too short for a bucket', () => {
      const { app, chart } = appWithChart();
      new ObjectStorage(chart, 'Storage', { tenants: [new TenantNamespace(chart, 'Ab', { name: 'ab' })] });
      return app;
    }, /tenants\[0\] "ab" is too short for a bucket name.*for example "team-ab"/],
    ['a tenant given to two stores', () => {
      const { app, chart } = appWithChart();
      const alpha = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
      new ObjectStorage(chart, 'One', { tenants: [alpha] });
      new ObjectStorage(chart, 'Two', { tenants: [alpha], namespace: 'object-store-2', releaseName: 'seaweedfs-2' });
      return app;
    }, /\[test\/Two\] tenants team-alpha are already given to the ObjectStorage at test\/One: .*give each tenant to one ObjectStorage/],
    ['a store namespace of Kubernetes', () => platform({ namespace: 'kube-system' }).app, /\[storage\/Storage\/Store\] namespace "kube-system" is a namespace of Kubernetes itself/],
    ['a store in a tenant namespace', () => platform({ namespace: 'team-beta' }).app, /namespace "team-beta" is also a client namespace/],
    ['a malformed volume size', () => platform({ storageSize: 'ten' }).app, /storageSize "ten" is not a Kubernetes quantity/],
  ])('%s', (_, build, message) => {
    expect(problemsOf(build())).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe("the storage checks of every job, reported at the job's path", () => {
  test('a job using s3a:// paths in a tenant the store was not given cannot reach it', () => {
    const { app, gamma } = platform();
    pi(new Chart(app, 'jobs'), gamma, { slices: undefined, mainApplicationFile: undefined });
    new SparkJob(new Chart(app, 'etl'), 'Etl', {
      tenant: gamma,
      name: 'etl',
      spec: {
        type: SparkApplicationSpecType.SCALA, sparkVersion: '4.0.0', image: SPARK_S3A_IMAGE, mainClass: 'x.Main', mainApplicationFile: 'local:///opt/app.jar',
        arguments: ['s3a://team-gamma/input/'],
        driver: { cores: 1, coreLimit: '1', memory: '512m' }, executor: { instances: 1, cores: 1, coreLimit: '1', memory: '512m' },
      },
    });
    expect(problemsOf(app)).toEqual([
      '[etl/Etl] arguments[0] "s3a://team-gamma/input/" is in the object store, but team-gamma is not among the tenants of ObjectStorage (storage/Storage), so its pods have no keys and no network path to the store: add the tenant to ObjectStorage\'s tenants, or use another path',
    ]);
  });

  test("each job is checked once, against its own app's stores: declared before the stores, with two stores, over two synths", () => {
    const { app, chart } = appWithChart();
    const alpha = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    const beta = new TenantNamespace(chart, 'Beta', { name: 'team-beta' });
    new SparkOperatorRelease(chart, 'Operator', { tenants: [alpha, beta] });
    // The job comes before the stores, in the tree and in time.
    new SparkPiJob(new Chart(app, 'jobs'), 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA });
    new ObjectStorage(new Chart(app, 'storage'), 'Storage', { tenants: [alpha] });
    new ObjectStorage(new Chart(app, 'storage2'), 'Storage', { tenants: [beta], namespace: 'object-store-2', releaseName: 'seaweedfs-2' });
    const noS3a = /^\[jobs\/Pi\] image "apache\/spark:4\.0\.0" has no S3A client/;
    expect(problemsOf(app)).toEqual([expect.stringMatching(noS3a)]);
    expect(problemsOf(app)).toEqual([expect.stringMatching(noS3a)]);
  });

  test("another app's stores are not this app's: the same tenant in two apps is no tenant of two stores, and a job is not checked against them", () => {
    const first = platform();
    const { app, chart } = appWithChart();
    const alpha = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    new SparkOperatorRelease(chart, 'Operator', { tenants: [alpha] });
    // With no store in its app, a job's s3a:// path is not the storage add-on's business.
    new SparkJob(chart, 'Etl', {
      tenant: alpha,
      name: 'etl',
      spec: {
        type: SparkApplicationSpecType.SCALA, sparkVersion: '4.0.0', image: 'apache/spark:4.0.0', mainClass: 'x.Main', mainApplicationFile: 'local:///opt/app.jar',
        arguments: ['s3a://team-beta/input/'],
        driver: { cores: 1, coreLimit: '1', memory: '512m' }, executor: { instances: 1, cores: 1, coreLimit: '1', memory: '512m' },
      },
    });
    expect(problemsOf(app)).toEqual([]);
    const storage = new ObjectStorage(new Chart(app, 'storage'), 'Storage', { tenants: [alpha] });
    expect(ObjectStorage.of(app)).toEqual([storage]);
    expect(ObjectStorage.of(first.app)).toEqual([first.storage]);
    // Its own store checks it: the image, and the other bucket.
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Etl\] image "apache\/spark:4\.0\.0" has no S3A client/),
      expect.stringMatching(/^\[test\/Etl\] arguments\[0\] "s3a:\/\/team-beta\/input\/" is in bucket "team-beta", but team-alpha's keys reach only its own bucket "team-alpha"/),
    ]);
    expect(problemsOf(first.app)).toEqual([]);
  });

  test('a job of a tenant with storage must run the image with the S3A client', () => {
    const { app, alpha } = platform();
    new SparkPiJob(new Chart(app, 'jobs'), 'Pi', { tenant: alpha, language: SparkPiLanguage.SCALA });
    expect(problemsOf(app)).toEqual([
      '[jobs/Pi] image "apache/spark:4.0.0" has no S3A client, but team-alpha\'s jobs write their event logs to s3a://team-alpha/spark-events/, so the driver would fail at start: use image "spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1" (k3d/platform.sh up builds it into the cluster)',
    ]);
  });

  test("a job's keys reach only its own bucket", () => {
    const { app, alpha } = platform();
    pi(new Chart(app, 'jobs'), alpha);
    const jobs = new Chart(app, 'more');
    new SparkJob(jobs, 'Copy', {
      tenant: alpha,
      name: 'copy',
      spec: {
        type: SparkApplicationSpecType.SCALA, sparkVersion: '4.0.0', image: SPARK_S3A_IMAGE, mainClass: 'x.Copy', mainApplicationFile: 'local:///opt/app.jar',
        arguments: ['s3a://team-alpha/out/', 's3a://team-beta/private/'],
        driver: { cores: 1, coreLimit: '1', memory: '512m' }, executor: { instances: 1, cores: 1, coreLimit: '1', memory: '512m' },
      },
    });
    expect(problemsOf(app)).toEqual([
      '[more/Copy] arguments[1] "s3a://team-beta/private/" is in bucket "team-beta", but team-alpha\'s keys reach only its own bucket "team-alpha": use s3a://team-alpha/...',
    ]);
  });

  test('a job may not move its event logs, point S3A elsewhere or bring keys of its own', () => {
    const { app, alpha } = platform();
    new SparkJob(new Chart(app, 'jobs'), 'Sneaky', {
      tenant: alpha,
      name: 'sneaky',
      spec: {
        type: SparkApplicationSpecType.SCALA, sparkVersion: '4.0.0', image: SPARK_S3A_IMAGE, mainClass: 'x.Main', mainApplicationFile: 'local:///opt/app.jar',
        sparkConf: { 'spark.eventLog.dir': 's3a://team-alpha/elsewhere/', 'spark.hadoop.fs.s3a.path.style.access': 'false' },
        hadoopConf: { 'fs.s3a.endpoint': 'http://my-minio:9000' },
        driver: { cores: 1, coreLimit: '1', memory: '512m', env: [{ name: 'AWS_ACCESS_KEY_ID', value: 'AKIA' }] },
        executor: { instances: 1, cores: 1, coreLimit: '1', memory: '512m' },
      },
    });
    const problems = problemsOf(app);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[jobs\/Sneaky\] sparkConf\["spark.eventLog.dir"\] "s3a:\/\/team-alpha\/elsewhere\/" overrides the platform's "s3a:\/\/team-alpha\/spark-events\/": every job of team-alpha writes its event logs to s3a:\/\/team-alpha\/spark-events\/, the one place its History Server reads; remove it$/),
      expect.stringMatching(/^\[jobs\/Sneaky\] hadoopConf\["fs.s3a.endpoint"\] "http:\/\/my-minio:9000" overrides the platform's "http:\/\/seaweedfs-all-in-one.object-store.svc.cluster.local:8333"/),
      expect.stringMatching(/^\[jobs\/Sneaky\] sparkConf\["spark.hadoop.fs.s3a.path.style.access"\] "false" overrides the platform's "true"/),
      '[jobs/Sneaky] driver.env AWS_ACCESS_KEY_ID overrides team-alpha\'s keys, which come from Secret object-store-credentials: remove it',
    ]));
    expect(problems).toHaveLength(4);
  });

  test("a job that fits the quota alone but not beside the tenant's History Server would wait forever", () => {
    // The Scala Pi needs 2688Mi (three pods of 512m + 384Mi overhead); the History Server 1Gi.
    const { app, alpha } = platform({}, { requestsMemory: '3Gi', pods: 3 });
    pi(new Chart(app, 'jobs'), alpha);
    expect(problemsOf(app)).toEqual([
      "[jobs/Pi] requests.memory: the job needs 2688Mi and team-alpha's History Server 1Gi; team-alpha allows 3Gi in total, so the job would wait for quota forever: make the job smaller, or raise the tenant's quota",
      "[jobs/Pi] pods: the job's 3 pods and team-alpha's History Server are 4 pods; team-alpha allows 3: lower executor.instances, or raise the tenant's quota.pods",
    ]);
  });

  test("the capacity table counts each tenant's History Server and event-log Job beside its jobs", () => {
    // GIVEN a store for two tenants and a job in one
    const { app, alpha } = platform();
    pi(new Chart(app, 'jobs'), alpha);
    // THEN the History Server (250m to 1 CPU, 1Gi) and the Job (100m to 1 CPU, 512Mi) are counted as the platform's
    const lines = capacityLines(app);
    expect(lines.find((l) => l.tenant === 'team-alpha' && l.resource === 'requests.cpu')).toMatchObject({ platform: '350m', jobs: '3', headroom: '650m' });
    expect(lines.find((l) => l.tenant === 'team-alpha' && l.resource === 'requests.memory')).toMatchObject({ platform: '1536Mi', jobs: '2688Mi' });
    expect(lines.find((l) => l.tenant === 'team-alpha' && l.resource === 'pods')).toMatchObject({ platform: '2', jobs: '3', headroom: '5' });
    expect(capacityTable(app)).toMatch(/note: PLATFORM counts the platform's own pods in each namespace \(team-alpha: Job event-log-directory, History Server spark-history-server; team-beta: /);
  });

  test('the seed jobs on the S3A image pass every check', () => {
    const { app, alpha, beta } = platform();
    const jobs = new Chart(app, 'jobs');
    new SparkPiJob(jobs, 'Py', { tenant: alpha, language: SparkPiLanguage.PYTHON, image: SPARK_S3A_IMAGE });
    new SparkPiJob(jobs, 'Scala', { tenant: beta, language: SparkPiLanguage.SCALA, image: SPARK_S3A_IMAGE });
    expect(problemsOf(app)).toEqual([]);
  });
});
