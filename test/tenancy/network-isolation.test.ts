import { Testing } from 'cdk8s';
import { TenantNamespace } from '../../lib';
import { distDocs } from '../support/dist-docs';
import { Connection, NetworkPolicyEvaluator, PodEndpoint } from '../support/network-policy';
import { appWithChart, ofKind } from '../support/synth';

// The seed platform's NetworkPolicies, evaluated with Kubernetes' NetworkPolicy semantics: which
// connections a Spark job needs still work, and what crosses a tenant's boundary does not.
const policies = ofKind(distDocs(), 'NetworkPolicy');
const net = new NetworkPolicyEvaluator(policies);

const driver = (namespace: string): PodEndpoint => ({ namespace, labels: { 'spark-role': 'driver', 'sparkoperator.k8s.io/app-name': 'pi' }, ip: '10.42.1.10' });
const executor = (namespace: string): PodEndpoint => ({ namespace, labels: { 'spark-role': 'executor', 'sparkoperator.k8s.io/app-name': 'pi' }, ip: '10.42.2.11' });
const kubeDns: PodEndpoint = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.3' };
/** The `kubernetes` Service's address on k3s, and the k3d server node it is translated to. */
const API_SERVICE = { ip: '10.43.0.1' };
const K3D_SERVER_NODE = { ip: '172.28.0.2' };
const tcp = (from: PodEndpoint, to: Connection['to'], port: number): Connection => ({ from, to, port });

describe('the evaluator', () => {
  // The denials below mean something only if the evaluator reads policies as Kubernetes does.
  test('a pod that no policy selects is open; one that a policy selects is open only to its rules', () => {
    const open = new NetworkPolicyEvaluator([]);
    expect(open.allows(tcp(driver('a'), executor('b'), 80))).toBe(true);
    const onlyDns = new NetworkPolicyEvaluator([{ metadata: { namespace: 'a' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] } }]);
    expect(onlyDns.allows({ from: driver('a'), to: { ip: '1.1.1.1' }, port: 53, protocol: 'UDP' })).toBe(true);
    expect(onlyDns.allows({ from: driver('a'), to: { ip: '1.1.1.1' }, port: 53, protocol: 'TCP' })).toBe(false);
    expect(onlyDns.allows(tcp(driver('b'), executor('a'), 80))).toBe(true);
  });
});

describe.each(['team-alpha', 'team-beta'])('the NetworkPolicies of dist/ for %s', (team) => {
  const other = team === 'team-alpha' ? 'team-beta' : 'team-alpha';

  test('the driver and its executors reach each other on any port, both ways', () => {
    for (const port of [7078, 7079, 4040, 35000]) {
      expect(net.allows(tcp(executor(team), driver(team), port))).toBe(true);
      expect(net.allows(tcp(driver(team), executor(team), port))).toBe(true);
      expect(net.allows(tcp(executor(team), executor(team), port))).toBe(true);
    }
  });

  test("no pod of another namespace reaches the team's pods, whatever that namespace allows", () => {
    const withoutOthers = new NetworkPolicyEvaluator(policies.filter((p) => p.metadata.namespace === team));
    for (const from of [driver(other), executor(other), { namespace: 'default', labels: {} }, { namespace: 'spark-operator', labels: { 'app.kubernetes.io/name': 'spark-operator' } }]) {
      for (const port of [7078, 4040]) {
        expect(withoutOthers.ingressAllows(tcp(from, driver(team), port))).toBe(false);
        expect(net.allows(tcp(from, executor(team), port))).toBe(false);
      }
    }
    // The drivers' API server rule names the Service address and the node network only, so it
    // does not open 443 or 6443 to pod addresses either.
    expect(net.egressAllows(tcp(driver(other), driver(team), 443))).toBe(false);
    expect(net.egressAllows(tcp(driver(other), driver(team), 6443))).toBe(false);
    expect(net.allows(tcp(driver(other), driver(team), 443))).toBe(false);
  });

  test("the team's pods reach no pod of another namespace, whatever that namespace allows", () => {
    const withoutOthers = new NetworkPolicyEvaluator(policies.filter((p) => p.metadata.namespace === team));
    for (const to of [driver(other), { namespace: 'default', labels: { app: 'web' } }, { namespace: 'spark-operator', labels: {} }]) {
      for (const port of [7078, 8080, 9443]) {
        expect(withoutOthers.egressAllows(tcp(driver(team), to, port))).toBe(false);
        expect(withoutOthers.egressAllows(tcp(executor(team), to, port))).toBe(false);
      }
    }
  });

  test('every pod can query kube-dns on UDP and TCP 53, and nothing else in kube-system', () => {
    for (const from of [driver(team), executor(team)]) {
      expect(net.allows({ from, to: kubeDns, port: 53, protocol: 'UDP' })).toBe(true);
      expect(net.allows({ from, to: kubeDns, port: 53, protocol: 'TCP' })).toBe(true);
      expect(net.allows(tcp(from, kubeDns, 9153))).toBe(false);
      expect(net.allows({ from, to: { namespace: 'kube-system', labels: { app: 'metrics-server' } }, port: 53, protocol: 'UDP' })).toBe(false);
      expect(net.allows({ from, to: { ip: '8.8.8.8' }, port: 53, protocol: 'UDP' })).toBe(false);
    }
  });

  test("drivers reach the API server on k3s (the Service's 443, the server node's 6443) and nothing else on those ports; executors do not", () => {
    expect(net.allows(tcp(driver(team), API_SERVICE, 443))).toBe(true);
    expect(net.allows(tcp(driver(team), K3D_SERVER_NODE, 6443))).toBe(true);
    // Not the other private ranges, not 443 on the node network, not 6443 on the Service network.
    expect(net.allows(tcp(driver(team), { ip: '192.168.65.3' }, 6443))).toBe(false);
    expect(net.allows(tcp(driver(team), { ip: '10.0.0.9' }, 443))).toBe(false);
    expect(net.allows(tcp(driver(team), K3D_SERVER_NODE, 443))).toBe(false);
    expect(net.allows(tcp(driver(team), API_SERVICE, 6443))).toBe(false);
    expect(net.allows(tcp(driver(team), { ip: '10.43.0.10' }, 443))).toBe(false);
    expect(net.allows(tcp(executor(team), API_SERVICE, 443))).toBe(false);
    expect(net.allows(tcp(executor(team), K3D_SERVER_NODE, 6443))).toBe(false);
    expect(net.allows(tcp(driver(team), K3D_SERVER_NODE, 22))).toBe(false);
  });

  test('nothing else leaves the namespace: no internet, no object storage, no cloud metadata', () => {
    for (const from of [driver(team), executor(team)]) {
      for (const [ip, port] of [['52.216.0.1', 443], ['10.0.5.10', 9000], ['169.254.169.254', 80], ['1.1.1.1', 80]] as const) {
        expect(net.allows(tcp(from, { ip }, port))).toBe(false);
      }
    }
  });
});

