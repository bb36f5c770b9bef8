/** Checks of Kubernetes object names, shared by the constructs. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Returns the problem with `name` as an RFC 1123 DNS label (namespaces, services), or undefined.
 * @param what names the value in the message, for example `name`
 */
export function dnsLabelProblem(name: string, what: string): string | undefined {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    return `${what} "${name}" is not a valid RFC 1123 label: use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit${suggest(name, 63)}`;
  }
  return undefined;
}

/**
 * Returns the problem with `name` as an RFC 1123 DNS subdomain (most object names), or undefined.
 * @param what names the value in the message, for example `serviceAccountName`
 */
export function dnsSubdomainProblem(name: string, what: string): string | undefined {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return `${what} "${name}" is not a valid RFC 1123 subdomain: use at most 253 lower-case letters, digits, "-" and ".", starting and ending with a letter or digit${suggest(name, 253)}`;
  }
  return undefined;
}

function suggest(name: string, maxLength: number): string {
  const fixed = name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, maxLength).replace(/[-.]+$/, '');
  return fixed && fixed !== name ? `; did you mean "${maxLength === 63 ? fixed.replace(/\./g, '-') : fixed}"?` : '';
}
