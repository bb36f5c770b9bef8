import { App, AppProps, Chart } from 'cdk8s';
import { scratchDir } from './project';

/**
 * A cdk8s App whose outdir is a new folder under the test file's scratch folder, removed after its
 * tests. Use it instead of cdk8s's Testing.app(), which makes a folder in the system temp dir that
 * nothing removes.
 */
export function testApp(props: AppProps = {}): App {
  return new App({ outdir: scratchDir('app-'), ...props });
}

/** A fresh app with one chart, for tests that build a platform by hand. */
export function appWithChart(): { app: App; chart: Chart } {
  const app = testApp();
  return { app, chart: new Chart(app, 'test') };
}

/** The problems app.synth() would report, one per line, or [] when it synthesizes. */
export function problemsOf(app: App): string[] {
  try {
    app.synthYaml();
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
}

/** The objects of a kind among synthesized documents. */
export function ofKind(docs: any[], kind: string): any[] {
  return docs.filter((d) => d.kind === kind);
}
