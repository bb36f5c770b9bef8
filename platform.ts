import { App, Chart } from 'cdk8s';
import {
  ConcurrencyPolicy,
  ObjectStorage,
  PlatformMonitoring,
  ScheduledSparkJob,
  SparkOperatorRelease,
  SparkPiJob,
  SparkPiLanguage,
  TenantNamespace,
  VolcanoScheduling,
} from './lib';
import { FlightDelaysPipeline } from './pipelines/flight-delays/pipeline';

/**
 * The seed platform: two teams, the operator watching them, a SparkPi job in each (team-alpha's with
 * dynamic allocation) and a nightly SparkPi in team-beta, every job scheduled by Volcano in its
 * team's queue and writing its event logs to its team's bucket, with a History Server per team,
 * monitoring, and the flight-delays data pipeline in team-alpha.
 *
 * main.ts synthesizes it into dist/; examples/flux/ and examples/argocd/ synthesize the same
 * platform with their chart delivery into their own dist/. Add-ons are enabled here, one line each,
 * so that every one of these apps gets them.
 */
export function buildSeedPlatform(app: App): void {
  // Each chart becomes one file in dist/, named after its id. `kubectl apply -f dist/` applies files
  // in name order, so the numbers create the namespaces before what lives in them and the jobs last;
  // the monitoring stack sorts before the operator, whose chart needs the stack's PodMonitor CRD.
  // (Chart.addDependency would number the files too, but cdk8s then makes every object of one chart
  // depend on every object of the other, and synth of 1,000 tenants becomes four times slower.)
  const tenants = new Chart(app, '0000-tenants');
  const teams = [
    new TenantNamespace(tenants, 'team-alpha', { name: 'team-alpha' }),
    new TenantNamespace(tenants, 'team-beta', { name: 'team-beta' }),
  ];

  const operator = new Chart(app, '0001-spark-operator');
  const sparkOperator = new SparkOperatorRelease(operator, 'operator', { tenants: teams });
  new PlatformMonitoring(new Chart(app, '0000-monitoring'), 'monitoring', { operator: sparkOperator });
  new VolcanoScheduling(new Chart(app, '0000-volcano'), 'volcano', { operator: sparkOperator });
  // A bucket and keys per team, every job's event logs there, a History Server per team; it sorts
  // after the tenants, whose namespaces it writes into, and before the jobs.
  const storage = new ObjectStorage(new Chart(app, '0001-object-storage'), 'storage', { tenants: teams });

  // The jobs run the image with the S3A client, which writes their event logs to the object store.
  const jobs = new Chart(app, '0002-spark-jobs');
  const [alpha, beta] = teams;
  new SparkPiJob(jobs, 'pyspark-pi-test', {
    tenant: alpha,
    language: SparkPiLanguage.PYTHON,
    name: 'pyspark-pi-test',
    image: ObjectStorage.SPARK_S3A_IMAGE,
    dynamicAllocation: { minExecutors: 1, initialExecutors: 1, maxExecutors: 2, shuffleTrackingTimeout: 60000 },
  });
  new SparkPiJob(jobs, 'spark-pi-test', { tenant: beta, language: SparkPiLanguage.SCALA, name: 'spark-pi-test', image: ObjectStorage.SPARK_S3A_IMAGE });
  new ScheduledSparkJob(jobs, 'spark-pi-nightly', {
    tenant: beta,
    name: 'spark-pi-nightly',
    schedule: '0 2 * * *',
    timeZone: 'UTC',
    concurrencyPolicy: ConcurrencyPolicy.FORBID,
    successfulRunHistoryLimit: 3,
    failedRunHistoryLimit: 3,
    spec: SparkPiJob.spec({ language: SparkPiLanguage.SCALA, image: ObjectStorage.SPARK_S3A_IMAGE }),
  });

  // The data pipeline: a public dataset loaded into team-alpha's bucket, a PySpark job over it now
  // and nightly (pipelines/flight-delays/).
  new FlightDelaysPipeline(new Chart(app, '0003-pipeline'), 'flight-delays', { tenant: alpha, storage: storage.locationOf(alpha)! });
}
