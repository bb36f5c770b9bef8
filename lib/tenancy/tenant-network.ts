import { isIPv4, isIPv6 } from 'net';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { ApiServerEndpoint, apiServerEgress, dnsEgress, NamespacePolicies, tcpPorts } from '../core/network-policy-kit';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem } from '../core/names';

/**
 * A destination outside the tenant that its pods (drivers and executors) may open connections to,
 * for example object storage. Give either `cidr` (an address range, for services outside the
 * cluster) or `namespace` (for services that run as pods in the cluster).
 */
export interface TenantEgressRule {
  /**
   * The address range, in CIDR notation, for example `10.0.5.0/24` or `192.168.1.20/32`.
   * @default - none; set this or `namespace`
   */
  readonly cidr?: string;
  /**
   * Ranges inside `cidr` that stay closed.
   * @default - none
   */
  readonly except?: string[];
  /**
   * A namespace of the cluster whose pods may be reached, for example `object-store`.
   * @default - none; set this or `cidr`
   */
  readonly namespace?: string;
  /**
   * Labels that select the reachable pods in `namespace`.
   * @default - every pod of the namespace
   */
  readonly podLabels?: Record<string, string>;
  /**
   * TCP ports that may be reached, for example `[8333]` for S3 or `[443]`.
   * @default - every port and protocol
   */
  readonly ports?: number[];
}

/** Pods of another namespace that may open connections to some pods of the tenant, on some ports. */
export interface TenantIngressRule {
  /** The namespace the connections come from, for example `monitoring`. */
  readonly fromNamespace: string;
  /**
   * Labels that select the pods in `fromNamespace` that may connect.
   * @default - every pod of that namespace
   */
  readonly fromPodLabels?: Record<string, string>;
  /**
   * Labels that select the tenant's pods that may be reached, for example `{ 'spark-role': 'driver' }`.
   * @default - every pod of the tenant
   */
  readonly toPodLabels?: Record<string, string>;
  /** TCP ports that may be reached, for example `[4040]`. */
  readonly ports: number[];
}

export type { ApiServerEndpoint } from '../core/network-policy-kit';

/**
 * The addresses of the k3d cluster of k3d/k3d-config.yaml, which pins them: the `kubernetes`
 * Service (k3s' first service address, 10.43.0.1, port 443) and the nodes' Docker network
 * (`subnet: 172.28.0.0/16`), where the server listens on 6443. On k3s, kube-proxy translates the
 * Service address to the server node's before network policy looks at a packet, so the node range
 * is the one that matters there; the Service address covers CNIs that look before translation.
 */
export const K3D_API_SERVER_ENDPOINTS: ApiServerEndpoint[] = [
  { cidr: '10.43.0.1/32', port: 443 },
  { cidr: '172.28.0.0/16', port: 6443 },
];

/**
 * The IPv4 ranges that are not on the internet (the IANA special-purpose registry, RFC 6890 and its
 * updates): this network, the private networks where the cluster's pods, services and nodes live,
 * the shared address space of carrier-grade NAT (100.64.0.0/10, where some clouds put nodes or
 * pods), loopback, link-local (169.254.0.0/16, where clouds answer instance metadata and its
 * credentials), the protocol, documentation and benchmarking ranges, multicast and the reserved
 * range. A rule that opens a range around any of them must except it.
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml
 */
export const NON_INTERNET_RANGES: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

/** The label Spark puts on its pods: `driver` or `executor`. */
export const SPARK_ROLE_LABEL = 'spark-role';

/**
 * The NetworkPolicies that isolate a tenant, in the order default deny, same namespace, DNS, API
 * server for drivers.
 * @param labels the labels of every policy
 */
