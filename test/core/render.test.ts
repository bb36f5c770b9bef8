import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { IntOrString, KubeConfigMap, KubeDeployment, Quantity } from 'cdk8s-plus-30/lib/imports/k8s';
import { SparkApplicationSpecMode, SparkApplicationSpecType } from '../../imports/sparkoperator.k8s.io';
import { SparkJob, SparkOperatorRelease, SparkPiJob, SparkPiLanguage, TenantNamespace } from '../../lib';
import { renderObjects } from '../../lib/core/render';
import { testApp } from '../support/synth';

/** Each object's JSON from the one-pass rendering, next to what `toJson()` gives. */
function bothRenderings(app: App): { fast: any[]; cdk8s: any[] } {
  const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const fast: any[] = [];
  renderObjects(objects, (_o, json) => fast.push(json));
  return { fast, cdk8s: objects.map((o) => o.toJson()) };
}

/** Key order matters in the output, so the JSON texts are compared. */
const texts = (docs: any[]) => docs.map((d) => JSON.stringify(d));

describe('renderObjects', () => {
  test('renders a platform of tenants, an operator and jobs exactly as ApiObject.toJson()', () => {
    // GIVEN a platform with every construct of the library and the objects they make
    const app = testApp();
    const chart = new Chart(app, 'platform');
    const alpha = new TenantNamespace(chart, 'alpha', { name: 'team-alpha' });
    const beta = new TenantNamespace(chart, 'beta', { name: 'team-beta', quota: { requestsMemory: '12Gi' } });
    new SparkOperatorRelease(chart, 'operator', { tenants: [alpha, beta] });
    new SparkPiJob(chart, 'pi', { tenant: alpha, language: SparkPiLanguage.PYTHON });
    new SparkJob(chart, 'etl', {
      tenant: beta,
      name: 'etl',
      spec: {
        type: SparkApplicationSpecType.SCALA,
        mode: SparkApplicationSpecMode.CLUSTER,
        image: 'apache/spark:4.0.0',
        mainClass: 'org.apache.spark.examples.SparkPi',
        mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.13-4.0.0.jar',
        sparkVersion: '4.0.0',
        arguments: ['10'],
        driver: { cores: 1, coreLimit: '1', memory: '512m' },
        executor: { instances: 1, cores: 1, coreLimit: '1', memory: '512m' },
      },
    });
    // WHEN its objects are rendered both ways
    const { fast, cdk8s } = bothRenderings(app);
    // THEN they are the same, key order included
    expect(fast.length).toBeGreaterThan(20);
    expect(texts(fast)).toEqual(texts(cdk8s));
  });

  test('resolves Lazy values (also in metadata and producing Lazy values), implicit tokens and number-or-string unions as cdk8s does', () => {
    // GIVEN objects with every kind of value cdk8s's resolvers replace
    const app = testApp();
    const chart = new Chart(app, 'tokens');
    const produced: string[] = [];
    const lazy = (name: string, value: unknown) => Lazy.any({ produce: () => (produced.push(name), value) });
    new KubeConfigMap(chart, 'cm', {
      metadata: { name: 'cm', labels: { team: lazy('label', 'alpha') as any, empty: undefined as any } },
      data: { z: 'last', a: lazy('data', 'first') as any, nested: lazy('outer', lazy('inner', 'value')) as any, token: { resolve: () => 'from-token' } as any },
    });
    new KubeDeployment(chart, 'deploy', {
      metadata: { name: 'deploy', annotations: {}, finalizers: [] },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        strategy: { rollingUpdate: { maxSurge: IntOrString.fromString('25%'), maxUnavailable: IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels: { app: 'x' } },
          spec: { containers: [{ name: 'c', image: 'nginx', args: ['a', undefined as any, 'b'], resources: { limits: { memory: Quantity.fromString('1Gi'), cpu: Quantity.fromNumber(2) } } }] },
        },
      },
    });
    // WHEN they are rendered both ways
    const { fast, cdk8s } = bothRenderings(app);
    // THEN the outputs are the same
    expect(texts(fast)).toEqual(texts(cdk8s));
    // AND they hold the resolved values, sorted, without empty metadata
    expect(fast[0].data).toEqual({ a: 'first', nested: 'value', token: 'from-token', z: 'last' });
    expect(Object.keys(fast[0].data)).toEqual(['a', 'nested', 'token', 'z']);
    expect(fast[1].metadata).toEqual({ name: 'deploy' });
    expect(fast[1].spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 1 });
    // AND each Lazy was produced in cdk8s's order: metadata first, then the props in their order
    expect(produced.slice(0, 4)).toEqual(['label', 'data', 'outer', 'inner']);
    expect(produced.slice(4)).toEqual(produced.slice(0, 4));
  });

  test('renders metadata as cdk8s does: its options in their order, extra attributes and fields added later', () => {
    // GIVEN metadata whose options list the labels before the annotations (toJson lists them the
    // other way round), with Lazy values in both and in the name
    const app = testApp();
    const chart = new Chart(app, 'meta');
    const produced: string[] = [];
    const lazy = (name: string, value: unknown) => Lazy.any({ produce: () => (produced.push(name), value) });
    new KubeConfigMap(chart, 'ordered', { metadata: { labels: { team: lazy('label', 'alpha') as any }, annotations: { note: lazy('annotation', 'x') as any }, name: lazy('name', 'ordered') as any } });
    // AND metadata with an attribute that is not one of its fields, in the options and added later
    const extra = new KubeConfigMap(chart, 'extra', { metadata: { name: 'extra', generateName: lazy('generate', 'extra-') as any } as any });
    extra.metadata.add('uid', 'u-1');
    extra.metadata.addLabel('added', 'later');
    // AND metadata with every field set, empty lists and maps among them
    const all = new KubeConfigMap(chart, 'all', { metadata: { name: 'all', namespace: 'ns', annotations: {}, finalizers: ['f'], ownerReferences: [] } });
    all.metadata.addOwnerReference({ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-2' });
    // WHEN they are rendered both ways
    const { fast, cdk8s } = bothRenderings(app);
    // THEN the outputs are the same, key order included
    expect(texts(fast)).toEqual(texts(cdk8s));
    expect(Object.keys(fast[1].metadata)).toEqual(['generateName', 'labels', 'name', 'uid']);
    expect(Object.keys(fast[2].metadata)).toEqual(['finalizers', 'name', 'namespace', 'ownerReferences']);
    // AND the Lazy values were produced in cdk8s's order: the options' order, in which ApiObject puts
    // the name first, then the extra attributes
    expect(produced.slice(0, 4)).toEqual(['name', 'label', 'annotation', 'generate']);
    expect(produced.slice(4)).toEqual(produced.slice(0, 4));
  });

  test('keeps the props unsorted under CDK8S_DISABLE_SORT, with apiVersion, kind and metadata first', () => {
    // GIVEN an object whose props are not in sorted order
    const app = testApp();
    const chart = new Chart(app, 'unsorted');
    new KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', labels: { z: '1', a: '2' } }, data: { z: 'last', a: 'first' } });
    const before = process.env.CDK8S_DISABLE_SORT;
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      // WHEN it is rendered both ways with sorting disabled
      const { fast, cdk8s } = bothRenderings(app);
      // THEN the outputs are the same, the data in its own order and the labels sorted as cdk8s sorts metadata
      expect(texts(fast)).toEqual(texts(cdk8s));
      expect(Object.keys(fast[0])).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
      expect(Object.keys(fast[0].data)).toEqual(['z', 'a']);
      expect(Object.keys(fast[0].metadata.labels)).toEqual(['a', 'z']);
    } finally {
      if (before === undefined) {
        delete process.env.CDK8S_DISABLE_SORT;
      } else {
        process.env.CDK8S_DISABLE_SORT = before;
      }
    }
  });

  test('leaves objects with JSON patches, apps with their own resolvers and values cdk8s refuses to cdk8s itself', () => {
    // GIVEN an object with a patch, an app with a resolver of its own, and an object with a class instance as a value
    const patched = testApp();
    const chart = new Chart(patched, 'patched');
    const cm = new KubeConfigMap(chart, 'cm', { metadata: { name: 'cm' }, data: { a: '1' } });
    cm.addJsonPatch(JsonPatch.add('/data/b', '2'));
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        if (typeof context.value === 'string' && context.value.startsWith('upper:')) {
          context.replaceValue(context.value.slice('upper:'.length).toUpperCase());
        }
      }
    }
    const custom = new App({ outdir: patched.outdir, resolvers: [new Upper()] });
    new KubeConfigMap(new Chart(custom, 'custom'), 'cm', { metadata: { name: 'cm' }, data: { a: 'upper:shout' } });
    const refused = testApp();
    class NotPlain {
      public readonly field = 1;
    }
    new KubeConfigMap(new Chart(refused, 'refused'), 'cm', { metadata: { name: 'cm' }, data: { a: new NotPlain() as any } });
    // WHEN they are rendered
    // THEN the patch and the resolver apply, and the refusal is cdk8s's own error
    expect(bothRenderings(patched).fast[0].data).toEqual({ a: '1', b: '2' });
    expect(bothRenderings(custom).fast[0].data).toEqual({ a: 'SHOUT' });
    expect(() => bothRenderings(refused)).toThrow(/Failed serializing construct at path 'refused\/cm' with name 'cm': Error: can't render non-simple object of type 'NotPlain'/);
  });

  test('reports an error of a Lazy producer with the construct path, as cdk8s does', () => {
    // GIVEN an object whose Lazy value throws
    const app = testApp();
    new KubeConfigMap(new Chart(app, 'broken'), 'cm', { metadata: { name: 'cm' }, data: { a: Lazy.any({ produce: () => { throw new Error('no value yet'); } }) as any } });
    // WHEN it is rendered
    // THEN the error names the construct, in cdk8s's words
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(() => renderObjects(objects, () => undefined)).toThrow("Failed serializing construct at path 'broken/cm' with name 'cm': Error: no value yet");
    expect(() => objects[0].toJson()).toThrow("Failed serializing construct at path 'broken/cm' with name 'cm': Error: no value yet");
  });

  test('puts ApiObject.prototype.toJson back, also when rendering fails', () => {
    // GIVEN the method before rendering
    const original = ApiObject.prototype.toJson;
    const app = testApp();
    new KubeConfigMap(new Chart(app, 'c'), 'cm', { metadata: { name: 'cm' }, data: { a: Lazy.any({ produce: () => { throw new Error('x'); } }) as any } });
    // WHEN rendering throws
    expect(() => renderObjects(app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject), () => undefined)).toThrow();
    // THEN the method is cdk8s's again
    expect(ApiObject.prototype.toJson).toBe(original);
  });
});
