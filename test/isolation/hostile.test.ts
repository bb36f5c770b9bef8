import { admit } from '../support/admission';
import { distDocs } from '../support/dist-docs';
import { ofKind } from '../support/synth';

// Hostile SparkApplications, ScheduledSparkApplications and pods of team-alpha, each expected to be
// admitted or denied by the admission policies of dist/, evaluated as the API server would
// (test/support/admission.ts over @bufbuild/cel). docs/isolation.md lists the admitted cases as
// intended.

const docs = distDocs();
const namespace = (name: string) => docs.find((d) => d.kind === 'Namespace' && d.metadata.name === name).metadata;
const seed = ofKind(docs, 'SparkApplication').find((a) => a.metadata.namespace === 'team-alpha' && a.metadata.name === 'pyspark-pi-test');
const alice = { username: 'alice', groups: ['team-alpha-developers', 'system:authenticated'] };
const driverAccount = { username: 'system:serviceaccount:team-alpha:team-alpha-sa', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-alpha'] };

type Patch = (spec: any, metadata: any) => void;
const DENY = false;
const ADMIT = true;

function request(kind: 'sparkapplications' | 'scheduledsparkapplications' | 'pods', object: any, user = alice) {
  const ns = namespace('team-alpha');
  return admit({
    operation: 'CREATE',
    resource: { group: kind === 'pods' ? '' : 'sparkoperator.k8s.io', version: kind === 'pods' ? 'v1' : 'v1beta2', resource: kind },
    namespace: 'team-alpha',
    namespaceLabels: ns.labels,
    namespaceAnnotations: ns.annotations,
    object,
    userInfo: user,
  }, docs);
}

function application(patch: Patch): any {
  const app = JSON.parse(JSON.stringify(seed));
  patch(app.spec, app.metadata);
  return app;
}

const driver = (f: (d: any) => void): Patch => (s) => f(s.driver);
const executor = (f: (e: any) => void): Patch => (s) => f(s.executor);
const conf = (key: string, value: string): Patch => (s) => { s.sparkConf = { ...s.sparkConf, [key]: value }; };
const secretEnv = (name: string) => ({ name: 'X', valueFrom: { secretKeyRef: { name, key: 'k' } } });

/** [name, patch, admitted] for SparkApplications; each also runs as a ScheduledSparkApplication's template. */
const applicationCases: [string, Patch, boolean][] = [
  // Queue routing (Volcano reads these annotations; the operator skips its PodGroup when group-name exists).
  ['driver annotation group-name "" with another queue', driver((d) => { d.annotations = { 'scheduling.k8s.io/group-name': '', 'scheduling.volcano.sh/queue-name': 'team-beta' }; }), DENY],
  ['executor annotation queue-name of another team', executor((e) => { e.annotations = { 'scheduling.volcano.sh/queue-name': 'team-beta' }; }), DENY],
  ['executor annotation group-name of another PodGroup', executor((e) => { e.annotations = { 'scheduling.k8s.io/group-name': 'spark-victim-pg' }; }), DENY],
  ['driver annotation scheduling.volcano.sh/group-name', driver((d) => { d.annotations = { 'scheduling.volcano.sh/group-name': 'x' }; }), DENY],
  ['driver annotation volcano.sh/preemptable', driver((d) => { d.annotations = { 'volcano.sh/preemptable': 'false' }; }), DENY],
  ['driver annotation scheduling.volcano.sh/group-min-member', driver((d) => { d.annotations = { 'scheduling.volcano.sh/group-min-member': '1' }; }), DENY],
  ['driver annotation scheduling.volcano.sh/queue-allocation-gate', driver((d) => { d.annotations = { 'scheduling.volcano.sh/queue-allocation-gate': 'x' }; }), DENY],
  ['driver template annotation queue-name', driver((d) => { d.template.metadata = { annotations: { 'scheduling.volcano.sh/queue-name': 'team-beta' } }; }), DENY],
  ['executor template annotation group-name', executor((e) => { e.template.metadata = { annotations: { 'scheduling.k8s.io/group-name': '' } }; }), DENY],
  ['sparkConf driver annotation queue-name', conf('spark.kubernetes.driver.annotation.scheduling.volcano.sh/queue-name', 'team-beta'), DENY],
  ['sparkConf executor annotation group-name', conf('spark.kubernetes.executor.annotation.scheduling.k8s.io/group-name', ''), DENY],
  ['sparkConf Volcano PodGroup template file', conf('spark.kubernetes.scheduler.volcano.podGroupTemplateFile', '/tmp/pg.yaml'), DENY],
  ['sparkConf scheduler name', conf('spark.kubernetes.scheduler.name', 'default-scheduler'), DENY],
  ['sparkConf executor scheduler name', conf('spark.kubernetes.executor.scheduler.name', 'default-scheduler'), DENY],
  ['batchSchedulerOptions.queue of another team', (s) => { s.batchSchedulerOptions.queue = 'team-beta'; }, DENY],
  ['batchSchedulerOptions.queue default', (s) => { s.batchSchedulerOptions.queue = 'default'; }, DENY],
  ['no batchScheduler', (s) => { delete s.batchScheduler; }, DENY],
  ['batchScheduler yunikorn', (s) => { s.batchScheduler = 'yunikorn'; }, DENY],
  ['driver.schedulerName default-scheduler', driver((d) => { d.schedulerName = 'default-scheduler'; }), DENY],
  ['executor.schedulerName volcano', executor((e) => { e.schedulerName = 'volcano'; }), DENY],
  ['driver label volcano.sh/preemptable', driver((d) => { d.labels = { 'volcano.sh/preemptable': 'false' }; }), DENY],
  ['executor label volcano.sh/cooldown-time', executor((e) => { e.labels = { 'volcano.sh/cooldown-time': '1s' }; }), DENY],
  ['metadata label volcano.sh/queue-name', (_s, m) => { m.labels = { 'volcano.sh/queue-name': 'team-beta' }; }, DENY],
  ['batchSchedulerOptions.resources for its own PodGroup', (s) => { s.batchSchedulerOptions.resources = { cpu: '1', memory: '1Gi' }; }, ADMIT],
  ['an annotation of its own (prometheus.io/scrape)', driver((d) => { d.annotations = { 'prometheus.io/scrape': 'true' }; }), ADMIT],
  ['sparkConf annotation of its own', conf('spark.kubernetes.executor.annotation.team/owner', 'alpha'), ADMIT],
  // Priority.
  ['driver priorityClassName system-node-critical', driver((d) => { d.priorityClassName = 'system-node-critical'; }), DENY],
  ['executor priorityClassName system-cluster-critical', executor((e) => { e.priorityClassName = 'system-cluster-critical'; }), DENY],
  ['batchSchedulerOptions priorityClassName system-node-critical', (s) => { s.batchSchedulerOptions.priorityClassName = 'system-node-critical'; }, DENY],
  ['driver priorityClassName of a class the tenant was not given', driver((d) => { d.priorityClassName = 'high'; }), DENY],
  ['driver template priorityClassName', driver((d) => { d.template.spec.priorityClassName = 'system-node-critical'; }), DENY],
  ['executor template priority', executor((e) => { e.template.spec.priority = 2000000000; }), DENY],
  ['sparkConf pod template file with a priority class', conf('spark.kubernetes.driver.podTemplateFile', '/opt/t.yaml'), DENY],
  // Dependencies.
  ['mainApplicationFile s3a://', (s) => { s.mainApplicationFile = 's3a://team-alpha/app.py'; }, DENY],
  ['mainApplicationFile https://', (s) => { s.mainApplicationFile = 'https://example.org/app.py'; }, DENY],
  ['mainApplicationFile file://', (s) => { s.mainApplicationFile = 'file:///etc/passwd'; }, DENY],
  ['mainApplicationFile plain path', (s) => { s.mainApplicationFile = '/opt/app.py'; }, DENY],
  ['mainApplicationFile with a comma', (s) => { s.mainApplicationFile = 'local:///opt/app.py,file:///etc/passwd'; }, DENY],
  ['deps.jars s3a://', (s) => { s.deps = { jars: ['s3a://team-alpha/x.jar'] }; }, DENY],
  ['deps.files https://', (s) => { s.deps = { files: ['https://example.org/x'] }; }, DENY],
  ['deps.pyFiles hdfs://', (s) => { s.deps = { pyFiles: ['hdfs://nn/x.py'] }; }, DENY],
  ['deps.archives file://', (s) => { s.deps = { archives: ['file:///var/run/secrets/kubernetes.io/serviceaccount/token'] }; }, DENY],
  ['deps.jars with a comma in one entry', (s) => { s.deps = { jars: ['local:///opt/a.jar,file:///var/run/secrets/kubernetes.io/serviceaccount/token'] }; }, DENY],
  ['deps.files with a comma in one entry', (s) => { s.deps = { files: ['local:///opt/a,s3a://team-beta/secret'] }; }, DENY],
  ['deps.packages', (s) => { s.deps = { packages: ['org.x:y:1'] }; }, DENY],
  ['deps.repositories', (s) => { s.deps = { repositories: ['https://repo.example.org'] }; }, DENY],
  ['deps.jars local:///', (s) => { s.deps = { jars: ['local:///opt/spark/jars/extra.jar'] }; }, ADMIT],
  ['deps.pyFiles local:///', (s) => { s.deps = { pyFiles: ['local:///opt/lib/util.py'] }; }, ADMIT],
  // Settings past the conf allow-list.
  ['sparkConfigMap', (s) => { s.sparkConfigMap = 'my-spark-conf'; }, DENY],
  ['hadoopConfigMap', (s) => { s.hadoopConfigMap = 'my-hadoop-conf'; }, DENY],
  ['driver env JAVA_TOOL_OPTIONS', driver((d) => { d.env = [...d.env, { name: 'JAVA_TOOL_OPTIONS', value: '-Dspark.kubernetes.namespace=team-beta' }]; }), DENY],
  ['driver env _JAVA_OPTIONS', driver((d) => { d.env = [...d.env, { name: '_JAVA_OPTIONS', value: '-Dx=y' }]; }), DENY],
  ['driver env JDK_JAVA_OPTIONS', driver((d) => { d.env = [...d.env, { name: 'JDK_JAVA_OPTIONS', value: '-Dx=y' }]; }), DENY],
  ['driver env SPARK_CONF_DIR', driver((d) => { d.env = [...d.env, { name: 'SPARK_CONF_DIR', value: '/tmp' }]; }), DENY],
  ['executor env SPARK_JAVA_OPT_0', executor((e) => { e.env = [...e.env, { name: 'SPARK_JAVA_OPT_0', value: '-Dspark.x=y' }]; }), DENY],
  ['driver env HADOOP_CONF_DIR', driver((d) => { d.env = [...d.env, { name: 'HADOOP_CONF_DIR', value: '/tmp' }]; }), DENY],
  ['driver env PYSPARK_SUBMIT_ARGS', driver((d) => { d.env = [...d.env, { name: 'PYSPARK_SUBMIT_ARGS', value: '--conf x=y' }]; }), DENY],
  ['driver env LD_PRELOAD', driver((d) => { d.env = [...d.env, { name: 'LD_PRELOAD', value: '/tmp/x.so' }]; }), DENY],
  ['driver envVars SPARK_SUBMIT_OPTS', driver((d) => { d.envVars = { SPARK_SUBMIT_OPTS: '-Dspark.x=y' }; }), DENY],
  ['executor envVars JAVA_TOOL_OPTIONS', executor((e) => { e.envVars = { JAVA_TOOL_OPTIONS: '-Dx' }; }), DENY],
  ['sparkConf driverEnv JAVA_TOOL_OPTIONS', conf('spark.kubernetes.driverEnv.JAVA_TOOL_OPTIONS', '-Dspark.x=y'), DENY],
  ['sparkConf executorEnv SPARK_CONF_DIR', conf('spark.executorEnv.SPARK_CONF_DIR', '/tmp'), DENY],
  ['driver.javaOptions -Dspark.*', driver((d) => { d.javaOptions = '-Dspark.kubernetes.namespace=team-beta'; }), DENY],
  ['executor.javaOptions quoted -D"spark.*"', executor((e) => { e.javaOptions = '-D"spark.x"=y'; }), DENY],
  ['driver.javaOptions split by quotes', driver((d) => { d.javaOptions = "-D'sp'ark.x=y"; }), DENY],
  ['sparkConf spark.driver.extraJavaOptions -Dspark.*', conf('spark.driver.extraJavaOptions', '-Xss4m -Dspark.master=local'), DENY],
  ['sparkConf spark.executor.extraJavaOptions -Dspark.*', conf('spark.executor.extraJavaOptions', '-Dspark.authenticate=false'), DENY],
  ['driver env of its own', driver((d) => { d.env = [...d.env, { name: 'MY_SETTING', value: '1' }]; }), ADMIT],
  ['sparkConf executorEnv of its own', conf('spark.executorEnv.MY_SETTING', '1'), ADMIT],
  ['driver.javaOptions without spark properties', driver((d) => { d.javaOptions = '-XX:+UseG1GC -Duser.timezone=UTC'; }), ADMIT],
  ['sparkConf spark.executor.extraJavaOptions without spark properties', conf('spark.executor.extraJavaOptions', '-XX:+UseG1GC'), ADMIT],
  // Secrets.
  ['driver env secretKeyRef of another Secret', driver((d) => { d.env = [secretEnv('history-server-credentials')]; }), DENY],
  ['executor env secretKeyRef of a service account token Secret', executor((e) => { e.env = [secretEnv('team-alpha-sa-token')]; }), DENY],
  ['driver envFrom secretRef', driver((d) => { d.envFrom = [{ secretRef: { name: 'other' } }]; }), DENY],
  ['driver envFrom configMapRef', driver((d) => { d.envFrom = [{ configMapRef: { name: 'settings' } }]; }), DENY],
  ['driver secrets', driver((d) => { d.secrets = [{ name: 'other', path: '/mnt/s', secretType: 'Generic' }]; }), DENY],
  ['executor envSecretKeyRefs', executor((e) => { e.envSecretKeyRefs = { X: { name: 'other', key: 'k' } }; }), DENY],
  ['volumes secret', (s) => { s.volumes = [{ name: 's', secret: { secretName: 'other' } }]; }, DENY],
  ['imagePullSecrets', (s) => { s.imagePullSecrets = ['other']; }, DENY],
  ['sidecar env secretKeyRef', driver((d) => { d.sidecars = [{ name: 'side', image: 'busybox', env: [secretEnv('other')] }]; }), DENY],
  ['initContainer envFrom secretRef', executor((e) => { e.initContainers = [{ name: 'init', image: 'busybox', envFrom: [{ secretRef: { name: 'other' } }] }]; }), DENY],
  ['sparkConf driver secrets', conf('spark.kubernetes.driver.secrets.other', '/mnt/s'), DENY],
  ['sparkConf executor secretKeyRef', conf('spark.kubernetes.executor.secretKeyRef.X', 'other:k'), DENY],
  ['driver env secretKeyRef of the tenant\'s storage keys', driver((d) => { d.env = [...d.env, secretEnv('object-store-credentials')]; }), ADMIT],
  ['volumes secret of the tenant\'s storage keys', (s) => { s.volumes = [{ name: 's', secret: { secretName: 'object-store-credentials' } }]; }, ADMIT],
  // Volumes.
  ['volumes hostPath', (s) => { s.volumes = [{ name: 'h', hostPath: { path: '/' } }]; }, DENY],
  ['volumes projected service account token', (s) => { s.volumes = [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }]; }, DENY],
  ['volumes csi', (s) => { s.volumes = [{ name: 'c', csi: { driver: 'x' } }]; }, DENY],
  ['volumes nfs', (s) => { s.volumes = [{ name: 'n', nfs: { server: '10.0.0.1', path: '/' } }]; }, DENY],
  ['volumes emptyDir', (s) => { s.volumes = [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }]; }, ADMIT],
  ['volumes persistentVolumeClaim', (s) => { s.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]; }, ADMIT],
  ['on-demand claim through sparkConf (the storage quota bounds it)', conf('spark.kubernetes.executor.volumes.persistentVolumeClaim.data.options.claimName', 'OnDemand'), ADMIT],
  // Accounts, labels, templates and the rest of the spec.
  ['driver account of another team', driver((d) => { d.serviceAccount = 'team-beta-sa'; }), DENY],
  ['executor runs as the driver account', executor((e) => { e.serviceAccount = 'team-alpha-sa'; }), DENY],
  ['executor template mounts a token', executor((e) => { e.template.spec.automountServiceAccountToken = true; }), DENY],
  ['executor label spark-role driver', executor((e) => { e.labels = { 'spark-role': 'driver' }; }), DENY],
  ['driver label of the dataset loader', driver((d) => { d.labels = { 'app.kubernetes.io/name': 'dataset-loader' }; }), DENY],
  ['executor template label of the platform', executor((e) => { e.template.metadata = { labels: { 'spark-platform.io/tenant': 'team-beta' } }; }), DENY],
  ['metadata label of the operator', (_s, m) => { m.labels = { 'sparkoperator.k8s.io/launched-by-spark-operator': 'false' }; }, DENY],
  ['sparkConf label spark-role', conf('spark.kubernetes.executor.label.spark-role', 'driver'), DENY],
  ['driver template hostNetwork', driver((d) => { d.template.spec.hostNetwork = true; }), DENY],
  ['executor template volumes', executor((e) => { e.template.spec.volumes = [{ name: 'h', hostPath: { path: '/' } }]; }), DENY],
  ['executor template container env', executor((e) => { e.template.spec.containers[0].env = [{ name: 'JAVA_TOOL_OPTIONS', value: '-D' }]; }), DENY],
  ['driver template nodeName', driver((d) => { d.template.spec.nodeName = 'node-1'; }), DENY],
  ['client mode', (s) => { s.mode = 'client'; }, DENY],
  ['proxyUser', (s) => { s.proxyUser = 'root'; }, DENY],
  ['driver.kubernetesMaster', driver((d) => { d.kubernetesMaster = 'https://evil:6443'; }), DENY],
  ['sparkConf namespace', conf('spark.kubernetes.namespace', 'team-beta'), DENY],
  ['sparkConf authenticate', conf('spark.kubernetes.authenticate.driver.serviceAccountName', 'team-beta-sa'), DENY],
  ['sparkConf file upload path', conf('spark.kubernetes.file.upload.path', 's3a://x/'), DENY],
  ['sparkConf kerberos', conf('spark.kerberos.keytab', '/etc/krb5.keytab'), DENY],
  ['sparkConf image', conf('spark.kubernetes.container.image', 'evil'), DENY],
  ['sparkConf master', conf('spark.master', 'k8s://https://evil'), DENY],
  ['hadoopConf secret key', (s) => { s.hadoopConf = { ...s.hadoopConf, 'fs.s3a.secret.key': 'x' }; }, DENY],
  ['sparkUIOptions NodePort', (s) => { s.sparkUIOptions = { serviceType: 'NodePort' }; }, DENY],
  ['driverIngressOptions', (s) => { s.driverIngressOptions = [{ servicePort: 4040, ingressURLFormat: 'x' }]; }, DENY],
  ['driver labels of its own', driver((d) => { d.labels = { ...d.labels, team: 'alpha' }; }), ADMIT],
  ['executor template nodeSelector and tolerations', executor((e) => { e.template.spec.nodeSelector = { pool: 'spark' }; e.template.spec.tolerations = [{ key: 'spark', operator: 'Exists' }]; }), ADMIT],
  ['application nodeSelector', (s) => { s.nodeSelector = { pool: 'spark' }; }, ADMIT],
  ['driver serviceLabels and serviceAnnotations', driver((d) => { d.serviceLabels = { team: 'alpha' }; d.serviceAnnotations = { note: 'x' }; }), ADMIT],
  ['sidecar of its own', driver((d) => { d.sidecars = [{ name: 'side', image: 'busybox' }]; }), ADMIT],
  ['driver hostAliases and dnsConfig', driver((d) => { d.hostAliases = [{ ip: '10.0.0.9', hostnames: ['x'] }]; d.dnsConfig = { options: [{ name: 'ndots', value: '2' }] }; }), ADMIT],
  ['retries, TTL and image pull policy', (s) => { s.failureRetries = 3; s.retryInterval = 10; s.timeToLiveSeconds = 600; s.imagePullPolicy = 'Always'; }, ADMIT],
  ['an image of its own', (s) => { s.image = 'registry.example.org/team-alpha/spark:4.0.0'; }, ADMIT],
  ['tuning confs', (s) => { s.sparkConf = { ...s.sparkConf, 'spark.sql.shuffle.partitions': '8', 'spark.executor.heartbeatInterval': '20s' }; }, ADMIT],
  ['the seed application unchanged', () => undefined, ADMIT],
];

