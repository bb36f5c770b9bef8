import { Chart, Testing } from 'cdk8s';
import { EventLogDirectory, ObjectStorage, Quantity, SparkHistoryServer, SparkHistoryServerProps, TenantNamespace, TenantStorageLocation } from '../../../lib';
import { HISTORY_CREDENTIALS_SECRET, JOBS_CREDENTIALS_SECRET } from '../../../lib/addons/storage/object-storage';
import { ACCESS_KEY_ID, s3aHadoopConf, SECRET_ACCESS_KEY, SPARK_S3A_IMAGE } from '../../../lib/addons/storage/s3a';
import { ROLLING_EVENT_LOG_CONF, SPARK_HISTORY_PORT } from '../../../lib/addons/storage/spark-history-server';
import { schemaErrors } from '../../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../../support/synth';

const ENDPOINT = 'http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333';
const LOGS = 's3a://team-alpha/spark-events/';

function historyServer(props: Partial<SparkHistoryServerProps> = {}) {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
  const server = new SparkHistoryServer(chart, 'History', {
    tenant,
    logDirectory: LOGS,
    hadoopConf: s3aHadoopConf(ENDPOINT),
    credentialsSecret: HISTORY_CREDENTIALS_SECRET,
    ...props,
  });
  return { app, chart, tenant, server };
}

describe('SparkHistoryServer', () => {
  test("runs the History Server in the foreground on 18080 from the S3A image, restricted, reading the tenant's directory with read-only keys", () => {
    const { app, chart, server } = historyServer();
    expect(problemsOf(app)).toEqual([]);
    const docs = Testing.synth(chart);
    const [deployment] = ofKind(docs, 'Deployment');
    const [service] = ofKind(docs, 'Service');
    const [config] = ofKind(docs, 'ConfigMap');
    for (const doc of [deployment, service, config, ...ofKind(docs, 'Role'), ...ofKind(docs, 'RoleBinding')]) {
      expect(schemaErrors(doc)).toEqual([]);
    }

    expect(deployment.metadata).toMatchObject({ name: 'spark-history-server', namespace: 'team-alpha' });
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(SPARK_S3A_IMAGE);
    expect(container.args).toEqual(['/opt/spark/bin/spark-class', 'org.apache.spark.deploy.history.HistoryServer']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: SPARK_HISTORY_PORT }]);
    // Restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp, no API token.
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true });
      // The keys come from the read-only Secret, by reference.
      expect(c.env.filter((e: any) => e.valueFrom)).toEqual([ACCESS_KEY_ID, SECRET_ACCESS_KEY].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: HISTORY_CREDENTIALS_SECRET, key } } })));
    }
    // It waits for the directory the event-log Job creates, which it needs to start.
    expect(pod.initContainers[0].args.slice(-3)).toEqual(['-test', '-d', LOGS]);
    // spark-defaults.conf points it at the tenant's directory through S3A.
    const conf = config.data['spark-defaults.conf'];
    expect(conf).toContain(`spark.history.fs.logDirectory ${LOGS}\n`);
    expect(conf).toContain(`spark.hadoop.fs.s3a.endpoint ${ENDPOINT}\n`);
    expect(conf).not.toMatch(/access\.key|secret\.key/);
    expect(service.spec).toMatchObject({ type: 'ClusterIP', selector: server.podLabels, ports: [{ port: SPARK_HISTORY_PORT }] });
    // The team's developers may port-forward to it, in their own namespace only.
    const viewer = (kind: string) => ofKind(docs, kind).find((d) => d.metadata.name === 'spark-history-server-viewer');
    expect(viewer('RoleBinding').subjects).toEqual([expect.objectContaining({ kind: 'Group', name: 'team-alpha-developers' })]);
    expect(viewer('Role').rules).toEqual([{ apiGroups: [''], resources: ['pods/portforward'], verbs: ['get', 'create'] }]);
    expect(server.portForwardCommand()).toBe('kubectl port-forward -n team-alpha service/spark-history-server 18080:18080');
  });

  test('its heap is the memory less the JVM overhead, and its requests and limits are what the quota is charged', () => {
    const { chart } = historyServer({ resources: { cpuRequest: '100m', cpuLimit: '500m', memory: '768Mi' } });
    const [container] = ofKind(Testing.synth(chart), 'Deployment')[0].spec.template.spec.containers;
    expect(container.env).toContainEqual({ name: 'SPARK_DAEMON_MEMORY', value: '384m' });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '768Mi' }, limits: { cpu: '500m', memory: '768Mi' } });
  });
});

