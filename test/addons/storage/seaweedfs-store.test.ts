import { Testing } from 'cdk8s';
import { PodSecurityLevel, SeaweedfsIdentity, SeaweedfsStore, SeaweedfsStoreProps } from '../../../lib';
import { credentialEnv, GENERATED_CREDENTIALS_ANNOTATION, READY_DEPLOYMENTS_ANNOTATION, SEAWEEDFS_CHART_REPO } from '../../../lib/addons/storage/seaweedfs-store';
import { podSecurityViolations } from '../../../lib/core/pod-security';
import { chartValuesProblems } from '../../../lib/core/schema';
import { testWithUpstream, upstreamPath } from '../../support/upstream';
import { appWithChart, ofKind, problemsOf } from '../../support/synth';
import * as fs from 'fs';
import { parse } from 'yaml';

const identities = (team: string): SeaweedfsIdentity[] => [
  { name: `${team}.jobs`, secretNamespace: team, secretName: 'object-store-credentials', read: [team], write: [team] },
  { name: `${team}.history`, secretNamespace: team, secretName: 'object-store-history-credentials', read: [team] },
];
const twoTeams: SeaweedfsStoreProps = {
  buckets: ['team-alpha', 'team-beta'],
  clientNamespaces: ['team-alpha', 'team-beta'],
  identities: [...identities('team-alpha'), ...identities('team-beta')],
};

function store(props: Partial<SeaweedfsStoreProps> = {}) {
  const { app, chart } = appWithChart();
  const s = new SeaweedfsStore(chart, 'Store', { ...twoTeams, ...props });
  return { app, chart, store: s };
}

/** Without the `enabled` switch the chart drops before rendering. */
const rendered = ({ enabled, ...context }: Record<string, unknown>) => (enabled === true ? context : undefined);

