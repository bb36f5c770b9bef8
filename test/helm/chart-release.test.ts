import { Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { parse } from 'yaml';
import { ChartDelivery, ChartRelease, ChartReleaseProps, PlatformApp } from '../../lib';
import { CHART_DELIVERY_CONTEXT } from '../../lib/core/delivery';
import { CHART_INSTALL_RETRIES } from '../../lib/helm/chart-release';
import { parseDocs } from '../support/project';
import { schemaErrors } from '../support/schemas';
import { ofKind, problemsOf, testApp } from '../support/synth';

const MODES = [ChartDelivery.K3S_HELM_CHART, ChartDelivery.FLUX, ChartDelivery.ARGO_CD];

/** Values with what YAML and JSON both carry: nested maps, lists, an empty map and list, a null (which removes a chart default). */
const VALUES = {
  replicas: 2,
  image: { repository: 'example/app', tag: '1.0' },
  args: ['--a', '--b'],
  podAnnotations: {},
  tolerations: [],
  resources: null,
  enabled: false,
};

function release(overrides: Partial<ChartReleaseProps> = {}): ChartReleaseProps {
  return {
    chart: 'example',
    repo: 'https://charts.example.org/stable',
    version: '1.2.3',
    releaseName: 'example',
    namespace: 'example-system',
    values: () => VALUES,
    ...overrides,
  };
}

function appIn(mode?: ChartDelivery): { app: PlatformApp; chart: Chart } {
  const app = new PlatformApp(mode === undefined ? {} : { chartDelivery: mode });
  return { app, chart: new Chart(app, 'platform') };
}

function synth(app: PlatformApp): any[] {
  return parseDocs(app.synthYaml());
}

/** The values a release object carries, whatever the mode. */
function valuesOf(doc: any): unknown {
  switch (doc.kind) {
    case 'HelmChart': return parse(doc.spec.valuesContent);
    case 'HelmRelease': return doc.spec.values;
    case 'Application': return doc.spec.source.helm.valuesObject;
    default: throw new Error(`${doc.kind} is not a release`);
  }
}

describe('ChartRelease delivery modes', () => {
  test('the default is the k3s HelmChart, with the same bytes as when it is chosen explicitly', () => {
    const yaml = MODES.slice(0, 1).concat([undefined as unknown as ChartDelivery]).map((mode) => {
      const { app, chart } = appIn(mode);
      new ChartRelease(chart, 'Example', release());
      return app.synthYaml();
    });
    expect(yaml[0]).toBe(yaml[1]);
    const [helmChart] = parseDocs(yaml[0]);
    expect(helmChart).toMatchObject({
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'example', namespace: 'kube-system' },
      spec: { chart: 'example', repo: 'https://charts.example.org/stable', version: '1.2.3', targetNamespace: 'example-system', backOffLimit: CHART_INSTALL_RETRIES },
    });
  });

  test('k3s: the HelmChart creates the namespace only when no object of the app creates it', () => {
    const { app, chart } = appIn();
    new ChartRelease(chart, 'Alone', release({ releaseName: 'alone', namespace: 'alone' }));
    new ChartRelease(chart, 'Housed', release({ releaseName: 'housed', namespace: 'housed' }));
    // Declared after the release: the HelmChart looks when the app is synthesized.
    new k8s.KubeNamespace(chart, 'HousedNamespace', { metadata: { name: 'housed' } });
    const charts = ofKind(synth(app), 'HelmChart');
    expect(charts.map((c) => [c.metadata.name, c.spec.createNamespace])).toEqual([['alone', true], ['housed', undefined]]);
  });

  test('Flux: a HelmRelease v2 with interval, pinned chart and source, target namespace created, CRDs created and replaced, and the values', () => {
    const { app, chart } = appIn(ChartDelivery.FLUX);
    const r = new ChartRelease(chart, 'Example', release());
    const docs = synth(app);
    expect(docs.map((d) => d.kind)).toEqual(['HelmRepository', 'HelmRelease']);
    const [repository, helmRelease] = docs;
    expect(repository).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'charts-example-org-stable', namespace: 'flux-system' },
      spec: { interval: '1h', url: 'https://charts.example.org/stable' },
    });
    expect(helmRelease).toEqual({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'example', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        releaseName: 'example',
        targetNamespace: 'example-system',
        storageNamespace: 'example-system',
        chart: { spec: { chart: 'example', version: '1.2.3', sourceRef: { kind: 'HelmRepository', name: 'charts-example-org-stable', namespace: 'flux-system' } } },
        install: { createNamespace: true, crds: 'CreateReplace', remediation: { retries: CHART_INSTALL_RETRIES } },
        upgrade: { crds: 'CreateReplace', remediation: { retries: CHART_INSTALL_RETRIES } },
        values: VALUES,
      },
    });
    expect(r.resource).toBe(r.helmRelease);
    expect([r.helmChart, r.application]).toEqual([undefined, undefined]);
    expect(docs.flatMap(schemaErrors)).toEqual([]);
  });

  test('Flux: one HelmRepository per distinct repository URL, shared by the releases from it', () => {
    const { app, chart } = appIn(ChartDelivery.FLUX);
    const other = new Chart(app, 'other');
    const a = new ChartRelease(chart, 'A', release({ releaseName: 'a' }));
    const b = new ChartRelease(other, 'B', release({ releaseName: 'b', repo: 'https://charts.example.org/stable/' }));
    const c = new ChartRelease(other, 'C', release({ releaseName: 'c', repo: 'https://charts.example.org/incubator' }));
    // A URL whose name is taken by another URL gets a name of its own.
    const d = new ChartRelease(other, 'D', release({ releaseName: 'd', repo: 'https://charts-example.org/stable' }));
    expect(b.helmRepository).toBe(a.helmRepository);
    const docs = synth(app);
    const repositories = ofKind(docs, 'HelmRepository');
    expect(repositories.map((r) => [r.metadata.name, r.spec.url])).toEqual([
      ['charts-example-org-stable', 'https://charts.example.org/stable'],
      ['charts-example-org-incubator', 'https://charts.example.org/incubator'],
      [expect.stringMatching(/^charts-example-org-stable-[0-9a-f]{8}$/), 'https://charts-example.org/stable'],
    ]);
    const sources = ofKind(docs, 'HelmRelease').map((h) => h.spec.chart.spec.sourceRef.name);
    expect(sources).toEqual([a, b, c, d].map((r) => r.helmRepository!.name));
    expect(docs.flatMap(schemaErrors)).toEqual([]);
  });

  test('Flux: the HelmRepositories are the app\'s own; another app in the same process makes and names its own', () => {
    const first = appIn(ChartDelivery.FLUX);
    const a = new ChartRelease(first.chart, 'A', release({ releaseName: 'a' }));
    const second = appIn(ChartDelivery.FLUX);
    // The first app's name for https://charts.example.org/stable is free in the second app.
    const c = new ChartRelease(second.chart, 'C', release({ releaseName: 'c', repo: 'https://charts-example.org/stable' }));
    const b = new ChartRelease(second.chart, 'B', release({ releaseName: 'b', repo: 'https://charts.example.org/stable/' }));
    expect(b.helmRepository).not.toBe(a.helmRepository);
    expect(b.helmRepository!.node.scope).toBe(b);
    expect(ofKind(synth(first.app), 'HelmRepository').map((r) => [r.metadata.name, r.spec.url])).toEqual([
      ['charts-example-org-stable', 'https://charts.example.org/stable'],
    ]);
    const inSecond = [
      ['charts-example-org-stable', 'https://charts-example.org/stable'],
      [expect.stringMatching(/^charts-example-org-stable-[0-9a-f]{8}$/), 'https://charts.example.org/stable'],
    ];
    expect(ofKind(synth(second.app), 'HelmRepository').map((r) => [r.metadata.name, r.spec.url])).toEqual(inSecond);
    // A second synth of the same app renders the same: nothing is kept between synths.
    expect(ofKind(synth(second.app), 'HelmRepository').map((r) => [r.metadata.name, r.spec.url])).toEqual(inSecond);
    expect(c.helmRepository!.name).toBe('charts-example-org-stable');
  });

  test('Argo CD: an automated Application with a Helm source, the values as valuesObject, created namespace and server-side apply', () => {
    const { app, chart } = appIn(ChartDelivery.ARGO_CD);
    const r = new ChartRelease(chart, 'Example', release());
    const docs = synth(app);
    expect(docs).toHaveLength(1);
    const [application] = docs;
    expect(application).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'example', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: {
        project: 'default',
        source: { repoURL: 'https://charts.example.org/stable', chart: 'example', targetRevision: '1.2.3', helm: { releaseName: 'example', valuesObject: VALUES } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'example-system' },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true', 'ServerSideApply=true', 'RespectIgnoreDifferences=true'],
          retry: { limit: CHART_INSTALL_RETRIES, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
        ignoreDifferences: [
          { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
          { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
        ],
      },
    });
    expect(r.resource).toBe(r.application);
    expect(docs.flatMap(schemaErrors)).toEqual([]);
  });

  test('every mode carries the same values, null and empty maps and lists included, rendered when the app is synthesized', () => {
    const rendered = MODES.map((mode) => {
      const { app, chart } = appIn(mode);
      const values: Record<string, unknown> = { ...VALUES };
      new ChartRelease(chart, 'Example', release({ values: () => values }));
      values.late = { added: 'after the release was defined' };
      return valuesOf(synth(app).find((d) => ['HelmChart', 'HelmRelease', 'Application'].includes(d.kind)));
    });
    expect(rendered[0]).toEqual({ ...VALUES, late: { added: 'after the release was defined' } });
    expect(rendered[1]).toStrictEqual(rendered[0]);
    expect(rendered[2]).toStrictEqual(rendered[0]);
  });

  test.each(MODES)('%s: the values are checked against the chart values schema', (mode) => {
    const { app, chart } = appIn(mode);
    new ChartRelease(chart, 'Operator', release({ chart: 'spark-operator', valuesSchema: 'spark-operator', values: () => ({ webhook: { replicas: 'two' } }) }));
    expect(problemsOf(app)).toEqual([expect.stringMatching(/^\[platform\/Operator\] values\.webhook\.replicas .*integer/)]);
  });

  test('the CRD schemas of the Flux and Argo CD objects are enforced at synth: a HelmRelease without interval, an Application without destination', () => {
    const flux = appIn(ChartDelivery.FLUX);
    const fluxRelease = new ChartRelease(flux.chart, 'Example', release());
    fluxRelease.helmRelease!.addJsonPatch(JsonPatch.remove('/spec/interval'));
    fluxRelease.helmRepository!.addJsonPatch(JsonPatch.replace('/spec/url', 'charts.example.org/stable'));
    expect(problemsOf(flux.app)).toEqual([
      '[platform/Example] HelmRelease flux-system/example: spec.interval is required by the HelmRelease CRD (upstream/flux/helm.toolkit.fluxcd.io_helmreleases.yaml): set it',
      '[platform/Example/HelmRepository] HelmRepository flux-system/charts-example-org-stable: spec.url "charts.example.org/stable" does not match the pattern ^(http|https|oci)://.*$ of the HelmRepository CRD (upstream/flux/source.toolkit.fluxcd.io_helmrepositories.yaml): correct its format',
    ]);

    const argo = appIn(ChartDelivery.ARGO_CD);
    new ChartRelease(argo.chart, 'Example', release()).application!.addJsonPatch(JsonPatch.remove('/spec/destination'));
    expect(problemsOf(argo.app)).toEqual([
      '[platform/Example] Application argocd/example: spec.destination is required by the Application CRD (upstream/argo-cd/application-crd.yaml): set it',
    ]);
  });

  test('two releases of one name clash in the Flux and Argo CD namespaces, as in the HelmChart namespace, and are reported', () => {
    for (const mode of MODES) {
      const { app, chart } = appIn(mode);
      new ChartRelease(chart, 'A', release({ namespace: 'one' }));
      new ChartRelease(chart, 'B', release({ namespace: 'two' }));
      expect(problemsOf(app)).toEqual([
        expect.stringMatching(/^\[platform\/B\] name "example" is used by another (HelmChart|HelmRelease|Application) in namespace (kube-system|flux-system|argocd) \(platform\/A\)/),
      ]);
    }
  });

  test('an app setting that is not a delivery mode is reported with the modes there are', () => {
    const app = testApp();
    app.node.setContext(CHART_DELIVERY_CONTEXT, 'fluxcd');
    new ChartRelease(new Chart(app, 'platform'), 'Example', release());
    expect(problemsOf(app)).toEqual([
      '[platform/Example] chartDelivery "fluxcd" of the app is not a delivery mode: use ChartDelivery.K3S_HELM_CHART ("k3s-helm-chart"), ChartDelivery.FLUX ("flux") or ChartDelivery.ARGO_CD ("argo-cd")',
    ]);
  });

  test('a plain cdk8s App chooses the mode with its context', () => {
    const app = testApp();
    app.node.setContext(CHART_DELIVERY_CONTEXT, ChartDelivery.ARGO_CD);
    const r = new ChartRelease(new Chart(app, 'platform'), 'Example', release());
    expect(r.delivery).toBe(ChartDelivery.ARGO_CD);
  });
});

