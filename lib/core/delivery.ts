import { IConstruct } from 'constructs';

/**
 * How the platform's Helm charts reach the cluster. One setting for the whole app
 * (`new PlatformApp({ chartDelivery })`); every chart release of the app follows it, and everything
 * that is not a chart (namespaces, policies, jobs) is the same in every mode.
 */
export enum ChartDelivery {
  /**
   * A `helm.cattle.io/v1` HelmChart per release, installed by the helm controller built into k3s
   * (and RKE2): `kubectl apply` of dist/ is all it takes.
   */
  K3S_HELM_CHART = 'k3s-helm-chart',
  /**
   * Flux: a `source.toolkit.fluxcd.io/v1` HelmRepository per chart repository and a
   * `helm.toolkit.fluxcd.io/v2` HelmRelease per release, in the namespace `flux-system`. Needs Flux's
   * source and helm controllers in the cluster.
   */
  FLUX = 'flux',
  /**
   * Argo CD: an `argoproj.io/v1alpha1` Application per release in the namespace `argocd`, synced
   * automatically and server-side. Needs Argo CD in the cluster.
   */
  ARGO_CD = 'argo-cd',
}

/** The context key of the app that holds the delivery mode; PlatformApp sets it from its `chartDelivery` prop. */
export const CHART_DELIVERY_CONTEXT = 'spark-platform:chartDelivery';

const MODES = Object.values(ChartDelivery) as string[];

/**
 * The delivery mode of the app of `scope`: the app's `chartDelivery`, or the k3s HelmChart when the
 * app sets none. `report` hears of a value that is not a mode, and the default is returned.
 */
export function chartDeliveryOf(scope: IConstruct, report: (problem: string) => void = () => undefined): ChartDelivery {
  const value: unknown = scope.node.root.node.tryGetContext(CHART_DELIVERY_CONTEXT);
  if (value === undefined) {
    return ChartDelivery.K3S_HELM_CHART;
  }
  if (typeof value === 'string' && MODES.includes(value)) {
    return value as ChartDelivery;
  }
  const modes = Object.entries(ChartDelivery).map(([key, mode]) => `ChartDelivery.${key} ("${mode}")`);
  report(`chartDelivery ${JSON.stringify(value)} of the app is not a delivery mode: use ${modes.slice(0, -1).join(', ')} or ${modes[modes.length - 1]}`);
  return ChartDelivery.K3S_HELM_CHART;
}
