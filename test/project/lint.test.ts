import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, scratchDir } from '../support/project';

// The layout of lib/ (CONTRIBUTING.md) is enforced by `npm run lint`: imports go one way only.
// The probes below are written into a scratch copy of the lint setup and linted in one ESLint run,
// as `npm run lint` runs it.

const probes: Record<string, string> = {
  'lib/core/probe-jobs.ts': "import { SparkJob } from '../jobs/spark-job';\nexport const probe = [SparkJob];\n",
  'lib/core/probe-tenancy.ts': "import { TenantNamespace } from '../tenancy/tenant-namespace';\nexport const probe = [TenantNamespace];\n",
  'lib/tenancy/probe-operator.ts': "import { SparkOperatorRelease } from '../operator/spark-operator-release';\nexport const probe = [SparkOperatorRelease];\n",
  'lib/tenancy/probe-helm.ts': "import { HelmChartRelease } from '../helm/helm-chart-release';\nexport const probe = [HelmChartRelease];\n",
  'lib/operator/probe-jobs.ts': "import { SparkJob } from '../jobs/spark-job';\nexport const probe = [SparkJob];\n",
  'lib/jobs/probe-addons.ts': "import { ObjectStore } from '../addons/storage/object-store';\nexport const probe = [ObjectStore];\n",
  'lib/addons/history/probe-other-addon.ts': "import { ObjectStore } from '../storage/object-store';\nexport const probe = [ObjectStore];\n",
  'lib/addons/history/probe-below.ts': "import { SparkJob } from '../../jobs/spark-job';\nimport { Quantity } from '../../core/quantity';\nexport const probe = [SparkJob, Quantity];\n",
  'lib/jobs/probe-below.ts': "import { SparkOperatorRelease } from '../operator/spark-operator-release';\nimport { TenantNamespace } from '../tenancy/tenant-namespace';\nexport const probe = [SparkOperatorRelease, TenantNamespace];\n",
  'lib/core/probe-default.ts': "export function f(x?: string): string {\n  return x || 'default';\n}\n",
};

let messages: Record<string, string[]>;

beforeAll(() => {
  const dir = scratchDir('lint-');
  fs.copyFileSync(path.join(REPO, 'eslint.config.js'), path.join(dir, 'eslint.config.js'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [file, source] of Object.entries(probes)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  const result = spawnSync(path.join(REPO, 'node_modules', '.bin', 'eslint'), ['--format', 'json', 'lib'], { cwd: dir, encoding: 'utf8' });
  messages = Object.fromEntries(JSON.parse(result.stdout).map((r: { filePath: string; messages: { ruleId: string; message: string }[] }) =>
    [path.relative(dir, r.filePath), r.messages.map((m) => `${m.ruleId}: ${m.message}`)]));
});

describe('the lib/ layout', () => {
  test.each([
    'lib/core/probe-jobs.ts',
    'lib/core/probe-tenancy.ts',
    'lib/tenancy/probe-operator.ts',
    'lib/tenancy/probe-helm.ts',
    'lib/operator/probe-jobs.ts',
    'lib/jobs/probe-addons.ts',
  ])('%s imports upwards and fails lint', (file) => {
    expect(messages[file]).toEqual([expect.stringMatching(/^no-restricted-imports: .*must not import from .*imports go core <- helm, tenancy <- operator <- jobs <- addons/)]);
  });

  test('an add-on may not import another add-on, but may import the layers below it', () => {
    expect(messages['lib/addons/history/probe-other-addon.ts']).toEqual([expect.stringMatching(/^no-restricted-imports: .*an add-on must not import another add-on/)]);
    expect(messages['lib/addons/history/probe-below.ts']).toEqual([]);
  });

  test('the layers import downwards freely', () => {
    expect(messages['lib/jobs/probe-below.ts']).toEqual([]);
  });

  test('defaults in lib/ use ??, not ||', () => {
    expect(messages['lib/core/probe-default.ts']).toEqual([expect.stringMatching(/^no-restricted-syntax: use \?\? for defaults/)]);
  });
});