describe('SeaweedfsStore', () => {
  test('defaults', () => {
    const { chart } = store();
    expect(ofKind(Testing.synth(chart), 'HelmChart')).toMatchSnapshot();
  });

  test('installs the pinned chart 4.44.0 from its published repository, all-in-one, S3 on 8333 with authentication', () => {
    const { chart, store: s } = store();
    const [helmChart] = ofKind(Testing.synth(chart), 'HelmChart');
    expect(helmChart.spec).toMatchObject({ chart: 'seaweedfs', repo: SEAWEEDFS_CHART_REPO, version: '4.44.0', targetNamespace: 'object-store' });
    const values = parse(helmChart.spec.valuesContent);
    expect(values).toMatchObject({
      image: { tag: '4.44' },
      master: { enabled: false },
      volume: { enabled: false },
      filer: { enabled: false },
      allInOne: { enabled: true, s3: { enabled: true, port: 8333, enableAuth: true, existingConfigSecret: 'seaweedfs-s3-identities' } },
      // Nothing of the store calls the API server: no cluster role, no token.
      global: { seaweedfs: { createClusterRole: false, automountServiceAccountToken: false } },
    });
    // A bucket per client, created by the chart's post-install hook.
    expect(values.allInOne.s3.createBuckets).toEqual([{ name: 'team-alpha' }, { name: 'team-beta' }]);
    // On a persistent volume, which k3s' local-path provisioner gives on k3d.
    expect(values.allInOne.data).toEqual({ type: 'persistentVolumeClaim', size: '10Gi' });
    expect(s.endpoint).toBe('http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333');
    // The values pass the chart's own values schema (which synth checks too).
    expect(chartValuesProblems('seaweedfs', s.values, 'values')).toEqual([]);
    // k3d/platform.sh waits for the server the chart starts.
    expect(helmChart.metadata.annotations[READY_DEPLOYMENTS_ANNOTATION]).toBe('object-store/seaweedfs-all-in-one');
  });

  test('a storage class and size are passed to the chart; the values schema catches what the chart does not take', () => {
    const { store: s } = store({ storageSize: '50Gi', storageClassName: 'fast' });
    expect((s.values.allInOne as any).data).toEqual({ type: 'persistentVolumeClaim', size: '50Gi', storageClass: 'fast' });
    const bad = { ...s.values, allInOne: { ...(s.values.allInOne as object), data: { type: 'nfs' }, podSecurityContext: { enabled: true, runAsUser: 'root' } } };
    const problems = chartValuesProblems('seaweedfs', bad, 'values');
    expect(problems.join('\n')).toMatch(/values\.allInOne\.data\.type/);
    expect(problems.join('\n')).toMatch(/values\.allInOne\.podSecurityContext\.runAsUser/);
  });

  test("the namespace enforces Pod Security restricted, and the chart's server and bucket hook pods meet it", () => {
    const { chart, store: s } = store();
    const [namespace] = ofKind(Testing.synth(chart), 'Namespace');
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.31' });
    const values = s.values as any;
    // The pods as templates/all-in-one/all-in-one-deployment.yaml and shared/post-install-bucket-hook.yaml
    // render them at 4.44: the security contexts from these values, and their volumes.
    const server = {
      securityContext: rendered(values.allInOne.podSecurityContext),
      containers: [{ name: 'seaweedfs', securityContext: rendered(values.allInOne.containerSecurityContext) }],
      volumes: [{ name: 'data', persistentVolumeClaim: {} }, { name: 'config-s3-users', secret: {} }, { name: 'master-config', configMap: {} }],
    };
    const bucketHook = {
      securityContext: rendered(values.filer.podSecurityContext),
      containers: [{ name: 'post-install-job', securityContext: rendered(values.filer.containerSecurityContext) }],
      volumes: [{ name: 'config-users', secret: {} }],
    };
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, server)).toEqual([]);
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, bucketHook)).toEqual([]);
    // Without the filer.* contexts the bucket hook would be rejected, and with it the whole install.
    expect(podSecurityViolations(PodSecurityLevel.RESTRICTED, { containers: [{ name: 'post-install-job' }] })).not.toEqual([]);
    // The hook runs as the namespace's default account, which mounts no token.
    const accounts = ofKind(Testing.synth(chart), 'ServiceAccount');
    expect(accounts).toEqual([expect.objectContaining({ metadata: { name: 'default', namespace: 'object-store' }, automountServiceAccountToken: false })]);
  });

  test('each identity may read, list and write only the buckets it is given; the file names environment variables, never keys', () => {
    const { chart, store: s } = store();
    const config = JSON.parse(ofKind(Testing.synth(chart), 'Secret')[0].stringData.seaweedfs_s3_config);
    expect(config).toEqual(s.identitiesConfig);
    expect(config.identities.map((i: any) => [i.name, i.actions])).toEqual([
      ['team-alpha.jobs', ['Read:team-alpha', 'List:team-alpha', 'Write:team-alpha']],
      ['team-alpha.history', ['Read:team-alpha', 'List:team-alpha']],
      ['team-beta.jobs', ['Read:team-beta', 'List:team-beta', 'Write:team-beta']],
      ['team-beta.history', ['Read:team-beta', 'List:team-beta']],
    ]);
    for (const identity of config.identities) {
      // No Admin action, no action without a bucket: nothing reaches every bucket.
      expect(identity.actions.every((a: string) => /^(Read|List|Write):[a-z0-9-]+$/.test(a))).toBe(true);
      const env = credentialEnv(identity.name);
      expect(identity.credentials).toEqual([{ accessKey: `\${${env.accessKeyId}}`, secretKey: `\${${env.secretAccessKey}}` }]);
    }
  });

  test('the store reads each identity\'s keys from the copy of the Secret that k3d/platform.sh makes of the client\'s', () => {
    const { chart, store: s } = store();
    const [namespace] = ofKind(Testing.synth(chart), 'Namespace');
    const annotation: string = namespace.metadata.annotations[GENERATED_CREDENTIALS_ANNOTATION];
    const copies = Object.fromEntries(annotation.split(' ').map((entry) => entry.split(':')).map(([source, copy]) => [copy, source]));
    expect(copies).toEqual({
      'team-alpha.jobs': 'team-alpha/object-store-credentials',
      'team-alpha.history': 'team-alpha/object-store-history-credentials',
      'team-beta.jobs': 'team-beta/object-store-credentials',
      'team-beta.history': 'team-beta/object-store-history-credentials',
    });
    const env = (s.values.allInOne as any).secretExtraEnvironmentVars;
    for (const identity of s.identitiesConfig.identities) {
      const names = credentialEnv(identity.name);
      // Each variable of the identities file comes from the copy of that identity's Secret.
      expect(env[names.accessKeyId]).toEqual({ secretKeyRef: { name: identity.name, key: 'AWS_ACCESS_KEY_ID' } });
      expect(env[names.secretAccessKey]).toEqual({ secretKeyRef: { name: identity.name, key: 'AWS_SECRET_ACCESS_KEY' } });
      expect(copies[identity.name]).toBeDefined();
    }
    expect(Object.keys(env)).toHaveLength(2 * s.identities.length);
  });
});

