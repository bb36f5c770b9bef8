import { Chart } from 'cdk8s';
import { PlatformApp, SparkJob, sparkoperator, SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace } from '../lib';

// A generated platform for the benchmark (`npm run bench`): TENANTS teams with JOBS_PER_TENANT jobs
// each, one operator watching them all, in the same three charts as main.ts. The jobs of a tenant
// fit its quota all at once (up to five jobs: 10 pods, 3 CPUs requested, 8960Mi of 12Gi), so the
// admission checks and the capacity table do their full work and find no problem.

function count(name: string, fallback: number): number {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} "${text}" is not a whole number: set it to 0 or more, for example ${name}=100`);
  }
  return value;
}

const tenantCount = count('TENANTS', 100);
const jobsPerTenant = count('JOBS_PER_TENANT', 5);

const app = new PlatformApp();

const tenantsChart = new Chart(app, '0000-tenants');
const tenants = Array.from({ length: tenantCount }, (_, i) => {
  const name = `team-${String(i).padStart(4, '0')}`;
  return new TenantNamespace(tenantsChart, name, { name, quota: { requestsMemory: '12Gi' } });
});

const operator = new Chart(app, '0001-spark-operator');
new SparkOperatorRelease(operator, 'operator', { tenants });

const jobs = new Chart(app, '0002-spark-jobs');
for (const tenant of tenants) {
  for (let j = 0; j < jobsPerTenant; j++) {
    const id = `${tenant.namespaceName}-job-${j}`;
    if (j === 0) {
      // A PySpark Pi with one executor: 2 pods, 2 CPUs requested, 1792Mi.
      new SparkPiJob(jobs, id, { tenant, language: SparkPiLanguage.PYTHON, name: `pi-${j}`, executor: { instances: 1 } });
    } else {
      // A Scala job of a quarter core per pod: 2 pods, 500m requested, 1792Mi.
      new SparkJob(jobs, id, {
        tenant,
        name: `etl-${j}`,
        spec: {
          type: sparkoperator.SparkApplicationSpecType.SCALA,
          mode: sparkoperator.SparkApplicationSpecMode.CLUSTER,
          image: 'apache/spark:4.0.0',
          mainClass: 'org.apache.spark.examples.SparkPi',
          mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
          arguments: [String(10 * j)],
          sparkVersion: '4.0.0',
          restartPolicy: { type: sparkoperator.SparkApplicationSpecRestartPolicyType.NEVER },
          driver: { cores: 1, coreRequest: '250m', coreLimit: '500m', memory: '512m', securityContext: SparkJob.HARDENED_SECURITY_CONTEXT },
          executor: { instances: 1, cores: 1, coreRequest: '250m', coreLimit: '500m', memory: '512m', securityContext: SparkJob.HARDENED_SECURITY_CONTEXT },
        },
      });
    }
  }
}

app.synth();
