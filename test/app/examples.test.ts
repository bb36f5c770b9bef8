import * as path from 'path';
import { parse } from 'yaml';
import { nameErrors, schemaErrors } from '../support/schemas';
import { parseDocs, readDir, REPO, run, scratchDir, SYNTH } from '../support/project';

// These tests run processes (synth, helm, npm, tsc, jest): a generous limit per test, so that a
// loaded machine makes them slower, never failed. They assert output, never duration.
jest.setTimeout(300_000);

// examples/flux/ and examples/argocd/ synthesize the seed platform (platform.ts) with another chart
// delivery. Their dist/ must be what synth makes, and must differ from dist/ only in how the charts
// are released: the same charts, versions, namespaces and values, every other object identical.

type Doc = any;

function docsByFile(dir: string): Record<string, Doc[]> {
  const files = readDir(dir);
  return Object.fromEntries(Object.entries(files).map(([file, text]) => [file, parseDocs(text)]));
}

/** A chart release as every mode states it. */
interface Release {
  readonly file: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
  readonly values: unknown;
}

const RELEASE_KINDS = new Set(['HelmChart', 'HelmRelease', 'HelmRepository', 'Application']);

function releasesOf(byFile: Record<string, Doc[]>): Release[] {
  const all = Object.entries(byFile).flatMap(([file, docs]) => docs.map((doc) => ({ file, doc })));
  const repository = (ref: Doc) => all.find(({ doc }) => doc.kind === 'HelmRepository' && doc.metadata.name === ref.name && doc.metadata.namespace === ref.namespace)?.doc.spec.url;
  return all.flatMap(({ file, doc }): Release[] => {
    const s = doc.spec;
    switch (doc.kind) {
      case 'HelmChart':
        return [{ file, releaseName: doc.metadata.name, namespace: s.targetNamespace, chart: s.chart, version: s.version, repo: s.repo, values: parse(s.valuesContent) }];
      case 'HelmRelease':
        return [{ file, releaseName: s.releaseName, namespace: s.targetNamespace, chart: s.chart.spec.chart, version: s.chart.spec.version, repo: repository(s.chart.spec.sourceRef), values: s.values }];
      case 'Application':
        return [{ file, releaseName: s.source.helm.releaseName, namespace: s.destination.namespace, chart: s.source.chart, version: s.source.targetRevision, repo: s.source.repoURL, values: s.source.helm.valuesObject }];
      default:
        return [];
    }
  });
}

const seed = docsByFile(path.join(REPO, 'dist'));
const seedReleases = releasesOf(seed);

describe.each([
  ['flux', ['HelmRepository', 'HelmRelease'], 'flux-system'],
  ['argocd', ['Application'], 'argocd'],
])('examples/%s/dist/', (name, kinds, controllerNamespace) => {
  const dir = path.join(REPO, 'examples', name, 'dist');
  const committed = readDir(dir);
  const byFile = docsByFile(dir);
  const docs = Object.values(byFile).flat();

  test(`is exactly what synth produces from examples/${name}/main.ts`, () => {
    const out = scratchDir(`example-${name}-`);
    const result = run(REPO, 'node', [SYNTH, path.join('examples', name, 'main.ts')], { SYNTH_DIST_DIR: path.join(out, 'dist'), CDK8S_OUTDIR: path.join(out, 'staging') });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // If this fails, run `npm run synth:examples` and commit examples/*/dist/.
    expect(readDir(path.join(out, 'dist'))).toEqual(committed);
  });

  test(`every object is valid against its upstream schema and has RFC 1123 names, and the charts are released as ${kinds.join(' and ')}`, () => {
    expect(docs.flatMap((d) => [...schemaErrors(d), ...nameErrors(d)])).toEqual([]);
    expect(docs.filter((d) => d.kind === 'HelmChart')).toEqual([]);
    expect([...new Set(docs.filter((d) => RELEASE_KINDS.has(d.kind)).map((d) => d.kind))].sort()).toEqual([...kinds].sort());
    expect(docs.filter((d) => kinds.includes(d.kind)).every((d) => d.metadata.namespace === controllerNamespace)).toBe(true);
  });

  test('holds the files of dist/, each with the same objects in the same order apart from the chart releases', () => {
    expect(Object.keys(byFile)).toEqual(Object.keys(seed));
    for (const file of Object.keys(seed)) {
      const others = (list: Doc[]) => list.filter((d) => !RELEASE_KINDS.has(d.kind));
      expect(others(byFile[file])).toEqual(others(seed[file]));
    }
  });

  test('releases every chart of dist/, in the same file, with the same chart, version, repository, release name, namespace and values', () => {
    expect(seedReleases.length).toBeGreaterThan(0);
    const releases = releasesOf(byFile);
    expect(releases).toHaveLength(seedReleases.length);
    for (const expected of seedReleases) {
      const actual = releases.find((r) => r.releaseName === expected.releaseName && r.namespace === expected.namespace);
      expect(actual).toStrictEqual({ ...expected, repo: expected.repo.replace(/\/+$/, '') });
    }
  });

  test('the operator watches the same tenant namespaces', () => {
    const operator = releasesOf(byFile).find((r) => r.chart === 'spark-operator');
    expect((operator?.values as any).spark.jobNamespaces).toEqual(['team-alpha', 'team-beta']);
  });

  test(`applying the files in name order creates every namespace before what lives in it (${controllerNamespace} comes with ${name === 'flux' ? 'Flux' : 'Argo CD'})`, () => {
    const created = new Set<string>(['kube-system', 'default', controllerNamespace]);
    for (const doc of docs) {
      if (doc.metadata.namespace !== undefined) {
        expect(`${doc.kind}/${doc.metadata.name} in ${doc.metadata.namespace}: ${created.has(doc.metadata.namespace)}`).toMatch(/: true$/);
      }
      if (doc.kind === 'Namespace') {
        created.add(doc.metadata.name);
      }
    }
  });
});
