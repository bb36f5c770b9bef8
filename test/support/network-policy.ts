/**
 * A small evaluator of Kubernetes NetworkPolicy semantics over synthesized NetworkPolicy objects:
 * a connection is allowed when the source pod's egress and the destination pod's ingress both allow
 * it. A direction is open for a pod that no policy of that direction selects; otherwise it is open
 * only to what some rule of a selecting policy allows. Policies only add; order does not matter.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */

/** A pod, by namespace and labels; `ip` lets ipBlock peers match it, as most CNIs (kube-router too) do. */
export interface PodEndpoint {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ip?: string;
}

/** Something that is not a pod: the API server, a node, object storage, the internet. */
export interface AddressEndpoint {
  readonly ip: string;
}

export type Endpoint = PodEndpoint | AddressEndpoint;

export interface Connection {
  readonly from: PodEndpoint;
  readonly to: Endpoint;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export class NetworkPolicyEvaluator {
  /**
   * @param policies the NetworkPolicy objects of the cluster
   * @param namespaceLabels extra labels of namespaces; every namespace has `kubernetes.io/metadata.name`
   */
  constructor(private readonly policies: any[], private readonly namespaceLabels: Record<string, Record<string, string>> = {}) {}

  /** Whether the connection is allowed by both the source's egress and the destination's ingress. */
  public allows(c: Connection): boolean {
    return this.egressAllows(c) && this.ingressAllows(c);
  }

  /** Whether the source pod's egress policies let the connection out. */
  public egressAllows(c: Connection): boolean {
    const selecting = this.selecting(c.from, 'Egress');
    return selecting.length === 0 || selecting.some((p) => (p.spec.egress ?? []).some((rule: any) =>
      portsMatch(rule.ports, c) && peersMatch(rule.to, c.to, p.metadata.namespace, this)));
  }

  /** Whether the destination pod's ingress policies let the connection in (always, for an address). */
  public ingressAllows(c: Connection): boolean {
    if (!isPod(c.to)) {
      return true;
    }
    const selecting = this.selecting(c.to, 'Ingress');
    return selecting.length === 0 || selecting.some((p) => (p.spec.ingress ?? []).some((rule: any) =>
      portsMatch(rule.ports, c) && peersMatch(rule.from, c.from, p.metadata.namespace, this)));
  }

  /** The labels of a namespace, with the label Kubernetes sets on every namespace. */
  public labelsOf(namespace: string): Record<string, string> {
    return { ...this.namespaceLabels[namespace], 'kubernetes.io/metadata.name': namespace };
  }

  private selecting(pod: PodEndpoint, direction: 'Ingress' | 'Egress'): any[] {
    return this.policies.filter((p) => p.metadata.namespace === pod.namespace
      && policyTypes(p).includes(direction)
      && selectorMatches(p.spec.podSelector ?? {}, pod.labels));
  }
}

function policyTypes(policy: any): string[] {
  // Without policyTypes, a policy is for Ingress, and for Egress too when it has egress rules.
  return policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? ['Egress'] : [])];
}

function isPod(e: Endpoint): e is PodEndpoint {
  return 'namespace' in e;
}

function portsMatch(ports: any[] | undefined, c: Connection): boolean {
  if (!ports || ports.length === 0) {
    return true;
  }
  return ports.some((p) => {
    if (typeof p.port === 'string') {
      throw new Error('named ports are not supported by this evaluator');
    }
    const protocolOk = (p.protocol ?? 'TCP') === (c.protocol ?? 'TCP');
    const portOk = p.port === undefined || (p.endPort !== undefined ? c.port >= p.port && c.port <= p.endPort : c.port === p.port);
    return protocolOk && portOk;
  });
}

function peersMatch(peers: any[] | undefined, peer: Endpoint, policyNamespace: string, evaluator: NetworkPolicyEvaluator): boolean {
  if (!peers || peers.length === 0) {
    return true;
  }
  return peers.some((p) => {
    if (p.ipBlock) {
      return peer.ip !== undefined && inCidr(peer.ip, p.ipBlock.cidr) && !(p.ipBlock.except ?? []).some((e: string) => inCidr(peer.ip!, e));
    }
    if (!isPod(peer)) {
      return false;
    }
    const namespaceOk = p.namespaceSelector !== undefined
      ? selectorMatches(p.namespaceSelector, evaluator.labelsOf(peer.namespace))
      : peer.namespace === policyNamespace;
    return namespaceOk && selectorMatches(p.podSelector ?? {}, peer.labels);
  });
}

/** Whether labels satisfy a LabelSelector; the empty selector matches everything. */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e: any) => {
    switch (e.operator) {
      case 'In': return e.key in labels && e.values.includes(labels[e.key]);
      case 'NotIn': return !(e.key in labels) || !e.values.includes(labels[e.key]);
      case 'Exists': return e.key in labels;
      case 'DoesNotExist': return !(e.key in labels);
      default: throw new Error(`unknown operator ${e.operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** Whether an IPv4 address lies in a CIDR range (IPv6 ranges never match an IPv4 address). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, prefix] = cidr.split('/');
  if (base.includes(':') || ip.includes(':')) {
    return false;
  }
  const toNumber = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(prefix));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}