export function isolationPolicies(scope: Construct, namespaceName: string, apiServer: readonly ApiServerEndpoint[], labels: Record<string, string>): k8s.KubeNetworkPolicy[] {
  const policies = new NamespacePolicies(scope, namespaceName, namespaceName, labels);
  const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => policies.allow(id, name, spec);
  const everyPod: k8s.LabelSelector = {};
  return [
    // Everything not allowed below is denied, in both directions, for every pod of the namespace.
    policy('DefaultDeny', 'default-deny', { podSelector: everyPod, policyTypes: ['Ingress', 'Egress'] }),

    // The driver and its executors talk both ways on ports Spark picks (driver RPC 7078, block
    // managers, UI 4040): any pod of the tenant may reach any other, no pod of another namespace may.
    policy('AllowSameNamespace', 'allow-same-namespace', {
      podSelector: everyPod,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: everyPod }] }],
      egress: [{ to: [{ podSelector: everyPod }] }],
    }),

    // Executors find the driver by its Service's DNS name, so every pod needs DNS.
    policy('AllowDns', 'allow-dns', {
      podSelector: everyPod,
      policyTypes: ['Egress'],
      egress: [dnsEgress()],
    }),

    // Only drivers call the API server, to create and watch their executor pods. The API server is
    // not a pod, so it is found by address: the kubernetes Service and the server node, each on its port.
    policy('AllowDriverApiServer', 'allow-driver-apiserver', {
      podSelector: { matchLabels: { [SPARK_ROLE_LABEL]: 'driver' } },
      policyTypes: ['Egress'],
      egress: apiServerEgress(apiServer),
    }),
  ];
}

/** The NetworkPolicy that admits a tenant ingress rule: its pods from the other namespace's, on its TCP ports. */
export function ingressPolicySpec(rule: TenantIngressRule): k8s.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: rule.toPodLabels },
    policyTypes: ['Ingress'],
    ingress: [{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.fromNamespace } },
        podSelector: { matchLabels: rule.fromPodLabels },
      }],
      ports: tcpPorts(...rule.ports),
    }],
  };
}

/** A NetworkPolicy egress rule for a tenant egress rule. */
export function egressRule(rule: TenantEgressRule): k8s.NetworkPolicyEgressRule {
  return {
    to: [rule.namespace !== undefined
      ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': rule.namespace } }, podSelector: { matchLabels: rule.podLabels } }
      : { ipBlock: { cidr: rule.cidr ?? '', except: rule.except } }],
    ports: rule.ports !== undefined ? tcpPorts(...rule.ports) : undefined,
  };
}

/** The problems of one egress rule, each naming `what` (for example `egress[0]`) and the fix. */
export function egressProblems(rule: TenantEgressRule, what: string): string[] {
  const problems: (string | undefined)[] = [];
  if (rule.cidr !== undefined && rule.namespace !== undefined) {
    problems.push(`${what} sets both cidr and namespace: give one destination per rule, cidr for an address range or namespace for pods in the cluster`);
  } else if (rule.cidr === undefined && rule.namespace === undefined) {
    problems.push(`${what} sets neither cidr nor namespace: give cidr for an address range, for example "10.0.5.0/24", or namespace for pods in the cluster, for example "minio"`);
  }
  if (rule.cidr !== undefined) {
    problems.push(cidrProblem(rule.cidr, `${what}.cidr`));
    (rule.except ?? []).forEach((e, i) => problems.push(cidrProblem(e, `${what}.except[${i}]`) ?? exceptProblem(rule.cidr!, e, `${what}.except[${i}]`)));
    problems.push(nonInternetProblem(rule.cidr, rule.except ?? [], what));
  } else if (rule.except !== undefined) {
    problems.push(`${what}.except needs cidr: except narrows an address range; remove it or set cidr`);
  }
  if (rule.namespace !== undefined) {
    problems.push(dnsLabelProblem(rule.namespace, `${what}.namespace`));
  } else if (rule.podLabels !== undefined) {
    problems.push(`${what}.podLabels needs namespace: podLabels select pods in a namespace; remove it or set namespace`);
  }
  problems.push(...selectorProblems(rule.podLabels, `${what}.podLabels`));
  problems.push(...portsProblems(rule.ports, `${what}.ports`, true));
  return problems.filter((p): p is string => p !== undefined);
}

/** The problems of one ingress rule, each naming `what` and the fix. */
export function ingressProblems(rule: TenantIngressRule, what: string): string[] {
  return [
    dnsLabelProblem(rule.fromNamespace, `${what}.fromNamespace`),
    ...selectorProblems(rule.fromPodLabels, `${what}.fromPodLabels`),
    ...selectorProblems(rule.toPodLabels, `${what}.toPodLabels`),
    ...portsProblems(rule.ports, `${what}.ports`, false),
  ].filter((p): p is string => p !== undefined);
}