describe('ChartRelease ordering between charts', () => {
  function twoReleases(mode: ChartDelivery) {
    const { app, chart } = appIn(mode);
    const crds = new ChartRelease(chart, 'Crds', release({ releaseName: 'crds', namespace: 'crds-system' }));
    const user = new ChartRelease(chart, 'User', release({ releaseName: 'user', namespace: 'user-system' }));
    const last = new ChartRelease(chart, 'Last', release({ releaseName: 'last', namespace: 'last-system' }));
    user.addDependency(crds);
    last.addDependency(user);
    last.addDependency(crds);
    return { app, crds, user, last };
  }

  test('GIVEN Flux THEN a release that depends on another lists it in spec.dependsOn, and one without none', () => {
    const { app } = twoReleases(ChartDelivery.FLUX);
    const releases = ofKind(synth(app), 'HelmRelease');
    const byName = (n: string) => releases.find((r) => r.metadata.name === n);
    expect(byName('crds').spec.dependsOn).toBeUndefined();
    expect(byName('user').spec.dependsOn).toEqual([{ name: 'crds', namespace: 'flux-system' }]);
    expect(byName('last').spec.dependsOn).toEqual([{ name: 'user', namespace: 'flux-system' }, { name: 'crds', namespace: 'flux-system' }]);
    for (const r of releases) {
      expect(schemaErrors(r)).toEqual([]);
    }
  });

  test('GIVEN Argo CD THEN each Application is one sync wave after the latest of its dependencies', () => {
    const { app, last } = twoReleases(ChartDelivery.ARGO_CD);
    const apps = ofKind(synth(app), 'Application');
    const wave = (n: string) => apps.find((a) => a.metadata.name === n).metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    expect(wave('crds')).toBeUndefined();
    expect(wave('user')).toBe('1');
    expect(wave('last')).toBe('2');
    expect(last.syncWave).toBe(2);
  });

  test('GIVEN the k3s HelmChart THEN nothing is added (the files of dist/ are applied in name order)', () => {
    const { app } = twoReleases(ChartDelivery.K3S_HELM_CHART);
    for (const c of ofKind(synth(app), 'HelmChart')) {
      expect(c.metadata.annotations).toBeUndefined();
      expect(c.spec.dependsOn).toBeUndefined();
    }
  });

  test('GIVEN a dependency cycle THEN synth fails naming the cycle', () => {
    const { app, crds, last } = twoReleases(ChartDelivery.FLUX);
    crds.addDependency(last);
    expect(problemsOf(app).join('\n')).toMatch(/release crds depends on itself \(crds -> last -> user -> crds\): Flux and Argo CD would wait for ever; remove one of these addDependency calls/);
  });
});
