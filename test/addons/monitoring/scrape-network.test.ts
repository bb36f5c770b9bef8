import { distDocs } from '../../support/dist-docs';
import { Connection, NetworkPolicyEvaluator, PodEndpoint } from '../../support/network-policy';
import { ofKind } from '../../support/synth';

// The NetworkPolicies of dist/, evaluated with Kubernetes' NetworkPolicy semantics: Prometheus, and
// only Prometheus, reaches the tenants' drivers on the metrics port (the driver UI, 4040) and the
// operator on its metrics port (8080), and nothing else of theirs.
const policies = ofKind(distDocs(), 'NetworkPolicy');
const net = new NetworkPolicyEvaluator(policies);
/** The tenants' own policies only: what the tenant lets in, whatever other namespaces allow out. */
const tenantOnly = (team: string) => new NetworkPolicyEvaluator(policies.filter((p) => p.metadata.namespace === team));

const PROMETHEUS_LABELS = {
  'app.kubernetes.io/name': 'prometheus',
  'app.kubernetes.io/instance': 'kube-prometheus-stack-prometheus',
  'app.kubernetes.io/managed-by': 'prometheus-operator',
  'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus',
  'operator.prometheus.io/shard': '0',
  prometheus: 'kube-prometheus-stack-prometheus',
};
const prometheus: PodEndpoint = { namespace: 'monitoring', labels: PROMETHEUS_LABELS, ip: '10.42.1.50' };
const grafana: PodEndpoint = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'kube-prometheus-stack' }, ip: '10.42.1.51' };
const promOperator: PodEndpoint = { namespace: 'monitoring', labels: { app: 'kube-prometheus-stack-operator', release: 'kube-prometheus-stack' }, ip: '10.42.1.52' };
const kubeStateMetrics: PodEndpoint = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': 'kube-prometheus-stack' }, ip: '10.42.1.53' };
const otherMonitoringPod: PodEndpoint = { namespace: 'monitoring', labels: { app: 'debug' }, ip: '10.42.1.54' };
const driver = (namespace: string): PodEndpoint => ({ namespace, labels: { 'spark-role': 'driver', 'sparkoperator.k8s.io/app-name': 'pi' }, ip: '10.42.2.10' });
const executor = (namespace: string): PodEndpoint => ({ namespace, labels: { 'spark-role': 'executor', 'sparkoperator.k8s.io/app-name': 'pi' }, ip: '10.42.2.11' });
const controller: PodEndpoint = { namespace: 'spark-operator', labels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/instance': 'spark-operator', 'app.kubernetes.io/component': 'controller' }, ip: '10.42.3.10' };
const webhook: PodEndpoint = { namespace: 'spark-operator', labels: { 'app.kubernetes.io/name': 'spark-operator', 'app.kubernetes.io/instance': 'spark-operator', 'app.kubernetes.io/component': 'webhook' }, ip: '10.42.3.11' };
const tcp = (from: PodEndpoint, to: Connection['to'], port: number): Connection => ({ from, to, port });

/** The same labels in other namespaces: a pod there that claims to be Prometheus. */
const impostors = ['default', 'kube-system', 'spark-operator', 'team-alpha', 'team-beta'].map((namespace): PodEndpoint => ({ namespace, labels: PROMETHEUS_LABELS, ip: '10.42.4.10' }));

describe.each(['team-alpha', 'team-beta'])("the scraper and %s's network policy", (team) => {
  test('Prometheus scrapes the drivers on the metrics port 4040 (its egress and the tenant ingress both allow it)', () => {
    expect(net.allows(tcp(prometheus, driver(team), 4040))).toBe(true);
    expect(tenantOnly(team).ingressAllows(tcp(prometheus, driver(team), 4040))).toBe(true);
  });

  test('and on no other port of the drivers, nor on the executors', () => {
    for (const port of [7078, 7079, 4041, 8080, 18080, 443, 22]) {
      expect(tenantOnly(team).ingressAllows(tcp(prometheus, driver(team), port))).toBe(false);
      expect(net.allows(tcp(prometheus, driver(team), port))).toBe(false);
    }
    for (const port of [4040, 7079]) {
      expect(tenantOnly(team).ingressAllows(tcp(prometheus, executor(team), port))).toBe(false);
    }
  });

  test('no other pod of the monitoring namespace gets in, on 4040 or elsewhere', () => {
    for (const from of [grafana, promOperator, kubeStateMetrics, otherMonitoringPod]) {
      for (const port of [4040, 7078]) {
        expect(tenantOnly(team).ingressAllows(tcp(from, driver(team), port))).toBe(false);
        expect(net.allows(tcp(from, driver(team), port))).toBe(false);
      }
    }
  });

  test('no pod of another namespace gets in, even one labelled like Prometheus', () => {
    for (const from of impostors.filter((p) => p.namespace !== team)) {
      expect(tenantOnly(team).ingressAllows(tcp(from, driver(team), 4040))).toBe(false);
      expect(net.allows(tcp(from, driver(team), 4040))).toBe(false);
    }
  });

  test("the tenant's pods cannot reach Prometheus or Grafana", () => {
    for (const to of [prometheus, grafana]) {
      for (const port of [9090, 3000, 8080]) {
        expect(net.allows(tcp(driver(team), to, port))).toBe(false);
        expect(net.allows(tcp(executor(team), to, port))).toBe(false);
      }
    }
  });
});

describe("the scraper and the operator's network policy", () => {
  test('Prometheus scrapes the controller and the webhook on 8080, their metrics port', () => {
    expect(net.allows(tcp(prometheus, controller, 8080))).toBe(true);
    expect(net.allows(tcp(prometheus, webhook, 8080))).toBe(true);
  });

  test('and nothing else of theirs; no other monitoring pod reaches 8080', () => {
    expect(net.allows(tcp(prometheus, webhook, 9443))).toBe(false);
    expect(net.allows(tcp(prometheus, controller, 8081))).toBe(false);
    for (const from of [grafana, promOperator, otherMonitoringPod, ...impostors.filter((p) => p.namespace !== 'spark-operator')]) {
      expect(net.allows(tcp(from, controller, 8080))).toBe(false);
    }
  });
});

describe("the monitoring namespace's own policies", () => {
  const apiService = { ip: '10.43.0.1' };
  const serverNode = { ip: '172.28.0.2' };

  test('Grafana queries Prometheus; every component reaches DNS and the API server', () => {
    expect(net.allows(tcp(grafana, prometheus, 9090))).toBe(true);
    for (const from of [prometheus, grafana, promOperator, kubeStateMetrics]) {
      expect(net.allows({ from, to: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.3' }, port: 53, protocol: 'UDP' })).toBe(true);
      expect(net.allows(tcp(from, apiService, 443))).toBe(true);
      expect(net.allows(tcp(from, serverNode, 6443))).toBe(true);
    }
  });

  test("Prometheus scrapes the stack's own components, the kubelets and CoreDNS", () => {
    expect(net.allows(tcp(prometheus, promOperator, 8080))).toBe(true);
    expect(net.allows(tcp(prometheus, kubeStateMetrics, 8080))).toBe(true);
    expect(net.allows(tcp(prometheus, grafana, 3000))).toBe(true);
    expect(net.allows(tcp(prometheus, prometheus, 9090))).toBe(true);
    expect(net.allows(tcp(prometheus, serverNode, 10250))).toBe(true);
    expect(net.allows(tcp(prometheus, { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.3' }, 9153))).toBe(true);
  });

  test('nothing else goes out: not the internet, not other pods of the cluster', () => {
    for (const from of [prometheus, grafana, promOperator, kubeStateMetrics, otherMonitoringPod]) {
      expect(net.allows(tcp(from, { ip: '140.82.112.3' }, 443))).toBe(false);
      expect(net.allows(tcp(from, { namespace: 'default', labels: { app: 'web' }, ip: '10.42.5.5' }, 80))).toBe(false);
    }
    expect(net.allows(tcp(grafana, driver('team-alpha'), 4040))).toBe(false);
    expect(net.allows(tcp(kubeStateMetrics, prometheus, 9090))).toBe(false);
  });

  test('nothing from outside the namespace gets in', () => {
    for (const from of [driver('team-alpha'), executor('team-beta'), controller, { namespace: 'default', labels: {}, ip: '10.42.5.5' }]) {
      for (const to of [prometheus, grafana, promOperator, kubeStateMetrics]) {
        for (const port of [9090, 3000, 8080]) {
          expect(net.ingressAllows(tcp(from, to, port))).toBe(false);
        }
      }
    }
  });
});
