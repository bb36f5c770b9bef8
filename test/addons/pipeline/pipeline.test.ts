import { Testing } from 'cdk8s';
import { DatasetFile, DatasetLoader, DatasetLoaderProps, PipelineStorage, PySparkScriptJob, PySparkScriptJobProps, SparkOperatorRelease, TenantNamespace } from '../../../lib';
import { PIPELINE_LABEL } from '../../../lib/addons/pipeline/pipeline-storage';
import { SCRIPT_MOUNT_PATH } from '../../../lib/addons/pipeline/pyspark-script-job';
import { NetworkPolicyEvaluator } from '../../support/network-policy';
import { schemaErrors } from '../../support/schemas';
import { appWithChart, ofKind, problemsOf } from '../../support/synth';

const S3A_IMAGE = 'spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1';

/** A tenant's storage location as a storage add-on hands it over. */
function location(namespace = 'team-alpha'): PipelineStorage {
  return {
    namespace,
    endpoint: 'http://seaweedfs-s3.object-store.svc:8333',
    bucket: namespace,
    credentialsSecret: 'spark-jobs-s3-credentials',
    accessKeyIdKey: 'AWS_ACCESS_KEY_ID',
    secretAccessKeyKey: 'AWS_SECRET_ACCESS_KEY',
    image: S3A_IMAGE,
    hadoopConf: { 'fs.s3a.endpoint': 'http://seaweedfs-s3.object-store.svc:8333', 'fs.s3a.path.style.access': 'true' },
  };
}

const FILE: DatasetFile = {
  name: 'flights.json',
  url: 'https://raw.githubusercontent.com/vega/vega-datasets/4ddef6441f0f6f9c119a571ef8fa0fe37facb65e/data/flights-20k.json',
  sha256: '52f0ddd892d4569284b845e17323abc9afb7d303ec8f63251634a20327a610bb',
  licence: 'U.S. Government Works',
};

/** GIVEN a tenant whose pods may reach the store (as the storage add-on opens it), the operator, and a pipeline. */
function platform(options: { loader?: Partial<DatasetLoaderProps>; job?: Partial<PySparkScriptJobProps>; reachable?: boolean } = {}) {
  const { app, chart } = appWithChart();
  const tenant = new TenantNamespace(chart, 'Alpha', { name: 'team-alpha' });
  if (options.reachable ?? true) {
    tenant.allowEgress('allow-object-store', [{ namespace: 'object-store', ports: [8333] }]);
  }
  new SparkOperatorRelease(chart, 'Operator', { tenants: [tenant] });
  const loader = new DatasetLoader(chart, 'Load', { tenant, storage: location(), name: 'load', prefix: 'datasets/vega', files: [FILE], labels: { [PIPELINE_LABEL]: 'flights' }, ...options.loader });
  const job = new PySparkScriptJob(chart, 'Job', {
    tenant,
    name: 'flights',
    storage: location(),
    pipeline: 'flights',
    script: { fileName: 'flights.py', source: 'print("hello")\n' },
    arguments: [loader.uriOf('flights.json'), 's3a://team-alpha/curated/flights/'],
    ...options.job,
  });
  return { app, chart, tenant, loader, job };
}