const scheduled = (app: any) => ({ apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'ScheduledSparkApplication', metadata: app.metadata, spec: { schedule: '@hourly', concurrencyPolicy: 'Forbid', template: app.spec } });

describe('hostile SparkApplications and ScheduledSparkApplications of team-alpha against the policies of dist/', () => {
  test.each(applicationCases)('%s: admitted %s as a SparkApplication and as a ScheduledSparkApplication', (_name, patch, admitted) => {
    const app = application(patch);
    const direct = request('sparkapplications', app);
    const viaSchedule = request('scheduledsparkapplications', scheduled(app));
    expect([direct.allowed, viaSchedule.allowed]).toEqual([admitted, admitted]);
    if (!admitted) {
      // Each denial names the policy and says what is wrong.
      expect(direct.denials[0]).toMatch(/^ValidatingAdmissionPolicy 'spark-operator-tenant-sparkapplications' with binding '.*' denied request: \S/);
    }
  });
});

/** An executor pod as Spark 4.0.0 and operator v2.3.0 (webhook applied) make it for the seed job. */
function executorPod(): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'pyspark-pi-test-abc-exec-1',
      namespace: 'team-alpha',
      labels: {
        'spark-role': 'executor', 'spark-app-selector': 'spark-123', 'spark-app-name': 'pyspark-pi-test', 'spark-version': '4.0.0',
        'spark-exec-id': '1', 'spark-exec-resourceprofile-id': '0', 'sparkoperator.k8s.io/app-name': 'pyspark-pi-test',
        'sparkoperator.k8s.io/launched-by-spark-operator': 'true', 'sparkoperator.k8s.io/submission-id': 'abc', 'version': '4.0.0',
      },
      annotations: { 'scheduling.k8s.io/group-name': 'spark-pyspark-pi-test-pg' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'pyspark-pi-test-driver', uid: 'u', controller: true }],
    },
    spec: {
      serviceAccountName: 'team-alpha-executor',
      automountServiceAccountToken: false,
      schedulerName: 'volcano',
      restartPolicy: 'Never',
      containers: [{
        name: 'spark-kubernetes-executor',
        image: 'spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1',
        args: ['executor'],
        env: [
          { name: 'SPARK_DRIVER_URL', value: 'spark://CoarseGrainedScheduler@x:7078' },
          { name: 'SPARK_JAVA_OPT_0', value: '-Dspark.driver.port=7078' },
          { name: 'SPARK_CONF_DIR', value: '/opt/spark/conf' },
          secretEnv('object-store-credentials'),
        ],
        volumeMounts: [{ name: 'spark-conf-volume-exec', mountPath: '/opt/spark/conf' }, { name: 'spark-local-dir-1', mountPath: '/var/data/spark-1' }],
      }],
      volumes: [{ name: 'spark-conf-volume-exec', configMap: { name: 'spark-exec-conf' } }, { name: 'spark-local-dir-1', emptyDir: {} }],
    },
  };
}

