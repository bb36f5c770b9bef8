/**
 * The decision of the ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, Kubernetes 1.31)
 * among synthesized objects on one request, modelled on the API server's admission plugin: a
 * policy acts only through its bindings; the policy's matchConstraints and the binding's
 * matchResources must both match (namespace selector on the namespace's labels, object selector on
 * the object's or old object's labels, resource rules, exclusions); then matchConditions (any false
 * skips the policy; an error applies the failure policy), variables (lazily, each once), and
 * validations in order, each failing one giving its messageExpression, message or expression;
 * errors follow failurePolicy (Fail denies, Ignore admits); validationActions Deny, Warn or Audit.
 * paramKind and matchPolicy Equivalent are not modelled: a policy using params fails loudly.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
import { CelOutcome, evaluate, toCel } from './cel';

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type ResourceRule = { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; operations?: string[]; scope?: string; resourceNames?: string[] };
type MatchResources = { resourceRules?: ResourceRule[]; excludeResourceRules?: ResourceRule[]; namespaceSelector?: Selector; objectSelector?: Selector };

/** One request to the API server, as admission sees it. */
export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource?: string;
  readonly kind?: { readonly group: string; readonly version: string; readonly kind: string };
  /** The object's namespace; undefined for a cluster-scoped object. */
  readonly namespace?: string;
  /** The labels of the request's namespace (its Namespace object). */
  readonly namespaceLabels?: Record<string, string>;
  /** The annotations of the request's namespace. */
  readonly namespaceAnnotations?: Record<string, string>;
  readonly object: any;
  readonly oldObject?: any;
  readonly userInfo: { readonly username: string; readonly groups?: string[] };
}

export interface AdmissionResult {
  readonly allowed: boolean;
  /** The API server's messages for each denial. */
  readonly denials: string[];
  readonly warnings: string[];
  readonly audits: string[];
}

function selects(selector: Selector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) {
    return true;
  }
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabels && (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
}

const anyOf = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === '*' || x === value);

function ruleMatches(rule: ResourceRule, q: AdmissionRequest): boolean {
  const sub = q.subResource ?? '';
  const resource = (rule.resources ?? []).some((r) => {
    const [name, subresource = ''] = r.split('/');
    // 'x' matches only the resource itself, 'x/*' its subresources too, '*' no subresource, '*/*' everything.
    return (name === '*' || name === q.resource.resource) && (subresource === '*' || subresource === sub);
  });
  const scope = rule.scope === undefined || rule.scope === '*' || (rule.scope === 'Namespaced') === (q.namespace !== undefined);
  const names = !rule.resourceNames?.length || rule.resourceNames.includes(q.object?.metadata?.name ?? '');
  return resource && scope && names && anyOf(rule.operations, q.operation) && anyOf(rule.apiGroups, q.resource.group) && anyOf(rule.apiVersions, q.resource.version);
}

function matches(m: MatchResources | undefined, q: AdmissionRequest, isBinding: boolean): boolean {
  if (!m) {
    return isBinding;
  }
  // Cluster-scoped objects (other than namespaces) skip the namespace selector.
  if (q.namespace !== undefined && !selects(m.namespaceSelector, q.namespaceLabels)) {
    return false;
  }
  if (!selects(m.objectSelector, q.object?.metadata?.labels) && !(q.oldObject && selects(m.objectSelector, q.oldObject?.metadata?.labels))) {
    return false;
  }
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r, q))) {
    return false;
  }
  return (m.resourceRules ?? []).length === 0 ? isBinding : m.resourceRules!.some((r) => ruleMatches(r, q));
}

