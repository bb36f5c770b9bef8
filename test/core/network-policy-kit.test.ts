import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { apiServerEgress, dnsEgress, kubeDnsPeer, namespacePeer, NamespacePolicies, tcpPorts } from '../../lib/core/network-policy-kit';

const port = (n: number) => k8s.IntOrString.fromNumber(n);

describe('the NetworkPolicy kit', () => {
  test('DNS egress reaches kube-dns in kube-system on port 53, UDP and TCP', () => {
    const rule = dnsEgress();
    expect(rule).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: port(53) }, { protocol: 'TCP', port: port(53) }],
    });
  });

  test('each call returns new objects, so no two policies share one', () => {
    expect(kubeDnsPeer()).not.toBe(kubeDnsPeer());
    expect(dnsEgress().to![0]).not.toBe(dnsEgress().to![0]);
    const labels = { app: 'x' };
    expect(namespacePeer('a', labels).podSelector!.matchLabels).not.toBe(labels);
  });

  test('a namespace peer without pod labels selects the whole namespace', () => {
    expect(JSON.parse(JSON.stringify(namespacePeer('team-a')))).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } });
  });

  test('API server egress has one rule per endpoint, each on its own port', () => {
    const rules = apiServerEgress([{ cidr: '10.43.0.1/32', port: 443 }, { cidr: '172.28.0.0/16', port: 6443 }]);
    expect(rules).toEqual([
      { to: [{ ipBlock: { cidr: '10.43.0.1/32' } }], ports: [{ protocol: 'TCP', port: port(443) }] },
      { to: [{ ipBlock: { cidr: '172.28.0.0/16' } }], ports: [{ protocol: 'TCP', port: port(6443) }] },
    ]);
    expect(tcpPorts(1, 2)).toEqual([{ protocol: 'TCP', port: port(1) }, { protocol: 'TCP', port: port(2) }]);
  });

  test('a namespace\'s policies are named <prefix>-<name> in that namespace, with its labels, default deny first', () => {
    const chart = new Chart(Testing.app(), 'test');
    const policies = new NamespacePolicies(chart, 'store', 'seaweedfs', { team: 'platform' });
    policies.defaultDeny();
    policies.allow('AllowDns', 'allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [dnsEgress()] });
    const docs = Testing.synth(chart);
    expect(docs.map((d) => [d.kind, d.metadata.namespace, d.metadata.name, d.metadata.labels])).toEqual([
      ['NetworkPolicy', 'store', 'seaweedfs-default-deny', { team: 'platform' }],
      ['NetworkPolicy', 'store', 'seaweedfs-allow-dns', { team: 'platform' }],
    ]);
    expect(docs[0].spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });
});
