import { App, Chart } from 'cdk8s';
import { ChartDelivery, ObjectStorage, PlatformApp, PlatformMonitoring, SparkOperatorRelease, TenantNamespace, VolcanoScheduling } from '../../lib';
import { problemsOf } from '../support/synth';
import { scratchDir } from '../support/project';

// Every component that installs a chart (the operator, Volcano, the monitoring stack, the object
// store) runs in a namespace of its own, made restricted and isolated by lib/core/platform-addon.ts:
// never one of Kubernetes, one with the kube- prefix, or the namespace of the app's chart delivery.

type Component = 'operator' | 'volcano' | 'monitoring' | 'storage';

function platform(component: Component, namespace: string, chartDelivery = ChartDelivery.K3S_HELM_CHART): App {
  const app = new PlatformApp({ outdir: scratchDir('addon-'), chartDelivery });
  const chart = new Chart(app, 'platform');
  const alpha = new TenantNamespace(chart, 'alpha', { name: 'team-alpha' });
  const operator = new SparkOperatorRelease(chart, 'operator', { tenants: [alpha], namespace: component === 'operator' ? namespace : undefined });
  if (component === 'volcano') {
    new VolcanoScheduling(chart, 'volcano', { operator, namespace });
  } else if (component === 'monitoring') {
    new PlatformMonitoring(chart, 'monitoring', { operator, namespace });
  } else if (component === 'storage') {
    new ObjectStorage(chart, 'storage', { tenants: [alpha], namespace });
  }
  return app;
}

const owners: Record<Component, [string, string]> = {
  operator: ['platform/operator', 'spark-operator'],
  volcano: ['platform/volcano', 'volcano-system'],
  monitoring: ['platform/monitoring', 'monitoring'],
  storage: ['platform/storage/Store', 'object-store'],
};

describe.each(Object.keys(owners) as Component[])('the %s namespace', (component) => {
  const [path, suggestion] = owners[component];
  const fix = `install it into a namespace of its own, for example "${suggestion}"`;

  test('is not a namespace of Kubernetes itself', () => {
    const problems = problemsOf(platform(component, 'kube-system'));
    expect(problems.filter((p) => p.includes('"kube-system" is a namespace of Kubernetes itself'))).toEqual([expect.stringMatching(new RegExp(`^\\[${path}\\] .*${fix}$`))]);
  });

  test('has not the kube- prefix Kubernetes reserves', () => {
    const problems = problemsOf(platform(component, 'kube-tools'));
    expect(problems.filter((p) => p.includes('"kube-tools" has the "kube-" prefix'))).toEqual([expect.stringMatching(new RegExp(`^\\[${path}\\] .*${fix}$`))]);
  });

  test("is not the namespace of the app's chart delivery", () => {
    const flux = problemsOf(platform(component, 'flux-system', ChartDelivery.FLUX));
    expect(flux.filter((p) => p.includes('"flux-system" is the namespace of the app\'s chart delivery (flux)'))).toEqual([expect.stringMatching(new RegExp(`^\\[${path}\\] .*${fix}$`))]);
    const argo = problemsOf(platform(component, 'argocd', ChartDelivery.ARGO_CD));
    expect(argo.filter((p) => p.includes('"argocd" is the namespace of the app\'s chart delivery'))).toHaveLength(1);
  });

  test('may be the namespace another delivery would use', () => {
    expect(problemsOf(platform(component, 'flux-system', ChartDelivery.ARGO_CD)).filter((p) => p.includes('flux-system'))).toEqual([]);
  });
});