describe('SparkHistoryServer bad input', () => {
  test.each<[string, Partial<SparkHistoryServerProps>, RegExp]>([
    ['a log directory outside a bucket', { logDirectory: 's3a://team-alpha' }, /\[test\/History\] logDirectory "s3a:\/\/team-alpha" is not a directory in a bucket: use s3a:\/\/<bucket>\/<path>\//],
    ['a name that is not a DNS label', { name: 'History_Server' }, /\[test\/History\] name "History_Server"/],
    ['a malformed memory', { resources: { memory: '1GB' } }, /resources\.memory "1GB" is not a Kubernetes quantity/],
    ['too little memory for a heap', { resources: { memory: '512Mi' } }, /resources\.memory "512Mi" leaves the History Server a heap of 128Mi .*use at least "640Mi"/],
    ['more CPU than the whole quota', { resources: { cpuRequest: '5', cpuLimit: '6' } }, /resources\.cpuRequest 5 is more than team-alpha's whole quota\.requestsCpu 4, so the History Server never starts/],
    ['a request above the limit', { resources: { cpuRequest: '2', cpuLimit: '1' } }, /resources\.cpuRequest 2 is more than resources\.cpuLimit 1.*lower cpuRequest or raise cpuLimit/],
  ])('%s', (_, props, message) => {
    expect(problemsOf(historyServer(props).app)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe('EventLogDirectory', () => {
  test('a restricted Job that creates the directory with S3A, retrying while the store comes up, keys from the Secret', () => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    new EventLogDirectory(chart, 'Logs', { tenant, directory: LOGS, hadoopConf: s3aHadoopConf(ENDPOINT), credentialsSecret: JOBS_CREDENTIALS_SECRET });
    expect(problemsOf(app)).toEqual([]);
    const [job] = ofKind(Testing.synth(chart), 'Job');
    expect(schemaErrors(job)).toEqual([]);
    expect(job.metadata).toMatchObject({ name: 'event-log-directory', namespace: 'team-alpha' });
    const pod = job.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(SPARK_S3A_IMAGE);
    expect(container.args).toEqual(expect.arrayContaining(['-D', `fs.s3a.endpoint=${ENDPOINT}`]));
    expect(container.args.slice(-3)).toEqual(['-mkdir', '-p', LOGS]);
    expect(container.command[2]).toContain('org.apache.hadoop.fs.FsShell');
    expect(container.env).toEqual([ACCESS_KEY_ID, SECRET_ACCESS_KEY].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key } } })));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
  });

  test('bad input: a directory outside a bucket', () => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
    new EventLogDirectory(chart, 'Logs', { tenant, directory: 's3a:///spark-events', hadoopConf: {}, credentialsSecret: JOBS_CREDENTIALS_SECRET });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/Logs\] directory "s3a:\/\/\/spark-events" is not a directory in a bucket: use s3a:\/\/<bucket>\/<path>\//)]);
  });
});

describe('ObjectStorage.locationOf', () => {
  test("a tenant's location as plain data: endpoint, bucket, Secret and key names, and what a job needs", () => {
    const { app } = appWithChart();
    const tenants = new Chart(app, 'tenants');
    const alpha = new TenantNamespace(tenants, 'Alpha', { name: 'team-alpha' });
    const outsider = new TenantNamespace(tenants, 'Gamma', { name: 'team-gamma' });
    const storage = new ObjectStorage(new Chart(app, 'storage'), 'Storage', { tenants: [alpha] });

    const location: TenantStorageLocation = storage.locationOf(alpha)!;
    // Plain data: it survives a JSON round trip unchanged, so another add-on needs no import of this one.
    expect(JSON.parse(JSON.stringify(location))).toEqual(location);
    expect(location).toEqual({
      namespace: 'team-alpha',
      endpoint: ENDPOINT,
      bucket: 'team-alpha',
      uri: 's3a://team-alpha/',
      eventLogDirectory: LOGS,
      credentialsSecret: JOBS_CREDENTIALS_SECRET,
      accessKeyIdKey: 'AWS_ACCESS_KEY_ID',
      secretAccessKeyKey: 'AWS_SECRET_ACCESS_KEY',
      image: SPARK_S3A_IMAGE,
      sparkConf: expect.objectContaining({ 'spark.eventLog.dir': LOGS, 'spark.hadoop.fs.s3a.endpoint': ENDPOINT, 'spark.hadoop.fs.s3a.path.style.access': 'true' }),
      hadoopConf: s3aHadoopConf(ENDPOINT),
      env: [
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key: 'AWS_ACCESS_KEY_ID' } } },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: JOBS_CREDENTIALS_SECRET, key: 'AWS_SECRET_ACCESS_KEY' } } },
      ],
    });
    // A copy: changing it changes nothing the store gives the tenant's jobs.
    (location.hadoopConf as Record<string, string>)['fs.s3a.endpoint'] = 'http://elsewhere:1';
    expect(storage.locationOf(alpha)!.hadoopConf['fs.s3a.endpoint']).toBe(ENDPOINT);
    expect(storage.locationOf(outsider)).toBeUndefined();
  });
});

describe('event logs of running jobs', () => {
  test('GIVEN the object storage THEN every job writes rolling event logs of the smallest size Spark 4.0.0 accepts (10m), so a running job shows in the History Server', () => {
    const { app } = appWithChart();
    const tenants = new Chart(app, 'tenants');
    const alpha = new TenantNamespace(tenants, 'Alpha', { name: 'team-alpha' });
    const storage = new ObjectStorage(new Chart(app, 'storage'), 'Storage', { tenants: [alpha] });
    const conf = storage.locationOf(alpha)!.sparkConf;
    expect(conf).toMatchObject(ROLLING_EVENT_LOG_CONF);
    expect(conf['spark.eventLog.rolling.enabled']).toBe('true');
    // EVENT_LOG_ROLLING_MAX_FILE_SIZE's check in Spark 4.0.0: at least 10 MiB.
    expect(Quantity.parseSparkMemory(conf['spark.eventLog.rolling.maxFileSize'], 'maxFileSize', () => undefined)!.mebibytes).toBe(10);
  });
});

