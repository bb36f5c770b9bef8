import { Testing } from 'cdk8s';
import { PodSecurityLevel, SparkJob, SparkPiJob, SparkPiLanguage, TenantNamespace } from '../../lib';
import { POD_SECURITY_VERSION, PodSecurityInput, podSecurityViolations } from '../../lib/core/pod-security';
import { sparkPods } from '../../lib/jobs/spark-pods';
import { HARDENED_SECURITY_CONTEXT } from '../../lib/jobs/spark-spec';
import { SparkApplicationSpec, SparkApplicationSpecType } from '../../imports/sparkoperator.k8s.io';
import { distDocs } from '../support/dist-docs';
import { appWithChart, problemsOf } from '../support/synth';

const { BASELINE, RESTRICTED, PRIVILEGED } = PodSecurityLevel;

/** A pod that the restricted level admits: the Spark image's non-root user, everything dropped. */
const HARDENED = {
  runAsNonRoot: true,
  runAsUser: 185,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const compliant = (): PodSecurityInput => ({
  containers: [{ name: 'main', securityContext: { ...HARDENED } }],
  volumes: [{ name: 'scratch', emptyDir: {} } as { name: string }],
});
const withContainer = (securityContext: object, extra: object = {}): PodSecurityInput =>
  ({ ...compliant(), containers: [{ name: 'main', securityContext: { ...HARDENED, ...securityContext }, ...extra }] });
const withPod = (extra: object): PodSecurityInput => ({ ...compliant(), ...extra });
const withVolume = (source: object): PodSecurityInput => ({ ...compliant(), volumes: [{ name: 'v', ...source }] });
const fields = (level: PodSecurityLevel, pod: PodSecurityInput) => podSecurityViolations(level, pod).map((v) => v.field);

describe('podSecurityViolations, against the Pod Security Standards v1.31 controls', () => {
  test('a hardened pod passes every level', () => {
    for (const level of [PRIVILEGED, BASELINE, RESTRICTED]) {
      expect(podSecurityViolations(level, compliant())).toEqual([]);
    }
  });

  // Each row: a pod that breaks (or, with [] [], keeps) one control, and the fields each level reports.
  test.each<[string, PodSecurityInput, string[], string[]]>([
    // baseline controls, which restricted includes
    ['HostProcess', withPod({ securityContext: { windowsOptions: { hostProcess: true } } }), ['securityContext.windowsOptions.hostProcess'], ['securityContext.windowsOptions.hostProcess']],
    ['host network', withPod({ hostNetwork: true }), ['hostNetwork'], ['hostNetwork']],
    ['host PID', withPod({ hostPID: true }), ['hostPID'], ['hostPID']],
    ['host IPC', withPod({ hostIPC: true }), ['hostIPC'], ['hostIPC']],
    ['privileged container', withContainer({ privileged: true }), ['containers[0].securityContext.privileged'], ['containers[0].securityContext.privileged']],
    ['privileged init container', { ...compliant(), initContainers: [{ name: 'init', securityContext: { ...HARDENED, privileged: true } }] }, ['initContainers[0].securityContext.privileged'], ['initContainers[0].securityContext.privileged']],
    ['privileged ephemeral container', { ...compliant(), ephemeralContainers: [{ name: 'debug', securityContext: { ...HARDENED, privileged: true } }] }, ['ephemeralContainers[0].securityContext.privileged'], ['ephemeralContainers[0].securityContext.privileged']],
    ['SYS_ADMIN added', withContainer({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }), ['containers[0].securityContext.capabilities.add'], ['containers[0].securityContext.capabilities.add']],
    ['CHOWN added (baseline allows it)', withContainer({ capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), [], ['containers[0].securityContext.capabilities.add']],
    ['NET_BIND_SERVICE added', withContainer({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), [], []],
    ['hostPath volume', withVolume({ hostPath: { path: '/var/run' } }), ['volumes[0].hostPath'], ['volumes[0].hostPath']],
    ['host port', withContainer({}, { ports: [{ containerPort: 80, hostPort: 8080 }] }), ['containers[0].ports[0].hostPort'], ['containers[0].ports[0].hostPort']],
    ['host port 0', withContainer({}, { ports: [{ containerPort: 80, hostPort: 0 }] }), [], []],
    ['AppArmor Unconfined', withContainer({ appArmorProfile: { type: 'Unconfined' } }), ['containers[0].securityContext.appArmorProfile.type'], ['containers[0].securityContext.appArmorProfile.type']],
    ['AppArmor annotation unconfined', withPod({ annotations: { 'container.apparmor.security.beta.kubernetes.io/main': 'unconfined' } }), ['annotations["container.apparmor.security.beta.kubernetes.io/main"]'], ['annotations["container.apparmor.security.beta.kubernetes.io/main"]']],
    ['AppArmor annotation localhost', withPod({ annotations: { 'container.apparmor.security.beta.kubernetes.io/main': 'localhost/spark' } }), [], []],
    ['SELinux type spc_t', withPod({ securityContext: { seLinuxOptions: { type: 'spc_t' } } }), ['securityContext.seLinuxOptions.type'], ['securityContext.seLinuxOptions.type']],
    ['SELinux type container_engine_t (v1.31)', withContainer({ seLinuxOptions: { type: 'container_engine_t', level: 's0:c1' } }), [], []],
    ['SELinux user', withContainer({ seLinuxOptions: { user: 'system_u' } }), ['containers[0].securityContext.seLinuxOptions.user'], ['containers[0].securityContext.seLinuxOptions.user']],
    ['/proc unmasked', withContainer({ procMount: 'Unmasked' }), ['containers[0].securityContext.procMount'], ['containers[0].securityContext.procMount']],
    ['seccomp Unconfined', withContainer({ seccompProfile: { type: 'Unconfined' } }), ['containers[0].securityContext.seccompProfile.type'], ['containers[0].securityContext.seccompProfile.type']],
    ['unsafe sysctl', withPod({ securityContext: { sysctls: [{ name: 'kernel.msgmax' }] } }), ['securityContext.sysctls[0].name'], ['securityContext.sysctls[0].name']],
    ['safe sysctl', withPod({ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time' }] } }), [], []],
    // restricted controls
    ['nfs volume', withVolume({ nfs: { server: 'nas', path: '/' } }), [], ['volumes[0].nfs']],
    ['gitRepo volume', withVolume({ gitRepo: { repository: 'x' } }), [], ['volumes[0].gitRepo']],
    ['allowed volume types', { ...compliant(), volumes: ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'].map((t) => ({ name: t, [t]: {} })) }, [], []],
    ['privilege escalation unset', withContainer({ allowPrivilegeEscalation: undefined }), [], ['containers[0].securityContext.allowPrivilegeEscalation']],
    ['privilege escalation allowed', withContainer({ allowPrivilegeEscalation: true }), [], ['containers[0].securityContext.allowPrivilegeEscalation']],
    ['runAsNonRoot unset everywhere', withContainer({ runAsNonRoot: undefined }), [], ['containers[0].securityContext.runAsNonRoot']],
    ['runAsNonRoot on the pod only', { ...withContainer({ runAsNonRoot: undefined }), securityContext: { runAsNonRoot: true } }, [], []],
    ['runAsNonRoot false on the container despite the pod', { ...withContainer({ runAsNonRoot: false }), securityContext: { runAsNonRoot: true } }, [], ['containers[0].securityContext.runAsNonRoot']],
    ['runAsNonRoot false on the pod', withPod({ securityContext: { runAsNonRoot: false } }), [], ['securityContext.runAsNonRoot']],
    ['root uid on the container', withContainer({ runAsUser: 0 }), [], ['containers[0].securityContext.runAsUser']],
    ['root uid on the pod', withPod({ securityContext: { runAsUser: 0 } }), [], ['securityContext.runAsUser']],
    ['seccomp unset everywhere', withContainer({ seccompProfile: undefined }), [], ['containers[0].securityContext.seccompProfile.type']],
    ['seccomp on the pod only', { ...withContainer({ seccompProfile: undefined }), securityContext: { seccompProfile: { type: 'Localhost' } } }, [], []],
    ['capabilities not dropped', withContainer({ capabilities: undefined }), [], ['containers[0].securityContext.capabilities.drop']],
    ['some capabilities dropped', withContainer({ capabilities: { drop: ['NET_RAW'] } }), [], ['containers[0].securityContext.capabilities.drop']],
  ])('%s', (_name, pod, baseline, restricted) => {
    expect(fields(BASELINE, pod)).toEqual(baseline);
    expect(fields(RESTRICTED, pod)).toEqual(restricted);
    expect(podSecurityViolations(PRIVILEGED, pod)).toEqual([]);
  });

  test('a pod with no security context at all passes baseline, and restricted names every missing field', () => {
    const bare: PodSecurityInput = { containers: [{ name: 'main' }] };
    expect(fields(BASELINE, bare)).toEqual([]);
    expect(fields(RESTRICTED, bare)).toEqual([
      'containers[0].securityContext.allowPrivilegeEscalation',
      'containers[0].securityContext.runAsNonRoot',
      'containers[0].securityContext.seccompProfile.type',
      'containers[0].securityContext.capabilities.drop',
    ]);
  });

  test('Windows pods are exempt from the Linux-only controls but not from running as non-root', () => {
    const windows: PodSecurityInput = { os: { name: 'windows' }, containers: [{ name: 'main' }] };
    expect(fields(RESTRICTED, windows)).toEqual(['containers[0].securityContext.runAsNonRoot']);
  });

  test('each violation says what is allowed and how to fix it', () => {
    const [v] = podSecurityViolations(RESTRICTED, withContainer({ runAsUser: 0 }));
    expect(v).toEqual({
      control: 'Running as Non-root user',
      field: 'containers[0].securityContext.runAsUser',
      value: 0,
      allowed: 'a non-zero uid or unset',
      fix: expect.stringMatching(/non-zero uid, such as 185/),
    });
  });
});

describe('sparkPods', () => {
  const spec = (patch: Partial<SparkApplicationSpec> = {}): SparkApplicationSpec => ({
    type: SparkApplicationSpecType.SCALA,
    sparkVersion: '4.0.0',
    mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
    driver: { securityContext: HARDENED_SECURITY_CONTEXT },
    executor: { securityContext: HARDENED_SECURITY_CONTEXT },
    ...patch,
  });

  test("builds the driver and executor pods with the spec's security context and the volumes Spark adds", () => {
    const [driver, executor] = sparkPods(spec());
    expect(driver.role).toBe('driver');
    expect(driver.pod.containers).toEqual([{ name: 'spark-kubernetes-driver', securityContext: HARDENED_SECURITY_CONTEXT }]);
    expect(executor.pod.containers![0].name).toBe('spark-kubernetes-executor');
    expect(driver.pod.volumes!.map((v) => Object.keys(v).find((k) => k !== 'name'))).toEqual(['emptyDir', 'configMap', 'projected']);
    expect(driver.sourceOf('containers[0].securityContext.runAsUser')).toBe('driver.securityContext.runAsUser');
    expect(executor.sourceOf('securityContext.runAsUser')).toBe('executor.podSecurityContext.runAsUser');
  });

  test('adds what the operator webhook adds: sidecars, init containers, mounted volumes, host network, pod security context', () => {
    const [driver, executor] = sparkPods(spec({
      volumes: [{ name: 'data', hostPath: { path: '/data' } }, { name: 'unused', nfs: { server: 'nas', path: '/' } }],
      driver: {
        securityContext: HARDENED_SECURITY_CONTEXT,
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        sidecars: [{ name: 'log-shipper', image: 'fluent-bit' }],
        initContainers: [{ name: 'fetch', image: 'busybox' }],
        hostNetwork: true,
        podSecurityContext: { runAsUser: 0 },
      },
    }));
    expect(driver.pod.containers!.map((c) => c.name)).toEqual(['spark-kubernetes-driver', 'log-shipper']);
    expect(driver.pod.initContainers!.map((c) => c.name)).toEqual(['fetch']);
    expect(driver.pod.volumes!.map((v) => v.name)).toContain('data');
    expect(driver.pod.volumes!.map((v) => v.name)).not.toContain('unused');
    expect(executor.pod.volumes!.map((v) => v.name)).not.toContain('data');
    expect(driver.pod.hostNetwork).toBe(true);
    expect(driver.pod.securityContext).toEqual({ runAsUser: 0 });
    expect(driver.sourceOf('containers[1].securityContext.privileged')).toBe('driver.sidecars[0].securityContext.privileged');
    expect(driver.sourceOf('initContainers[0].securityContext.runAsNonRoot')).toBe('driver.initContainers[0].securityContext.runAsNonRoot');
    expect(driver.sourceOf('volumes[3].hostPath')).toBe('volumes[0].hostPath');
    expect(driver.sourceOf('hostNetwork')).toBe('driver.hostNetwork');
  });

  test('takes volumes declared in sparkConf and the pod template into account', () => {
    const [driver, executor] = sparkPods(spec({
      sparkConf: { 'spark.kubernetes.executor.volumes.hostPath.shuffle.mount.path': '/shuffle' },
      driver: {
        securityContext: HARDENED_SECURITY_CONTEXT,
        template: { spec: { hostPID: true, volumes: [{ name: 'cache', nfs: { server: 'nas', path: '/' } }], containers: [{ name: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] } },
      },
    }));
    expect(executor.pod.volumes).toContainEqual({ name: 'shuffle', hostPath: {} });
    expect(executor.sourceOf('volumes[3].hostPath')).toBe('sparkConf["spark.kubernetes.executor.volumes.hostPath.shuffle.mount.path"].hostPath');
    expect(driver.pod.hostPID).toBe(true);
    expect(driver.sourceOf('volumes[0].nfs')).toBe('driver.template.spec.volumes[0].nfs');
    expect(driver.sourceOf('containers[0].ports[0].hostPort')).toBe('driver.template.spec.containers[0].ports[0].hostPort');
  });
});

describe('the SparkApplications of dist/', () => {
  const docs = distDocs();
  const apps = docs.filter((d) => d.kind === 'SparkApplication');

  test.each(apps.map((a) => [`${a.metadata.namespace}/${a.metadata.name}`, a]))('%s: its pods satisfy the level its namespace enforces', (_name, app) => {
    const namespace = docs.find((d) => d.kind === 'Namespace' && d.metadata.name === app.metadata.namespace);
    const labels = namespace.metadata.labels;
    // The namespace enforces restricted, at the version whose rules podSecurityViolations implements.
    expect(labels['pod-security.kubernetes.io/enforce']).toBe(RESTRICTED);
    expect(labels['pod-security.kubernetes.io/enforce-version']).toBe(POD_SECURITY_VERSION);
    expect(POD_SECURITY_VERSION).toBe('v1.31');
    const pods = sparkPods(app.spec);
    expect(pods.map((p) => p.role)).toEqual(['driver', 'executor']);
    for (const { pod } of pods) {
      expect(podSecurityViolations(labels['pod-security.kubernetes.io/enforce'], pod)).toEqual([]);
      // What the issue asks of every Spark pod, field by field.
      const sc = pod.containers![0].securityContext!;
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.runAsUser).toBe(185);
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.capabilities).toEqual({ drop: ['ALL'] });
      expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    }
  });
});

describe('SparkJob in a tenant that enforces a pod security level', () => {
  const job = (level: PodSecurityLevel | undefined, driver: object, extra: Partial<SparkApplicationSpec> = {}) => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Tenant', { name: 'team-alpha', podSecurity: level });
    new SparkJob(chart, 'Job', {
      tenant,
      name: 'etl',
      spec: {
        type: SparkApplicationSpecType.SCALA,
        mainClass: 'org.apache.spark.examples.SparkPi',
        sparkVersion: '4.0.0',
        mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
        driver: { cores: 1, coreLimit: '1', ...driver },
        executor: { cores: 1, coreLimit: '1', instances: 1 },
        ...extra,
      },
    });
    return { app, chart };
  };

  test('the default hardened security context passes restricted', () => {
    const { app } = job(undefined, {});
    expect(problemsOf(app)).toEqual([]);
  });

  test('a root driver fails restricted synth with the path, the level and the fix', () => {
    const { app } = job(RESTRICTED, { securityContext: { ...HARDENED_SECURITY_CONTEXT, runAsUser: 0 } });
    expect(problemsOf(app)).toEqual([
      '[test/Job] driver.securityContext.runAsUser 0 is not allowed by the pod security level restricted of team-alpha (running as non-root user: a non-zero uid or unset), so the API server would reject the driver pod: run as a non-zero uid, such as 185 for the apache/spark image, or leave driver.securityContext unset to get HARDENED_SECURITY_CONTEXT',
    ]);
  });

  test('a privileged driver fails baseline too, but root alone passes baseline', () => {
    const privileged = job(BASELINE, { securityContext: { privileged: true, runAsUser: 0 } });
    expect(problemsOf(privileged.app)).toEqual([
      expect.stringMatching(/^\[test\/Job\] driver\.securityContext\.privileged true is not allowed by the pod security level baseline of team-alpha .*: remove privileged: true/),
    ]);
    expect(problemsOf(job(BASELINE, { securityContext: { runAsUser: 0 } }).app)).toEqual([]);
    expect(problemsOf(job(PRIVILEGED, { securityContext: { privileged: true }, hostNetwork: true }).app)).toEqual([]);
  });

  test('a partial security context names each missing field', () => {
    const { app } = job(RESTRICTED, { securityContext: { runAsUser: 1000, runAsNonRoot: true } });
    expect(problemsOf(app)).toEqual([
      expect.stringMatching(/^\[test\/Job\] driver\.securityContext\.allowPrivilegeEscalation is not set, which is not allowed .*: set allowPrivilegeEscalation: false/),
      // seccompProfile is not reported: the hardened pod template sets RuntimeDefault for the whole pod.
      expect.stringMatching(/driver\.securityContext\.capabilities\.drop is not set, .*: set capabilities\.drop: \[ALL\]/),
    ]);
  });

  test('sidecars, host network and hostPath volumes from sparkConf are checked where they come from', () => {
    const { app } = job(RESTRICTED, { hostNetwork: true, sidecars: [{ name: 'proxy', image: 'envoy', securityContext: { ...HARDENED_SECURITY_CONTEXT, privileged: true } }] }, {
      sparkConf: { 'spark.kubernetes.driver.volumes.hostPath.scratch.mount.path': '/scratch' },
    });
    const problems = problemsOf(app);
    expect(problems).toEqual([
      // A hostPath volume conf is not a conf tenants may set at all, besides breaking pod security.
      expect.stringMatching(/^\[test\/Job\] sparkConf\["spark\.kubernetes\.driver\.volumes\.hostPath\.scratch\.mount\.path"\] is not a conf tenants may set/),
      expect.stringMatching(/^\[test\/Job\] driver\.hostNetwork true is not allowed .*: remove hostNetwork/),
      expect.stringMatching(/^\[test\/Job\] driver\.sidecars\[0\]\.securityContext\.privileged true is not allowed/),
      expect.stringMatching(/^\[test\/Job\] sparkConf\["spark\.kubernetes\.driver\.volumes\.hostPath\.scratch\.mount\.path"\]\.hostPath \{\} is not allowed .*: replace hostPath volume "scratch" with an emptyDir/),
    ]);
  });

  test('a volume both pods mount is reported once', () => {
    const { app } = job(RESTRICTED, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }, {
      volumes: [{ name: 'data', nfs: { server: 'nas', path: '/' } }],
      executor: { cores: 1, coreLimit: '1', instances: 1, volumeMounts: [{ name: 'data', mountPath: '/data' }] },
    });
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[test\/Job\] volumes\[0\]\.nfs .* is not allowed by the pod security level restricted .*reject the driver and executor pods: replace nfs volume "data" with a persistentVolumeClaim/)]);
  });

  test('the SparkPi jobs pass the default restricted level of a tenant', () => {
    const { app, chart } = appWithChart();
    const tenant = new TenantNamespace(chart, 'Tenant', { name: 'team-alpha' });
    new SparkPiJob(chart, 'Py', { tenant, language: SparkPiLanguage.PYTHON });
    new SparkPiJob(chart, 'Scala', { tenant, language: SparkPiLanguage.SCALA });
    expect(problemsOf(app)).toEqual([]);
    expect(Testing.synth(chart).length).toBeGreaterThan(0);
  });
});
