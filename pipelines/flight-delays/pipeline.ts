import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { ConcurrencyPolicy, DatasetFile, DatasetLoader, PipelineStorage, PySparkScriptJob, ScheduledSparkJob, TenantNamespace } from '../../lib';

/** The vega-datasets commit (tag v3.2.1) whose files the pipeline loads; the npm package vega-datasets@3.2.1 (a devDependency) holds copies. */
export const VEGA_DATASETS_COMMIT = '4ddef6441f0f6f9c119a571ef8fa0fe37facb65e';

const RAW = `https://raw.githubusercontent.com/vega/vega-datasets/${VEGA_DATASETS_COMMIT}/data`;

/** The pipeline's inputs, pinned by commit and SHA-256 (as upstream.lock.json pins them). */
export const FLIGHT_DELAYS_INPUTS: DatasetFile[] = [
  {
    name: 'flights-20k.json',
    url: `${RAW}/flights-20k.json`,
    sha256: '52f0ddd892d4569284b845e17323abc9afb7d303ec8f63251634a20327a610bb',
    licence: 'U.S. Bureau of Transportation Statistics data, collected under DOT regulatory requirements (14 CFR Part 234); licence terms not explicitly specified (vega-datasets datapackage.json: "other-open")',
  },
  {
    name: 'airports.csv',
    url: `${RAW}/airports.csv`,
    sha256: '903c7169e6d558eefb95295fe2947ec8503135fbb855ea5c737cf4a90ea603ad',
    licence: 'U.S. Government Works (https://www.usa.gov/government-works), from Data.gov',
  },
];

/** The job's pods: 1.7 MB of input needs no more than the smallest heap Spark takes. */
const SIZES = { driver: { memory: '512m' }, executor: { instances: 1, memory: '512m' } };

export interface FlightDelaysPipelineProps {
  /** The tenant that runs the pipeline and owns its data. */
  readonly tenant: TenantNamespace;
  /** Where the tenant's data lives, for example storage.locationOf(tenant). */
  readonly storage: PipelineStorage;
  /**
   * The pipeline's name: its Job, SparkApplication and labels.
   * @default 'flight-delays'
   */
  readonly name?: string;
  /**
   * When the pipeline runs again (`<name>-nightly`, a ScheduledSparkJob over the same inputs), as
   * five cron fields or a descriptor, in UTC.
   * @default '30 2 * * *' (02:30 UTC every night)
   */
  readonly schedule?: string;
}

/**
 * A data pipeline on a real public dataset: a Job loads 20,000 US flights of early 2001 and the US
 * airports (vega-datasets, checksums verified) into `s3a://<bucket>/datasets/vega/`, and a PySpark
 * job (flight_delays.py, beside this file, mounted from a ConfigMap) cleans them, joins each flight
 * to its origin's state and writes delays per state and month as Parquet to
 * `s3a://<bucket>/curated/flight-delays/`, once when applied and then nightly (a ScheduledSparkJob
 * that skips a night while the last run still runs). Every object carries the label
 * spark-platform.io/pipeline, but the SparkApplications, whose labels reach the pods, where the
 * platform's labels are reserved.
 */
export class FlightDelaysPipeline extends Construct {
  public readonly loader: DatasetLoader;
  public readonly job: PySparkScriptJob;
  /** The nightly run. */
  public readonly nightly: ScheduledSparkJob;
  /** Where the result lands. */
  public readonly output: string;

  constructor(scope: Construct, id: string, props: FlightDelaysPipelineProps) {
    super(scope, id);
    const name = props.name ?? 'flight-delays';
    const labels = { [DatasetLoader.PIPELINE_LABEL]: name };
    this.loader = new DatasetLoader(this, 'Load', {
      tenant: props.tenant,
      storage: props.storage,
      name: `${name}-load`,
      prefix: 'datasets/vega',
      files: FLIGHT_DELAYS_INPUTS,
      labels,
    });
    this.output = `s3a://${props.storage.bucket}/curated/${name}/`;
    this.job = new PySparkScriptJob(this, 'Job', {
      tenant: props.tenant,
      name,
      storage: props.storage,
      pipeline: name,
      script: { fileName: 'flight_delays.py', source: fs.readFileSync(path.join(__dirname, 'flight_delays.py'), 'utf8') },
      arguments: [this.loader.uriOf('flights-20k.json'), this.loader.uriOf('airports.csv'), this.output],
      ...SIZES,
    });
    const schedule = props.schedule ?? '30 2 * * *';
    this.nightly = new ScheduledSparkJob(this, 'Nightly', {
      tenant: props.tenant,
      name: `${name}-nightly`,
      schedule,
      concurrencyPolicy: ConcurrencyPolicy.FORBID,
      successfulRunHistoryLimit: 3,
      failedRunHistoryLimit: 3,
      spec: PySparkScriptJob.spec(this.job.script, { storage: props.storage, arguments: this.job.spec.arguments, ...SIZES }),
    });
  }
}
