import { LabelSelector, selects } from '../../core/label-selector';
import { PodSecurityLevel, podSecurityLabels } from '../../core/pod-security';

/** Where the platform's monitors are: their labels, and the namespaces (with their labels) they sit in. */
export interface PlatformMonitors {
  /** The release name, whose `release` label the platform's and the chart's monitors carry. */
  readonly releaseName: string;
  /** The stack's namespace, with the chart's ServiceMonitors and the tenants' PodMonitors. */
  readonly namespace: string;
  /** The operator's namespace, with its chart's PodMonitor. */
  readonly operatorNamespace: string;
}

/**
 * What in the stack's merged values would leave Prometheus without the platform's own targets:
 * Prometheus or its operator turned off, or monitor selectors that no longer select the monitors
 * the platform and the chart create (the tenants' and the operator's PodMonitors, the chart's
 * ServiceMonitors of kube-state-metrics, Grafana and Prometheus).
 *
 * The selectors are read as kube-prometheus-stack 88.5.3 renders them (templates/prometheus/
 * prometheus.yaml, described at values.yaml lines 4472-4511): an empty `podMonitorSelector` becomes
 * `matchLabels: {release: <release name>}` while `podMonitorSelectorNilUsesHelmValues` is true (the
 * default), and selects every monitor when it is false; likewise for ServiceMonitors.
 */
export function monitorSelectionProblems(values: Record<string, any>, monitors: PlatformMonitors): string[] {
  const problems: string[] = [];
  for (const component of ['prometheus', 'prometheusOperator'] as const) {
    if (values[component]?.enabled === false) {
      problems.push(`values ${component}.enabled is false, which leaves the monitoring add-on without ${component === 'prometheus' ? 'Prometheus' : "the operator that runs Prometheus"}: remove that value, or leave the PlatformMonitoring add-on out`);
    }
  }
  const spec = values.prometheus?.prometheusSpec ?? {};
  const monitorLabels = { release: monitors.releaseName };
  const namespaceLabels = (name: string) => ({ ...podSecurityLabels(PodSecurityLevel.RESTRICTED), 'kubernetes.io/metadata.name': name });
  for (const kind of ['podMonitor', 'serviceMonitor'] as const) {
    const Kind = kind === 'podMonitor' ? 'PodMonitor' : 'ServiceMonitor';
    const namespaces = kind === 'podMonitor' ? [monitors.namespace, monitors.operatorNamespace] : [monitors.namespace];
    const what = kind === 'podMonitor' ? "the operator's and the tenants' Spark drivers' PodMonitors" : "the chart's own ServiceMonitors (kube-state-metrics, which the quota dashboard reads, Grafana, Prometheus)";
    const selector: LabelSelector | undefined = spec[`${kind}Selector`];
    const empty = selector === undefined || selector === null || Object.keys(selector).length === 0;
    const effective: LabelSelector = !empty ? selector : spec[`${kind}SelectorNilUsesHelmValues`] === false ? {} : { matchLabels: monitorLabels };
    if (!selects(effective, monitorLabels)) {
      problems.push(`values prometheus.prometheusSpec.${kind}Selector ${JSON.stringify(selector)} does not select ${what}, which carry the label release: "${monitors.releaseName}", so Prometheus would not scrape them: remove ${kind}Selector, or select that label, for example { matchLabels: { release: "${monitors.releaseName}" } }`);
    }
    const namespaceSelector: LabelSelector | undefined = spec[`${kind}NamespaceSelector`];
    const missed = namespaceSelector ? namespaces.filter((ns) => !selects(namespaceSelector, namespaceLabels(ns))) : [];
    if (missed.length > 0) {
      problems.push(`values prometheus.prometheusSpec.${kind}NamespaceSelector ${JSON.stringify(namespaceSelector)} does not select the namespace${missed.length > 1 ? 's' : ''} ${missed.join(', ')}, where the platform's ${Kind}s are, so Prometheus would not scrape them: remove ${kind}NamespaceSelector from the values (the platform selects ${namespaces.join(' and ')})`);
    }
  }
  return problems;
}