describe('egress options', () => {
  const build = (props: Partial<ConstructorParameters<typeof TenantNamespace>[2]>) => {
    const { chart } = appWithChart();
    new TenantNamespace(chart, 'T', { name: 'team-a', ...props });
    return new NetworkPolicyEvaluator(ofKind(Testing.synth(chart), 'NetworkPolicy'));
  };

  test('an egress cidr opens that range on the given ports to every pod of the tenant', () => {
    const n = build({ egress: [{ cidr: '10.0.5.0/24', except: ['10.0.5.128/25'], ports: [9000, 443] }] });
    for (const from of [driver('team-a'), executor('team-a')]) {
      expect(n.allows(tcp(from, { ip: '10.0.5.10' }, 9000))).toBe(true);
      expect(n.allows(tcp(from, { ip: '10.0.5.10' }, 443))).toBe(true);
      expect(n.allows(tcp(from, { ip: '10.0.5.10' }, 22))).toBe(false);
      expect(n.allows(tcp(from, { ip: '10.0.5.200' }, 9000))).toBe(false);
      expect(n.allows(tcp(from, { ip: '10.0.6.10' }, 9000))).toBe(false);
    }
  });

  test('an egress namespace opens the selected pods of that namespace, on every port when ports are unset', () => {
    const n = build({ egress: [{ namespace: 'minio', podLabels: { app: 'minio' } }] });
    const minio = { namespace: 'minio', labels: { app: 'minio' } };
    expect(n.allows(tcp(executor('team-a'), minio, 9000))).toBe(true);
    expect(n.allows(tcp(executor('team-a'), minio, 9001))).toBe(true);
    expect(n.allows(tcp(executor('team-a'), { namespace: 'minio', labels: { app: 'console' } }, 9000))).toBe(false);
    expect(n.allows(tcp(executor('team-a'), { namespace: 'other', labels: { app: 'minio' } }, 9000))).toBe(false);
  });

  test("another cluster's API server endpoints replace k3d's", () => {
    const n = build({ apiServer: [{ cidr: '10.96.0.1/32', port: 443 }, { cidr: '192.168.1.10/32', port: 6443 }] });
    expect(n.allows(tcp(driver('team-a'), { ip: '10.96.0.1' }, 443))).toBe(true);
    expect(n.allows(tcp(driver('team-a'), { ip: '192.168.1.10' }, 6443))).toBe(true);
    expect(n.allows(tcp(driver('team-a'), API_SERVICE, 443))).toBe(false);
    expect(n.allows(tcp(driver('team-a'), K3D_SERVER_NODE, 6443))).toBe(false);
  });

  test('without networkIsolation nothing is restricted', () => {
    const n = build({ networkIsolation: false });
    expect(n.allows(tcp(driver('team-a'), driver('team-b'), 7078))).toBe(true);
    expect(n.allows(tcp(executor('team-a'), { ip: '52.216.0.1' }, 443))).toBe(true);
  });
});