const podCases: [string, (pod: any) => void, boolean][] = [
  ['a real executor pod', () => undefined, ADMIT],
  ['a decommissioned executor (spark-exec-inactive)', (p) => { p.metadata.labels['spark-exec-inactive'] = 'true'; }, ADMIT],
  ['an executor of a scheduled run', (p) => { p.metadata.labels['sparkoperator.k8s.io/scheduled-app-name'] = 'nightly'; }, ADMIT],
  ['an executor with the queue annotation of its own queue', (p) => { p.metadata.annotations['scheduling.volcano.sh/queue-name'] = 'team-alpha'; }, ADMIT],
  ['a pod posing as a driver', (p) => { p.metadata.labels['spark-role'] = 'driver'; }, DENY],
  ['a pod without spark-role', (p) => { delete p.metadata.labels['spark-role']; }, DENY],
  ['a pod without labels', (p) => { delete p.metadata.labels; }, DENY],
  ['a pod with the dataset loader\'s labels', (p) => { p.metadata.labels['app.kubernetes.io/name'] = 'dataset-loader'; p.metadata.labels['app.kubernetes.io/instance'] = 'flight-delays-load'; }, DENY],
  ['a pod with the tenant label of another team', (p) => { p.metadata.labels['spark-platform.io/tenant'] = 'team-beta'; }, DENY],
  ['a pod with a History Server\'s label', (p) => { p.metadata.labels['app.kubernetes.io/component'] = 'history-server'; }, DENY],
  ['a pod in another team\'s queue', (p) => { p.metadata.annotations = { 'scheduling.k8s.io/group-name': '', 'scheduling.volcano.sh/queue-name': 'team-beta' }; }, DENY],
  ['a pod with no PodGroup and no queue (Volcano\'s default queue)', (p) => { p.metadata.annotations = {}; }, DENY],
  ['a pod with an empty group name and no queue', (p) => { p.metadata.annotations = { 'scheduling.k8s.io/group-name': '' }; }, DENY],
  ['a pod past Volcano (default scheduler)', (p) => { p.spec.schedulerName = 'default-scheduler'; }, DENY],
  ['a pod with another Volcano annotation', (p) => { p.metadata.annotations['volcano.sh/preemptable'] = 'false'; }, DENY],
  ['a pod placed on a node by name', (p) => { p.spec.nodeName = 'node-1'; }, DENY],
  ['a pod at system-node-critical', (p) => { p.spec.priorityClassName = 'system-node-critical'; }, DENY],
  ['a pod at a class the tenant was not given', (p) => { p.spec.priorityClassName = 'high'; }, DENY],
  ['a pod as the driver account', (p) => { p.spec.serviceAccountName = 'team-alpha-sa'; }, DENY],
  ['a pod with a token', (p) => { p.spec.automountServiceAccountToken = true; }, DENY],
  ['a pod reading another Secret through env', (p) => { p.spec.containers[0].env.push(secretEnv('history-server-credentials')); }, DENY],
  ['a pod reading another Secret through envFrom', (p) => { p.spec.containers[0].envFrom = [{ secretRef: { name: 'other' } }]; }, DENY],
  ['a pod mounting another Secret', (p) => { p.spec.volumes.push({ name: 's', secret: { secretName: 'other' } }); }, DENY],
  ['a pod pulling with another Secret', (p) => { p.spec.imagePullSecrets = [{ name: 'other' }]; }, DENY],
  ['an init container reading another Secret', (p) => { p.spec.initContainers = [{ name: 'i', image: 'busybox', env: [secretEnv('other')] }]; }, DENY],
  ['a pod with a projected token', (p) => { p.spec.volumes.push({ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }); }, DENY],
  ['a pod with a hostPath', (p) => { p.spec.volumes.push({ name: 'h', hostPath: { path: '/' } }); }, DENY],
];

describe('pods that team-alpha\'s driver account creates, against the pod policy of dist/', () => {
  test.each(podCases)('%s: admitted %s', (_name, patch, admitted) => {
    const pod = executorPod();
    patch(pod);
    const result = request('pods', pod, driverAccount);
    expect(result.allowed).toBe(admitted);
    if (!admitted) {
      expect(result.denials[0]).toMatch(/^ValidatingAdmissionPolicy 'spark-operator-tenant-pods' with binding '.*' denied request: \S/);
    }
  });

  test('pods of other creators (the operator\'s controller, the Job controller) are not the pod policy\'s to hold', () => {
    const pod = executorPod();
    pod.metadata.labels['spark-role'] = 'driver';
    expect(request('pods', pod, { username: 'system:serviceaccount:spark-operator:spark-operator-controller', groups: [] }).allowed).toBe(true);
    expect(request('pods', pod, { username: 'system:serviceaccount:kube-system:job-controller', groups: [] }).allowed).toBe(true);
    expect(request('pods', pod, driverAccount).allowed).toBe(false);
  });
});

test('the suite holds at least 120 cases', () => {
  expect(applicationCases.length * 2 + podCases.length).toBeGreaterThanOrEqual(120);
});
