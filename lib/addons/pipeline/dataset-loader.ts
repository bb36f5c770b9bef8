import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from '../../core/app';
import { declareApplySteps } from '../../core/apply-plan';
import { dnsLabelProblem } from '../../core/names';
import { Problems } from '../../core/problems';
import { FSSHELL, hadoopGenericOptions, TenantScriptJob } from '../../jobs/tenant-script-job';
import { TENANT_LABEL, TenantNamespace } from '../../tenancy/tenant-namespace';
import { NON_INTERNET_RANGES } from '../../tenancy/tenant-network';
import { PIPELINE_LABEL, PipelineStorage, storageReachProblem } from './pipeline-storage';

/** One file of a public dataset, pinned by its checksum. */
export interface DatasetFile {
  /** Where to download it: an https URL of a fixed version (a tag or commit), never a moving branch. */
  readonly url: string;
  /** Its SHA-256, 64 hex digits; the Job uploads nothing unless every file matches. */
  readonly sha256: string;
  /** Its object name under the loader's prefix, for example `flights-20k.json`. */
  readonly name: string;
  /** Its licence, as its publisher states it; written beside the data in SOURCE.txt. */
  readonly licence: string;
}

export interface DatasetLoaderProps {
  /** The tenant whose bucket receives the data; the Job runs in its namespace, under its quota. */
  readonly tenant: TenantNamespace;
  /** Where the tenant's data lives (for example the storage add-on's `locationOf(tenant)`). */
  readonly storage: PipelineStorage;
  /** The files, downloaded and checked before any is uploaded. */
  readonly files: DatasetFile[];
  /** The folder in the bucket, for example `datasets/vega`; the files land in `s3a://<bucket>/<prefix>/<name>`. */
  readonly prefix: string;
  /** The Job's name, an RFC 1123 label. */
  readonly name: string;
  /**
   * Labels of the Job and its pod, besides the tenant's and the app's.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** How many times the upload is tried, 5 seconds apart, while the store or the bucket is not there yet. */
export const DATASET_UPLOAD_ATTEMPTS = 60;

/**
 * The address ranges a loader may download from: anywhere on the internet over HTTPS, but none of
 * the ranges that are not on the internet: the private ranges where the cluster's own pods,
 * services and nodes live, link-local (a cloud's metadata endpoint), shared and reserved ranges.
 */
export const PUBLIC_HTTPS_EGRESS = { cidr: '0.0.0.0/0', except: [...NON_INTERNET_RANGES], ports: [443] };

const SHA256 = /^[0-9a-f]{64}$/;
const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PREFIX = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/**
 * A Job that loads a public dataset into a tenant's bucket: it downloads each file from its pinned
 * URL, checks every file's SHA-256, and only then uploads them with Hadoop's S3A client (the image
 * of the tenant's jobs), with a SOURCE.txt naming each file's URL, checksum and licence. A file that
 * does not match fails the Job and nothing is uploaded. The upload retries while the store comes
 * up; the Job is idempotent and gone ten minutes after it finishes, so applying again reloads.
 *
 * Its NetworkPolicy opens the internet to its pod only, over HTTPS only and none of the ranges that
 * are not on the internet (NON_INTERNET_RANGES); the policy selects the pod by labels that the
 * tenant admission policies keep the tenant's Spark pods from taking (RESERVED_POD_LABEL); it
 * meets the Pod Security level `restricted` with a read-only root file system, and its credentials
 * come from the tenant's Secret. Synth checks that the tenant's pods may reach the store.
 */
export class DatasetLoader extends Construct {
  /**
   * The label that puts a loader in a pipeline (`labels: { [DatasetLoader.PIPELINE_LABEL]: name }`),
   * as a PySparkScriptJob's `pipeline` prop does: the loader is applied before the pipeline's jobs.
   */
  public static readonly PIPELINE_LABEL = PIPELINE_LABEL;

  /** The Job. */
  public readonly job: k8s.KubeJob;
  /** The folder the files land in, `s3a://<bucket>/<prefix>/`. */
  public readonly location: string;
  private readonly files: DatasetFile[];
  private readonly problems: Problems;

