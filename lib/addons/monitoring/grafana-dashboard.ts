import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from '../../core/app';
import { GrafanaDashboardModel, PROMETHEUS_DATASOURCE_UID } from './dashboards';

/** The label the Grafana dashboard sidecar of kube-prometheus-stack looks for, and its value. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

export interface GrafanaDashboardProps {
  /** The namespace the Grafana sidecar searches (`grafana.sidecar.dashboards.searchNamespace`). */
  readonly namespace: string;
  /** The dashboard, in Grafana's JSON model. */
  readonly dashboard: GrafanaDashboardModel;
}

/**
 * A Grafana dashboard shipped as a ConfigMap that the dashboard sidecar of the Grafana pod picks up
 * by its label and loads into Grafana, file `<uid>.json`.
 *
 * @see https://github.com/grafana-community/helm-charts/tree/grafana-12.11.1/charts/grafana#sidecar-for-dashboards
 */
export class GrafanaDashboard extends Construct {
  /** The uid of the Prometheus datasource PlatformMonitoring gives Grafana, for a panel's `datasource`. */
  public static readonly PROMETHEUS_DATASOURCE_UID = PROMETHEUS_DATASOURCE_UID;

  /** The ConfigMap. */
  public readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    registerAppChecks(this);
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: `grafana-dashboard-${props.dashboard.uid}`, namespace: props.namespace, labels: { ...GRAFANA_DASHBOARD_LABEL } },
      data: { [`${props.dashboard.uid}.json`]: `${JSON.stringify(props.dashboard, null, 2)}\n` },
    });
  }
}