describe('SeaweedfsStore bad input', () => {
  test.each<[string, Partial<SeaweedfsStoreProps>, RegExp]>([
    ['no identities', { identities: [] }, /identities is empty: with authentication on, no client could use the store/],
    ['an unknown bucket', { identities: [{ name: 'x', secretNamespace: 'team-alpha', secretName: 's', read: ['team-gamma'] }] }, /identities\[0\]\.read\[0\] "team-gamma" is not a bucket of the store \(team-alpha, team-beta\): add it to buckets or remove it/],
    ['an identity without buckets', { identities: [{ name: 'x', secretNamespace: 'team-alpha', secretName: 's', read: [] }] }, /identities\[0\] "x" may read and write no bucket/],
    ['an identity twice', { identities: [...identities('team-alpha'), identities('team-alpha')[0]] }, /identities lists identity name "team-alpha.jobs" more than once/],
    ['two identities in one variable', {
      identities: [
        { name: 'a-b', secretNamespace: 'team-alpha', secretName: 's', read: ['team-alpha'] },
        { name: 'a.b', secretNamespace: 'team-alpha', secretName: 't', read: ['team-alpha'] },
      ],
    }, /identities\[1\]\.name "a\.b" and "a-b" pass their keys to the store in the same environment variable S3_A_B_ACCESS_KEY_ID: rename one of them/],
    ['an identity name that is no Secret name', { identities: [{ name: 'Team_A', secretNamespace: 'team-alpha', secretName: 's', read: ['team-alpha'] }] }, /identities\[0\]\.name "Team_A" is not a valid RFC 1123 subdomain/],
    ['a bucket twice', { buckets: ['team-alpha', 'team-alpha', 'team-beta'] }, /buckets lists bucket "team-alpha" more than once/],
    ['a bucket name the store refuses', { buckets: ['team-alpha', 'team-beta', 'ab'] }, /buckets\[2\] "ab" is too short for a bucket name: buckets take their tenant's name and need 3 to 63 characters/],
    ['a reserved bucket name', { buckets: ['team-alpha', 'team-beta', 'filemeta'] }, /buckets\[2\] "filemeta" is a bucket name the object store reserves/],
    ['a namespace of Kubernetes', { namespace: 'kube-system' }, /namespace "kube-system" is a namespace of Kubernetes itself/],
    ['a client namespace', { namespace: 'team-alpha' }, /namespace "team-alpha" is also a client namespace/],
    ['a malformed size', { storageSize: '10GB' }, /storageSize "10GB" is not a Kubernetes quantity.*did you mean "10Gi"\?/],
    ['a malformed storage class', { storageClassName: 'Fast SSD' }, /storageClassName "Fast SSD" is not a valid RFC 1123 subdomain/],
  ])('%s', (_, props, message) => {
    const { app } = store(props);
    expect(problemsOf(app)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

testWithUpstream("the commented keys the values schema adds are still only comments in the pinned values.yaml", () => {
  // scripts/compile-validators.js refuses a commented key that values.yaml defines; this says which.
  const values = parse(fs.readFileSync(upstreamPath('seaweedfs', 'values.yaml'), 'utf8'));
  expect(values.allInOne.s3.createBuckets).toBeUndefined();
  expect(fs.readFileSync(upstreamPath('seaweedfs', 'values.yaml'), 'utf8')).toMatch(/# createBuckets:\n\s+#\s+- name: bucket-a/);
});