  constructor(scope: Construct, id: string, props: DatasetLoaderProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.problems = problems;
    const { tenant, storage } = props;
    this.files = props.files;
    problems.add(dnsLabelProblem(props.name, 'name'));
    if (storage.namespace !== tenant.namespaceName) {
      problems.add(`storage is the location of namespace ${storage.namespace}, not of the tenant ${tenant.namespaceName}: pass the tenant's own location, for example storage.locationOf(tenant)`);
    }
    if (!PREFIX.test(props.prefix)) {
      problems.add(`prefix "${props.prefix}" is not a folder path: use lower-case segments separated by "/", without leading or trailing "/", for example "datasets/vega"`);
    }
    if (props.files.length === 0) {
      problems.add('files is empty: give at least one file to load');
    }
    const seen = new Set<string>();
    props.files.forEach((file, i) => {
      const at = `files[${i}]`;
      if (!/^https:\/\/[^/\s]+\/\S+$/.test(file.url)) {
        problems.add(`${at}.url "${file.url}" is not an https URL of a file: download over HTTPS from a pinned version, for example a tag or commit URL`);
      }
      if (!SHA256.test(file.sha256)) {
        problems.add(`${at}.sha256 "${file.sha256}" is not a SHA-256: give the 64 lower-case hex digits that sha256sum prints for the file`);
      }
      if (!OBJECT_NAME.test(file.name) || file.name === 'SOURCE.txt') {
        problems.add(`${at}.name "${file.name}" is not a plain object name: use letters, digits, ".", "_" and "-", not starting with "." (SOURCE.txt is the loader's own)`);
      } else if (seen.has(file.name)) {
        problems.add(`${at}.name "${file.name}" is given twice: each file needs its own name`);
      }
      seen.add(file.name);
      if (file.licence.trim() === '') {
        problems.add(`${at}.licence is empty: state the licence its publisher gives, so that its users know the terms`);
      }
    });
    this.location = `s3a://${storage.bucket}/${props.prefix}/`;

    const labels = { ...props.labels, 'app.kubernetes.io/name': 'dataset-loader', 'app.kubernetes.io/instance': props.name, [TENANT_LABEL]: tenant.namespaceName };
    tenant.allowEgress(`${props.name}-downloads`, [PUBLIC_HTTPS_EGRESS], { 'app.kubernetes.io/name': 'dataset-loader', 'app.kubernetes.io/instance': props.name });

    const source = props.files.map((f) => `${f.name}\n  url: ${f.url}\n  sha256: ${f.sha256}\n  licence: ${f.licence}\n`).join('\n');
    // bash -c SCRIPT NAME ARGS...: Hadoop's -D options up to "--", the destination, then each file
    // as url, sha256, name: separate words, whatever they hold.
    const script = [
      'set -eu',
      'conf=()',
      'while [ "$1" != -- ]; do conf+=("$1"); shift; done; shift',
      'dest=$1; shift',
      'mkdir -p /tmp/data && cd /tmp/data',
      'names=()',
      'while [ $# -gt 0 ]; do',
      '  url=$1; sha=$2; name=$3; shift 3',
      '  echo "downloading $name from $url"',
      '  wget -q --tries=5 --timeout=60 -O "$name" "$url"',
      '  echo "$sha  $name" | sha256sum -c - || { echo "$name does not have the pinned SHA-256 $sha: nothing uploaded" >&2; exit 1; }',
      '  names+=("$name")',
      'done',
      'printf "%s" "$SOURCE" > SOURCE.txt',
      `hadoop() { ${FSSHELL} "\${conf[@]}" "$@"; }`,
      `for attempt in $(seq 1 ${DATASET_UPLOAD_ATTEMPTS}); do`,
      '  if hadoop -mkdir -p "$dest" && hadoop -put -f "${names[@]}" SOURCE.txt "$dest"; then',
      '    echo "loaded ${names[*]} into $dest"; exit 0',
      '  fi',
      '  echo "attempt $attempt: the object store did not take the files; trying again in 5s" >&2',
      '  sleep 5',
      'done',
      'exit 1',
    ].join('\n');
    this.job = new TenantScriptJob(this, 'Resource', {
      tenant,
      name: props.name,
      labels,
      image: storage.image,
      container: 'load',
      script,
      args: [...hadoopGenericOptions(storage.hadoopConf), '--', this.location, ...props.files.flatMap((f) => [f.url, f.sha256, f.name])],
      env: [
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: storage.credentialsSecret, key: storage.accessKeyIdKey } } },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: storage.credentialsSecret, key: storage.secretAccessKeyKey } } },
        { name: 'SOURCE', value: source },
      ],
      tmpSize: '1Gi',
    });
    this.node.addValidation({ validate: () => [storageReachProblem(tenant, storage)].filter((p): p is string => p !== undefined) });
    const pipeline = props.labels?.[PIPELINE_LABEL];
    if (pipeline !== undefined) {
      // The apply plan: `npm run cluster:pipeline` waits for the data before its jobs' results.
      declareApplySteps(this, { pipeline: { pipeline, kind: 'Job', namespace: tenant.namespaceName, name: props.name } });
    }
  }

  /** The S3A URI of a loaded file, for a job's arguments; a name the loader does not load is reported at synth. */
  public uriOf(name: string): string {
    if (!this.files.some((f) => f.name === name)) {
      this.problems.add(`uriOf("${name}") names no file of this loader: use one of ${this.files.map((f) => `"${f.name}"`).join(', ')}`);
    }
    return `${this.location}${name}`;
  }
}