function selectorProblems(labels: Record<string, string> | undefined, what: string): string[] {
  return Object.entries(labels ?? {})
    .map(([k, v]) => labelKeyProblem(k, what) ?? labelValueProblem(v, `${what}[${JSON.stringify(k)}]`))
    .filter((p): p is string => p !== undefined);
}

function portsProblems(ports: number[] | undefined, what: string, optional: boolean): string[] {
  const problems = (ports ?? []).map((port, i) => portProblem(port, `${what}[${i}]`)).filter((p): p is string => p !== undefined);
  if (ports !== undefined && ports.length === 0) {
    problems.push(optional
      ? `${what} is empty, which Kubernetes reads as every port: leave ports unset for every port or list the ports, for example [443]`
      : `${what} is empty, which Kubernetes reads as every port: list the ports, for example [4040]`);
  }
  return problems;
}

/** The problems of the API server endpoints drivers may reach. */
export function apiServerProblems(endpoints: ApiServerEndpoint[], what: string): string[] {
  if (endpoints.length === 0) {
    return [`${what} is empty, so Spark drivers cannot reach the Kubernetes API server to create their executors: leave it unset or give the API server's addresses, for example [{ cidr: "10.43.0.1/32", port: 443 }, { cidr: "172.28.0.2/32", port: 6443 }]`];
  }
  return endpoints.flatMap((e, i) => [cidrProblem(e.cidr, `${what}[${i}].cidr`), portProblem(e.port, `${what}[${i}].port`)])
    .filter((p): p is string => p !== undefined);
}

/** The problem with `cidr` as a CIDR range, or undefined. */
export function cidrProblem(cidr: string, what: string): string | undefined {
  const [ip, prefix, ...rest] = cidr.split('/');
  const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : undefined;
  if (max !== undefined && prefix === undefined) {
    return `${what} "${cidr}" is an address, not a CIDR range: add the prefix length; did you mean "${ip}/${max}"?`;
  }
  if (max === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    return `${what} "${cidr}" is not a CIDR range: use an address and a prefix length, for example "10.0.5.0/24"`;
  }
  return undefined;
}

function exceptProblem(cidr: string, except: string, what: string): string | undefined {
  const range = ipv4Range(cidr);
  const inner = ipv4Range(except);
  if (range && inner && !(inner.first >= range.first && inner.last <= range.last && inner.bits > range.bits)) {
    return `${what} "${except}" is not inside cidr "${cidr}": the API server rejects an except range outside its cidr; remove it or widen cidr`;
  }
  return undefined;
}

/**
 * The problem with a range that takes in ranges not on the internet without excepting them: a rule
 * for `0.0.0.0/0` would open the cluster's own networks and the cloud's metadata endpoint. A range
 * that lies inside one of them (a rule for `10.0.5.0/24`, say) names it on purpose and is fine.
 */
function nonInternetProblem(cidr: string, except: string[], what: string): string | undefined {
  const range = ipv4Range(cidr);
  if (!range) {
    return undefined;
  }
  const excepted = except.map(ipv4Range);
  const missing = NON_INTERNET_RANGES.filter((r) => {
    const inner = ipv4Range(r)!;
    const inside = inner.bits > range.bits && inner.first >= range.first && inner.last <= range.last;
    return inside && !excepted.some((e) => e !== undefined && e.first <= inner.first && e.last >= inner.last);
  });
  if (missing.length === 0) {
    return undefined;
  }
  return `${what}.cidr "${cidr}" takes in ${missing.join(', ')}, which are not on the internet (the cluster's own networks, the cloud's link-local metadata endpoint, shared and reserved ranges): add them to ${what}.except, for example with NON_INTERNET_RANGES`;
}

function ipv4Range(cidr: string): { first: number; last: number; bits: number } | undefined {
  const [ip, prefix] = cidr.split('/');
  if (!isIPv4(ip) || prefix === undefined) {
    return undefined;
  }
  const bits = Number(prefix);
  const address = ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - bits);
  const first = Math.floor(address / size) * size;
  return { first, last: first + size - 1, bits };
}

/** The problem with `port` as a TCP port, or undefined. */
export function portProblem(port: number, what: string): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return `${what} ${port} is not a port: use a whole number from 1 to 65535, for example 443`;
  }
  return undefined;
}
