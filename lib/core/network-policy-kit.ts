import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';

/**
 * The NetworkPolicy kit every part of the platform builds its isolation with: the tenants'
 * namespaces, the operator and each add-on. Each function returns new objects, so no two policies
 * share one (the YAML writer would otherwise see the same object twice).
 */

/** Where pods reach the Kubernetes API server: an address range and the port there. */
export interface ApiServerEndpoint {
  /** The address range, for example `10.43.0.1/32`. */
  readonly cidr: string;
  /** The TCP port, for example 443. */
  readonly port: number;
}

/** NetworkPolicy ports for TCP port numbers. */
export function tcpPorts(...ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }));
}

/** The pods of `namespace`, by its `kubernetes.io/metadata.name` label; with `podLabels`, only those pods. */
export function namespacePeer(namespace: string, podLabels?: Readonly<Record<string, string>>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: podLabels === undefined ? undefined : { matchLabels: { ...podLabels } },
  };
}

/** The cluster's DNS server: the kube-dns pods of kube-system (CoreDNS in k3s carries that label). */
export function kubeDnsPeer(): k8s.NetworkPolicyPeer {
  return namespacePeer('kube-system', { 'k8s-app': 'kube-dns' });
}

/** Name lookups: kube-dns on port 53, UDP and TCP. */
export function dnsEgress(): k8s.NetworkPolicyEgressRule {
  return { to: [kubeDnsPeer()], ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, ...tcpPorts(53)] };
}

/**
 * Calls to the API server. It is not a pod, so it is found by address: one rule per endpoint (the
 * kubernetes Service and the server node), each on its port.
 */
export function apiServerEgress(endpoints: readonly ApiServerEndpoint[]): k8s.NetworkPolicyEgressRule[] {
  return endpoints.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: tcpPorts(e.port) }));
}

/**
 * Makes the NetworkPolicies of one namespace, each named `<prefix>-<name>`: `defaultDeny()` first,
 * then one `allow(...)` per path a component needs.
 */
export class NamespacePolicies {
  /** @param labels the labels of every policy */
  constructor(private readonly scope: Construct, private readonly namespace: string, private readonly prefix: string, private readonly labels?: Record<string, string>) {}

  /** Nothing comes in or goes out of any pod of the namespace but what another policy allows. */
  public defaultDeny(id = 'DefaultDeny', name = 'default-deny'): k8s.KubeNetworkPolicy {
    return this.allow(id, name, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  }

  /** The policy `<prefix>-<name>` with `spec`, as the child `id` of the scope. */
  public allow(id: string, name: string, spec: k8s.NetworkPolicySpec): k8s.KubeNetworkPolicy {
    return new k8s.KubeNetworkPolicy(this.scope, id, { metadata: { name: `${this.prefix}-${name}`, namespace: this.namespace, labels: this.labels }, spec });
  }
}
