/**
 * A small RBAC authorizer over synthesized Role, ClusterRole, RoleBinding and ClusterRoleBinding
 * objects, following the Kubernetes RBAC authorizer's rules: a ClusterRoleBinding grants its role's
 * rules everywhere (every namespace and cluster-scoped resources); a RoleBinding grants the rules of
 * its Role or ClusterRole in the binding's namespace only; rules are unions, nothing denies.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 */

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/** A person as the cluster's authentication reports them: a user name and groups. */
export interface UserRef {
  readonly user: string;
  readonly groups: string[];
}

export interface AccessRequest {
  readonly verb: string;
  /** '' for the core group. */
  readonly apiGroup: string;
  /** A resource, or resource/subresource such as `pods/log`. */
  readonly resource: string;
  /** The namespace; undefined for a cluster-scoped resource or a request across all namespaces. */
  readonly namespace?: string;
  /** The object's name, for rules with resourceNames. */
  readonly name?: string;
}

interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

export class RbacAuthorizer {
  private readonly roles = new Map<string, Rule[]>();
  private readonly clusterRoles = new Map<string, Rule[]>();
  private readonly bindings: any[];
  private readonly clusterBindings: any[];

  constructor(docs: any[]) {
    for (const doc of docs.filter((d) => d.kind === 'Role')) {
      this.roles.set(`${doc.metadata.namespace}/${doc.metadata.name}`, doc.rules ?? []);
    }
    const clusterRoles = docs.filter((d) => d.kind === 'ClusterRole');
    for (const doc of clusterRoles) {
      this.clusterRoles.set(doc.metadata.name, doc.rules ?? []);
    }
    // Aggregated ClusterRoles get the rules of every ClusterRole their selectors match.
    for (const doc of clusterRoles.filter((d) => d.aggregationRule)) {
      const selected = clusterRoles.filter((other) => other !== doc && (doc.aggregationRule.clusterRoleSelectors ?? []).some((s: any) => {
        if (s.matchExpressions) {
          throw new Error('matchExpressions in aggregationRule are not supported by this evaluator');
        }
        return Object.entries(s.matchLabels ?? {}).every(([k, v]) => other.metadata.labels?.[k] === v);
      }));
      this.clusterRoles.set(doc.metadata.name, [...(doc.rules ?? []), ...selected.flatMap((o) => o.rules ?? [])]);
    }
    this.bindings = docs.filter((d) => d.kind === 'RoleBinding');
    this.clusterBindings = docs.filter((d) => d.kind === 'ClusterRoleBinding');
  }

  /** Whether the service account may make the request. */
  public can(account: ServiceAccountRef | UserRef, request: AccessRequest): boolean {
    for (const binding of this.clusterBindings) {
      if (this.binds(binding, account, undefined) && this.rulesOf(binding, undefined).some((r) => ruleAllows(r, request))) {
        return true;
      }
    }
    if (request.namespace === undefined) {
      return false;
    }
    for (const binding of this.bindings.filter((b) => b.metadata.namespace === request.namespace)) {
      if (this.binds(binding, account, binding.metadata.namespace) && this.rulesOf(binding, binding.metadata.namespace).some((r) => ruleAllows(r, request))) {
        return true;
      }
    }
    return false;
  }

  private rulesOf(binding: any, namespace: string | undefined): Rule[] {
    const ref = binding.roleRef;
    if (ref.kind === 'ClusterRole') {
      return this.clusterRoles.get(ref.name) ?? [];
    }
    return namespace === undefined ? [] : this.roles.get(`${namespace}/${ref.name}`) ?? [];
  }

  private binds(binding: any, account: ServiceAccountRef | UserRef, bindingNamespace: string | undefined): boolean {
    // A service account authenticates as its user name with the service-account groups.
    const who: UserRef = 'user' in account ? account : {
      user: `system:serviceaccount:${account.namespace}:${account.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'],
    };
    return (binding.subjects ?? []).some((s: any) => {
      switch (s.kind) {
        case 'ServiceAccount':
          return 'name' in account && s.name === account.name && (s.namespace ?? bindingNamespace) === account.namespace;
        case 'User':
          return s.name === who.user;
        case 'Group':
          return who.groups.includes(s.name);
        default:
          return false;
      }
    });
  }
}

function ruleAllows(rule: Rule, request: AccessRequest): boolean {
  // `pods` does not grant `pods/log`; `*/log` grants the log subresource of every resource.
  const subresource = request.resource.split('/')[1];
  const resourceOk = (rule.resources ?? []).some((r) => r === '*' || r === request.resource || (subresource !== undefined && r === `*/${subresource}`));
  const namesOk = !rule.resourceNames?.length || (request.name !== undefined && rule.resourceNames.includes(request.name));
  return (rule.verbs.includes('*') || rule.verbs.includes(request.verb))
    && (rule.apiGroups ?? []).some((g) => g === '*' || g === request.apiGroup)
    && resourceOk
    && namesOk;
}
