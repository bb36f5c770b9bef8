/** Checks of Kubernetes object names, shared by the constructs. */
import * as crypto from 'crypto';
import { ChartDelivery } from './delivery';

/**
 * A name derived from another, `<base>-<suffix>`, kept within `maxLength` (63 by default: a label
 * value or an RFC 1123 label) so that every valid base name works at its longest. A name that would
 * be too long keeps the start of `base`, then the first 8 hex digits of `base`'s SHA-256 and the
 * suffix: the same base always gives the same name, and two bases that share a long start differ.
 * Short names are left as they are.
 */
export function derivedName(base: string, suffix: string, maxLength = 63): string {
  const name = `${base}-${suffix}`;
  if (name.length <= maxLength) {
    return name;
  }
  const hash = crypto.createHash('sha256').update(base).digest('hex').slice(0, 8);
  const keep = base.slice(0, Math.max(0, maxLength - suffix.length - hash.length - 2)).replace(/[-.]+$/, '');
  return `${keep}${keep ? '-' : ''}${hash}-${suffix}`;
}

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

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Returns the problem with `name` as an RFC 1035 DNS label (Service names: an RFC 1123 label that
 * starts with a letter), or undefined.
 * @param what names the value in the message, for example `metadata.name`
 */
export function dns1035LabelProblem(name: string, what: string): string | undefined {
  if (name.length > 63 || !DNS_1035_LABEL.test(name)) {
    const suggestion = suggest(name, 63);
    return `${what} "${name}" is not a valid RFC 1035 label: use at most 63 lower-case letters, digits and "-", starting with a letter and ending with a letter or digit${/^; did you mean "[a-z]/.test(suggestion) ? suggestion : ''}`;
  }
  return undefined;
}

function suggest(name: string, maxLength: number): string {
  const fixed = name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, maxLength).replace(/[-.]+$/, '');
  return fixed && fixed !== name ? `; did you mean "${maxLength === 63 ? fixed.replace(/\./g, '-') : fixed}"?` : '';
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * The problem with `key` as a label or annotation key (an optional DNS subdomain prefix and `/`,
 * then a name of at most 63 letters, digits, `-`, `_` and `.`), or undefined.
 * @param what names the key in the message, for example `metadata.labels`
 */
export function labelKeyProblem(key: string, what: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    const fixed = labelNameFix(name);
    const suggestion = fixed && fixed !== name ? `; did you mean "${prefix !== undefined && prefixOk ? `${prefix}/` : ''}${fixed}"?` : '';
    return `${what} key ${JSON.stringify(key)} is not a valid label key: use an optional DNS subdomain prefix and "/", then at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit${suggestion}`;
  }
  return undefined;
}

/** The problem with `value` as a label value (empty, or at most 63 letters, digits, `-`, `_`, `.`), or undefined. */
export function labelValueProblem(value: string, what: string): string | undefined {
  if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
    const fixed = labelNameFix(value);
    return `${what} value ${JSON.stringify(value)} is not a valid label value: use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, or ""${fixed && fixed !== value ? `; did you mean "${fixed}"?` : ''}`;
  }
  return undefined;
}

function labelNameFix(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}

/** Maps that hold labels (keys and values checked) or annotations (keys checked), wherever they sit in an object. */
const LABEL_MAPS = new Set(['labels', 'matchLabels', 'nodeSelector']);

/**
 * The label and annotation problems of a synthesized object: every `labels`, `matchLabels` and
 * `nodeSelector` map (metadata, selectors, pod templates, Spark driver and executor labels) and the
 * keys of every `annotations` map, each named by its field path.
 */
export function labelsProblems(doc: unknown): string[] {
  const problems: string[] = [];
  // The field path is built only for a map that has a problem: most objects have none.
  const path: (string | number)[] = [];
  const fieldOf = (parts: (string | number)[]) => parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
      return;
    }
    if (typeof value !== 'object' || value === null) {
      return;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null) {
        continue;
      }
      path.push(key);
      if (!Array.isArray(child) && (LABEL_MAPS.has(key) || key === 'annotations') && Object.values(child).every((v) => typeof v === 'string')) {
        for (const [k, v] of Object.entries(child as Record<string, string>)) {
          const keyProblem = LABEL_KEY_FAST.test(k) && k.indexOf('/') <= 253 ? undefined : labelKeyProblem(k, fieldOf(path));
          const valueProblem = keyProblem !== undefined || key === 'annotations' || LABEL_VALUE_FAST.test(v) ? undefined : labelValueProblem(v, `${fieldOf(path)}[${JSON.stringify(k)}]`);
          if (keyProblem !== undefined || valueProblem !== undefined) {
            problems.push((keyProblem ?? valueProblem)!);
          }
        }
      } else {
        walk(child);
      }
      path.pop();
    }
  };
  walk(doc);
  return problems;
}

/** Keys (with a prefix of at most 253 characters) and values that are certainly valid, checked without the full rules (most of them). */
const LABEL_KEY_FAST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_FAST = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Kinds whose names must be RFC 1123 labels; Service names RFC 1035 labels (the API server's rule);
 * `path` kinds take any name without "/" and "%" (RBAC); the rest subdomains.
 */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'SparkApplication', 'ScheduledSparkApplication']);