describe('DatasetLoader', () => {
  test('a Job that downloads, checks every SHA-256 and only then uploads, with the tenant credentials from the Secret', () => {
    const { app, chart, loader } = platform();
    expect(problemsOf(app)).toEqual([]);
    const docs = Testing.synth(chart);
    expect(docs.flatMap((d) => schemaErrors(d))).toEqual([]);
    const [job] = ofKind(docs, 'Job');
    expect(job.metadata).toMatchObject({ name: 'load', namespace: 'team-alpha', labels: { [PIPELINE_LABEL]: 'flights', 'spark-platform.io/tenant': 'team-alpha' } });
    const pod = job.spec.template.spec;
    const [c] = pod.containers;
    expect(c.image).toBe(S3A_IMAGE);
    // Hadoop's options, "--", the destination, then each file: every value one argument.
    expect(c.args).toEqual([
      '-D', 'fs.s3a.endpoint=http://seaweedfs-s3.object-store.svc:8333', '-D', 'fs.s3a.path.style.access=true', '--',
      's3a://team-alpha/datasets/vega/', FILE.url, FILE.sha256, 'flights.json',
    ]);
    expect(loader.location).toBe('s3a://team-alpha/datasets/vega/');
    expect(loader.uriOf('flights.json')).toBe('s3a://team-alpha/datasets/vega/flights.json');
    const script: string = c.command[2];
    // Checked before anything is uploaded: sha256sum -c in the download loop, the upload after it.
    expect(script.indexOf('sha256sum -c')).toBeGreaterThan(-1);
    expect(script.indexOf('sha256sum -c')).toBeLessThan(script.indexOf('-put'));
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'spark-jobs-s3-credentials', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'spark-jobs-s3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } } },
    ]));
    expect(c.env.find((e: any) => e.name === 'SOURCE').value).toContain(`licence: ${FILE.licence}`);
    // Pod Security restricted, with a read-only root file system and no API token.
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(c.resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
  });

  test('only the loader reaches the internet, over HTTPS, and not the cluster’s private ranges', () => {
    const { chart } = platform();
    const policies = ofKind(Testing.synth(chart), 'NetworkPolicy');
    const net = new NetworkPolicyEvaluator(policies);
    const loaderPod = { namespace: 'team-alpha', labels: { 'app.kubernetes.io/name': 'dataset-loader', 'app.kubernetes.io/instance': 'load', 'spark-platform.io/tenant': 'team-alpha' } };
    const driver = { namespace: 'team-alpha', labels: { 'spark-role': 'driver' } };
    const github = { ip: '185.199.108.133' };
    expect(net.egressAllows({ from: loaderPod, to: github, port: 443 })).toBe(true);
    expect(net.egressAllows({ from: loaderPod, to: github, port: 80 })).toBe(false);
    expect(net.egressAllows({ from: loaderPod, to: { ip: '10.42.0.7' }, port: 443 })).toBe(false);
    expect(net.egressAllows({ from: loaderPod, to: { ip: '172.28.0.2' }, port: 443 })).toBe(false);
    expect(net.egressAllows({ from: driver, to: github, port: 443 })).toBe(false);
    // and the store, as every pod of the tenant
    expect(net.egressAllows({ from: loaderPod, to: { namespace: 'object-store', labels: {} }, port: 8333 })).toBe(true);
  });

  test('bad input: every problem named with its fix, together', () => {
    const { app } = platform({
      loader: {
        name: 'Load!',
        prefix: '/datasets/',
        files: [
          { name: '.hidden', url: 'http://example.com/f', sha256: 'abc', licence: ' ' },
          { ...FILE, name: 'a.csv' },
          { ...FILE, name: 'a.csv' },
        ],
      },
    });
    const problems = problemsOf(app).join('\n');
    expect(problems).toContain('name "Load!" is not a valid RFC 1123 label');
    expect(problems).toContain('prefix "/datasets/" is not a folder path: use lower-case segments separated by "/"');
    expect(problems).toContain('files[0].url "http://example.com/f" is not an https URL of a file');
    expect(problems).toContain('files[0].sha256 "abc" is not a SHA-256: give the 64 lower-case hex digits');
    expect(problems).toContain('files[0].name ".hidden" is not a plain object name');
    expect(problems).toContain('files[0].licence is empty: state the licence');
    expect(problems).toContain('files[2].name "a.csv" is given twice');
    // the job asked for a file the loader does not load
    expect(problems).toContain('uriOf("flights.json") names no file of this loader: use one of ".hidden", "a.csv", "a.csv"');
  });

  test('no files and another tenant’s location are refused; a Hadoop conf with spaces stays one argument', () => {
    const { app: a } = platform({ loader: { files: [] }, job: { arguments: [] } });
    expect(problemsOf(a).join('\n')).toContain('files is empty: give at least one file to load');
    const { app: b } = platform({ loader: { storage: location('team-beta') } });
    expect(problemsOf(b).join('\n')).toContain('storage is the location of namespace team-beta, not of the tenant team-alpha');
    const { app: c, chart } = platform({ loader: { storage: { ...location(), hadoopConf: { 'fs.s3a.x': 'a b' } } } });
    expect(problemsOf(c)).toEqual([]);
    expect(ofKind(Testing.synth(chart), 'Job')[0].spec.template.spec.containers[0].args.slice(0, 3)).toEqual(['-D', 'fs.s3a.x=a b', '--']);
  });

  test('a tenant whose pods cannot reach the store is a synth error, for the loader and the job', () => {
    const { app } = platform({ reachable: false });
    const problems = problemsOf(app);
    const unreachable = problems.filter((p) => p.includes('may not reach the object store at http://seaweedfs-s3.object-store.svc:8333 (namespace object-store, port 8333)'));
    expect(unreachable).toHaveLength(2);
    expect(unreachable[0]).toContain('enable the storage add-on for the tenant, or open it with tenant.allowEgress()');
  });

  test('an endpoint outside the cluster cannot be checked and is refused', () => {
    const { app } = platform({ loader: { storage: { ...location(), endpoint: 'https://s3.example.com' } } });
    expect(problemsOf(app).join('\n')).toContain('storage.endpoint "https://s3.example.com" is not a Service in the cluster');
  });
});

