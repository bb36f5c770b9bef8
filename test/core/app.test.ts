import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Lazy, YamlOutputType } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct, Node } from 'constructs';
import { PlatformApp } from '../../lib';
import { scratchDir } from '../support/project';

/** The same app in any App class: charts with one, none and several hundred objects. */
function build(app: App): void {
  new k8s.KubeConfigMap(new Chart(app, 'first'), 'cm', { metadata: { name: 'first' }, data: { a: '1' } });
  new Chart(app, 'empty');
  // More objects than the writer buffers at once, in a chart below a plain construct.
  const many = new Chart(new Construct(app, 'group'), 'many', { namespace: 'ns' });
  for (let i = 0; i < 600; i++) {
    new k8s.KubeConfigMap(many, `cm-${i}`, { metadata: { name: `cm-${i}`, labels: { index: String(i) } }, data: { value: `v${i}` } });
  }
  new k8s.KubeConfigMap(new Chart(app, 'last'), 'cm', { metadata: { name: 'last' } });
}

/** Every file of a folder, hidden ones included, with its text. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** An app whose constructs count how often they are validated and rendered. */
function counted(app: App, withDependency: boolean) {
  const counts = { validated: 0, rendered: 0 };
  const first = new Chart(app, 'first');
  const second = new Chart(app, 'second');
  for (const [chart, name] of [[first, 'a'], [second, 'b']] as const) {
    const cm = new k8s.KubeConfigMap(chart, 'cm', { metadata: { name }, data: { at: Lazy.any({ produce: () => (counts.rendered++, 'x') }) } });
    cm.node.addValidation({ validate: () => (++counts.validated, []) });
  }
  if (withDependency) {
    second.addDependency(first);
  }
  return counts;
}

describe('PlatformApp.synth', () => {
  test.each([['without', false], ['with', true]] as const)('validates every construct and resolves dependencies once, %s a dependency between charts', (_with, withDependency) => {
    // GIVEN an app whose two objects count their validations and renderings, and the same app in cdk8s's App
    const platform = new PlatformApp({ outdir: scratchDir('once-') });
    const counts = counted(platform, withDependency);
    const cdk8s = new App({ outdir: scratchDir('cdk8s-once-') });
    const cdk8sCounts = counted(cdk8s, withDependency);
    // WHEN both synthesize, counting the dependencies cdk8s's resolution adds
    const added = jest.spyOn(Node.prototype, 'addDependency');
    platform.synth();
    const platformAdded = added.mock.calls.length;
    cdk8s.synth();
    const cdk8sAdded = added.mock.calls.length - platformAdded;
    added.mockRestore();
    // THEN PlatformApp validated each construct once; cdk8s does it once in all and once per chart
    expect(counts.validated).toBe(2);
    expect(cdk8sCounts.validated).toBe(6);
    // AND it resolved the dependencies once (a chart's, and one object's on another's); cdk8s once in
    // all and again per chart, each time adding those it added before again
    expect(platformAdded).toBe(withDependency ? 2 : 0);
    expect(cdk8sAdded).toBeGreaterThanOrEqual(3 * platformAdded);
    // AND it rendered each object once, with or without dependencies
    expect(counts.rendered).toBe(2);
    // AND the files are cdk8s's
    expect(contents(platform.outdir)).toEqual(contents(cdk8s.outdir));
    // AND synthYaml validates once as well, and gives cdk8s's text
    const before = counts.validated;
    expect(platform.synthYaml()).toBe(cdk8s.synthYaml());
    expect(counts.validated - before).toBe(2);
  });

  test.each([YamlOutputType.FILE_PER_APP, YamlOutputType.FILE_PER_CHART, YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE])(
    'writes what cdk8s writes for an app with nested charts and dependencies, output type %s (YamlOutputType)',
    (yamlOutputType) => {
      // GIVEN an app that cdk8s's own synth writes: a chart nested in another, and a dependency between charts
      const make = (app: App) => {
        const outer = new Chart(app, 'outer');
        new k8s.KubeConfigMap(outer, 'cm', { metadata: { name: 'outer' } });
        new k8s.KubeConfigMap(new Chart(outer, 'inner'), 'cm', { metadata: { name: 'inner' } });
        const last = new Chart(app, 'last');
        new k8s.KubeConfigMap(last, 'cm', { metadata: { name: 'last' }, data: { a: '1' } });
        last.addDependency(outer);
        return app;
      };
      const cdk8s = make(new App({ outdir: scratchDir('cdk8s-nested-'), yamlOutputType }));
      const platform = make(new PlatformApp({ outdir: scratchDir('platform-nested-'), yamlOutputType }));
      // WHEN both synthesize THEN they write the same files, and the same YAML text
      cdk8s.synth();
      platform.synth();
      const files = (dir: string): Record<string, string> => Object.fromEntries(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
        .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
      expect(Object.keys(files(cdk8s.outdir)).length).toBeGreaterThan(0);
      expect(files(platform.outdir)).toEqual(files(cdk8s.outdir));
      expect(platform.synthYaml()).toBe(cdk8s.synthYaml());
    },
  );

  test('writes the files cdk8s writes, byte for byte, one per chart, an empty one for a chart without objects', () => {
    // GIVEN the same app as a cdk8s App and as a PlatformApp
    const cdk8s = new App({ outdir: scratchDir('cdk8s-') });
    build(cdk8s);
    const platform = new PlatformApp({ outdir: scratchDir('platform-') });
    build(platform);
    // WHEN both synthesize
    cdk8s.synth();
    platform.synth();
    // THEN the folders hold the same files with the same bytes, and no partial file is left
    const expected = contents(cdk8s.outdir);
    expect(Object.keys(expected)).toHaveLength(4);
    expect(expected[Object.keys(expected).find((f) => f.startsWith('empty'))!]).toBe('');
    expect(contents(platform.outdir)).toEqual(expected);
    const many = Object.entries(expected).find(([f]) => f.startsWith('group-many'))![1];
    expect(many.match(/^kind: ConfigMap$/gm)).toHaveLength(600);
  });

  test('leaves the output folder as it was when the app is invalid, and creates none that did not exist', () => {
    // GIVEN an output folder with an earlier file, and an app whose last chart has an object with a bad name
    const outdir = scratchDir('out-');
    fs.writeFileSync(path.join(outdir, 'earlier.k8s.yaml'), 'kind: Earlier\n');
    const invalid = (dir: string) => {
      const app = new PlatformApp({ outdir: dir });
      build(app);
      new k8s.KubeConfigMap(new Chart(app, 'broken'), 'cm', { metadata: { name: 'Not_A_Name' } });
      return app;
    };
    // WHEN it synthesizes
    // THEN the synth fails naming the object, after the other charts' documents were made
    expect(() => invalid(outdir).synth()).toThrow(/broken\/cm[\s\S]*Not_A_Name/);
    // AND the folder holds the earlier file only: no chart file, no partial file
    expect(contents(outdir)).toEqual({ 'earlier.k8s.yaml': 'kind: Earlier\n' });
    // AND a folder that did not exist is not created
    const missing = path.join(scratchDir('parent-'), 'dist');
    expect(() => invalid(missing).synth()).toThrow(/Not_A_Name/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
