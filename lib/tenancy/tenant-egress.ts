import { isIPv4, isIPv6 } from 'net';
import { dnsLabelProblem } from '../core/names';

/**
 * A destination outside the tenant that its pods (drivers and executors) may open connections to,
 * for example object storage. Give either `cidr` (an address range, for services outside the
 * cluster) or `namespace` (for services that run as pods in the cluster, such as MinIO).
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
   * A namespace of the cluster whose pods may be reached, for example `minio`.
   * @default - none; set this or `cidr`
   */
  readonly namespace?: string;
  /**
   * Labels that select the reachable pods in `namespace`.
   * @default - every pod of the namespace
   */
  readonly podLabels?: Record<string, string>;
  /**
   * TCP ports that may be reached, for example `[9000]` for MinIO or `[443]` for S3.
   * @default - every port and protocol
   */
  readonly ports?: number[];
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
  } else if (rule.except !== undefined) {
    problems.push(`${what}.except needs cidr: except narrows an address range; remove it or set cidr`);
  }
  if (rule.namespace !== undefined) {
    problems.push(dnsLabelProblem(rule.namespace, `${what}.namespace`));
  } else if (rule.podLabels !== undefined) {
    problems.push(`${what}.podLabels needs namespace: podLabels select pods in a namespace; remove it or set namespace`);
  }
  (rule.ports ?? []).forEach((port, i) => problems.push(portProblem(port, `${what}.ports[${i}]`)));
  if (rule.ports !== undefined && rule.ports.length === 0) {
    problems.push(`${what}.ports is empty, which Kubernetes reads as every port: leave ports unset for every port or list the ports, for example [443]`);
  }
  return problems.filter((p): p is string => p !== undefined);
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