describe('PySparkScriptJob', () => {
  test('the script in a ConfigMap mounted into the driver, run as local:// on the storage image', () => {
    const { app, chart, job } = platform();
    expect(problemsOf(app)).toEqual([]);
    const docs = Testing.synth(chart);
    const cm = ofKind(docs, 'ConfigMap').find((d) => d.metadata.name === 'flights-script');
    expect(cm.data).toEqual({ 'flights.py': 'print("hello")\n' });
    expect(cm.metadata.labels).toMatchObject({ [PIPELINE_LABEL]: 'flights' });
    expect(cm.metadata.annotations).toEqual({ 'spark-platform.io/spark-application': 'flights' });
    const [sa] = ofKind(docs, 'SparkApplication');
    expect(schemaErrors(sa)).toEqual([]);
    expect(sa.spec).toMatchObject({
      type: 'Python',
      mode: 'cluster',
      image: S3A_IMAGE,
      sparkVersion: '4.0.0',
      mainApplicationFile: `local://${SCRIPT_MOUNT_PATH}/flights.py`,
      arguments: ['s3a://team-alpha/datasets/vega/flights.json', 's3a://team-alpha/curated/flights/'],
      driver: { configMaps: [{ name: 'flights-script', path: SCRIPT_MOUNT_PATH }], serviceAccount: 'team-alpha-sa' },
    });
    expect(job.script.applicationFile).toBe('local:///opt/pipeline/flights.py');
  });

  test('bad input: file name, empty or oversized script, version that is not the image’s', () => {
    const { app } = platform({ job: { script: { fileName: 'run.sh', source: '  ' }, sparkVersion: '3.5.0' } });
    const problems = problemsOf(app).join('\n');
    expect(problems).toContain('script.fileName "run.sh" is not the name of a Python file');
    expect(problems).toContain("script.source is empty: give the program's text");
    expect(problems).toContain(`sparkVersion 3.5.0 does not match image "${S3A_IMAGE}" (Spark 4.0.0)`);
    const { app: big } = platform({ job: { script: { fileName: 'big.py', source: '#'.repeat(1024 * 1024 + 1) } } });
    expect(problemsOf(big).join('\n')).toContain('script.source is 1048577 bytes, more than the 1048576 a ConfigMap holds');
  });
});
