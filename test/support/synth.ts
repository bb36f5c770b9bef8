import { App, Chart, Testing } from 'cdk8s';

/** A fresh app with one chart, for tests that build a platform by hand. */
export function appWithChart(): { app: App; chart: Chart } {
  const app = Testing.app();
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
