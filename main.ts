import { App, Chart } from 'cdk8s';
import { capacityTable, SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace } from './lib';

// The seed platform: two teams, the operator watching them, and a SparkPi job in each.
const app = new App();

const tenants = new Chart(app, 'tenants');
const teams = [
  new TenantNamespace(tenants, 'team-alpha', { name: 'team-alpha' }),
  new TenantNamespace(tenants, 'team-beta', { name: 'team-beta' }),
];

const operator = new Chart(app, 'spark-operator');
operator.addDependency(tenants);
new SparkOperatorRelease(operator, 'operator', { tenants: teams });

const jobs = new Chart(app, 'spark-jobs');
jobs.addDependency(operator);
const [alpha, beta] = teams;
new SparkPiJob(jobs, 'pyspark-pi-test', { tenant: alpha, language: SparkPiLanguage.PYTHON, name: 'pyspark-pi-test' });
new SparkPiJob(jobs, 'spark-pi-test', { tenant: beta, language: SparkPiLanguage.SCALA, name: 'spark-pi-test' });

app.synth();
console.log(capacityTable(app));