/** Whether the ValidatingAdmissionPolicies among `docs` admit the request. */
export function admit(q: AdmissionRequest, docs: any[]): AdmissionResult {
  const policies = docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy' && d.apiVersion === 'admissionregistration.k8s.io/v1');
  const bindings = docs.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding' && d.apiVersion === 'admissionregistration.k8s.io/v1');
  const result = { denials: [] as string[], warnings: [] as string[], audits: [] as string[] };
  const request = {
    operation: q.operation,
    namespace: q.namespace ?? '',
    name: q.object?.metadata?.name ?? '',
    resource: q.resource,
    subResource: q.subResource ?? '',
    kind: q.kind ?? {},
    userInfo: { username: q.userInfo.username, groups: q.userInfo.groups ?? [] },
  };
  const namespaceObject = q.namespace === undefined ? null : {
    metadata: { name: q.namespace, labels: q.namespaceLabels ?? {}, ...(q.namespaceAnnotations ? { annotations: q.namespaceAnnotations } : {}) },
  };
  for (const policy of policies) {
    if (policy.spec.paramKind) {
      throw new Error(`policy ${policy.metadata.name} uses paramKind, which this model does not evaluate`);
    }
    if (!matches(policy.spec.matchConstraints, q, false)) {
      continue;
    }
    for (const binding of bindings.filter((b) => b.spec.policyName === policy.metadata.name)) {
      if (!matches(binding.spec.matchResources, q, true)) {
        continue;
      }
      const failClosed = (policy.spec.failurePolicy ?? 'Fail') === 'Fail';
      const scope: Record<string, unknown> = {
        object: toCel(q.operation === 'DELETE' ? null : q.object),
        oldObject: toCel(q.operation === 'CREATE' ? null : q.oldObject ?? null),
        request: toCel(request),
        namespaceObject: toCel(namespaceObject),
      };
      // Variables are evaluated when first used, and once; an error surfaces where one is used.
      const declared = new Map<string, string>((policy.spec.variables ?? []).map((v: any) => [v.name, v.expression]));
      const values = new Map<string, CelOutcome>();
      const used = (expression: string) => [...new Set([...expression.matchAll(/variables\.([A-Za-z_]\w*)/g)].map((m) => m[1]))];
      const variable = (name: string): CelOutcome => {
        if (!values.has(name)) {
          values.set(name, declared.has(name) ? run(declared.get(name)!) : { ok: false, error: `no such key: ${name}` });
        }
        return values.get(name)!;
      };
      const run = (expression: string): CelOutcome => {
        const needed: Record<string, unknown> = {};
        for (const name of used(expression)) {
          const v = variable(name);
          if (!v.ok) {
            return v;
          }
          needed[name] = v.value;
        }
        return evaluate(expression, { ...scope, variables: needed });
      };
      const decisions: string[] = [];
      const conditions = (policy.spec.matchConditions ?? []).map((c: any) => run(c.expression));
      if (conditions.some((r: any) => r.ok && r.value === false)) {
        continue;
      }
      const conditionError = conditions.find((r: any) => !r.ok);
      if (conditionError) {
        if (failClosed) {
          decisions.push(`failed to evaluate matchConditions: ${conditionError.error}`);
        }
      } else {
        for (const v of policy.spec.validations ?? []) {
          const r = run(v.expression);
          if (!r.ok) {
            if (failClosed) {
              decisions.push(`expression '${v.expression}' resulted in error: ${r.error}`);
            }
            continue;
          }
          if (r.value === true) {
            continue;
          }
          let message = '';
          if (v.messageExpression) {
            const m = run(v.messageExpression);
            if (m.ok && typeof m.value === 'string' && !m.value.includes('\n')) {
              message = m.value.trim();
            }
          }
          decisions.push(message || v.message?.trim() || `failed expression: ${v.expression.trim()}`);
        }
      }
      for (const decision of decisions) {
        for (const action of binding.spec.validationActions) {
          if (action === 'Deny') {
            result.denials.push(`ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}' denied request: ${decision}`);
          } else if (action === 'Warn') {
            result.warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}': ${decision}`);
          } else {
            result.audits.push(decision);
          }
        }
      }
    }
  }
  return { allowed: result.denials.length === 0, ...result };
}