const PATH_NAMED_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** The problems of a synthesized object's name and namespace, by the rules of its kind. */
export function objectNameProblems(doc: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }): string[] {
  const problems: string[] = [];
  const kind = String(doc.kind);
  const name = doc.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    problems.push('metadata.name is not set: give the object a name');
  } else if (PATH_NAMED_KINDS.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) {
      problems.push(`metadata.name "${name}" is not a valid ${kind} name: it may not be "." or ".." or contain "/" or "%"`);
    }
  } else {
    const p = kind === 'Service' ? dns1035LabelProblem(name, 'metadata.name')
      : LABEL_NAMED_KINDS.has(kind) ? dnsLabelProblem(name, 'metadata.name') : dnsSubdomainProblem(name, 'metadata.name');
    if (p !== undefined) {
      problems.push(p);
    }
  }
  const ns = doc.metadata?.namespace;
  if (ns !== undefined) {
    const p = typeof ns === 'string' ? dnsLabelProblem(ns, 'metadata.namespace') : 'metadata.namespace is not a string: give the namespace name';
    if (p !== undefined) {
      problems.push(p);
    }
  }
  return problems;
}

/** The namespaces of Kubernetes itself, which no tenant or add-on may take. */
export const KUBERNETES_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The namespace each delivery mode's controllers and release objects live in (none for k3s HelmCharts, which use kube-system). */
export const DELIVERY_NAMESPACES: Readonly<Record<ChartDelivery, string | undefined>> = {
  [ChartDelivery.K3S_HELM_CHART]: undefined,
  [ChartDelivery.FLUX]: 'flux-system',
  [ChartDelivery.ARGO_CD]: 'argocd',
};

/**
 * The problem with a tenant taking the namespace `name`, or undefined: a namespace of Kubernetes
 * itself, one with the `kube-` prefix that Kubernetes reserves for its own namespaces, or the
 * namespace of the app's chart delivery (Flux's `flux-system`, Argo CD's `argocd`), where the
 * tenant's quota, policies and labels would apply to those controllers.
 * @param fallback a name to suggest instead, for example one made from the construct id
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces
 */
export function reservedNamespaceProblem(name: string, delivery: ChartDelivery, fallback: string): string | undefined {
  const suggestion = tenantNameSuggestion(fallback, name);
  if (KUBERNETES_NAMESPACES.includes(name) || name.startsWith('kube-')) {
    const what = KUBERNETES_NAMESPACES.includes(name) ? 'is a namespace of Kubernetes itself' : 'has the "kube-" prefix that Kubernetes reserves for its own namespaces';
    return `name "${name}" ${what}, which a tenant may not take: its quota, policies and labels would apply to cluster components; give the tenant a namespace of its own, for example "${suggestion}"`;
  }
  if (name === DELIVERY_NAMESPACES[delivery]) {
    return `name "${name}" is the namespace of the app's chart delivery (${delivery}), which a tenant may not take: its quota, policies and labels would apply to the controllers that install every chart; give the tenant a namespace of its own, for example "${suggestion}"`;
  }
  return undefined;
}

/** A valid tenant name made from `base` (a construct id), never `refused` itself. */
function tenantNameSuggestion(base: string, refused: string): string {
  const cleaned = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').replace(/^kube-/, '');
  const name = cleaned.startsWith('team-') ? cleaned : `team-${cleaned}`.replace(/-+$/, '');
  const fitted = name.slice(0, 63).replace(/-+$/, '');
  return fitted === refused || fitted === 'team' ? `team-${derivedName(refused, 'tenant').slice(-13, -7)}` : fitted;
}

/**
 * The problem with a platform component (the operator, an add-on) running in the namespace `name`,
 * or undefined: a namespace of Kubernetes itself or with the `kube-` prefix, or the namespace of the
 * app's chart delivery. The component's namespace is made restricted and isolated by its own
 * NetworkPolicies, which would cut off what else runs there.
 * @param owner whose namespace it is, for the message: "Volcano's namespace"
 * @param suggestion the namespace to suggest instead, for example "volcano-system"
 */
export function componentNamespaceProblem(name: string, delivery: ChartDelivery, owner: string, suggestion: string): string | undefined {
  const fix = `${owner} is made restricted and isolated; install it into a namespace of its own, for example "${suggestion}"`;
  if (KUBERNETES_NAMESPACES.includes(name)) {
    return `namespace "${name}" is a namespace of Kubernetes itself: ${fix}`;
  }
  if (name.startsWith('kube-')) {
    return `namespace "${name}" has the "kube-" prefix that Kubernetes reserves for its own namespaces: ${fix}`;
  }
  if (name === DELIVERY_NAMESPACES[delivery]) {
    return `namespace "${name}" is the namespace of the app's chart delivery (${delivery}), whose controllers install every chart: ${fix}`;
  }
  return undefined;
}
