import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';

/** Who acts in a tenant's namespace: the accounts of its Spark pods and the group of its people. */
export interface TenantAccountNames {
  readonly namespaceName: string;
  /** The account Spark drivers run as. */
  readonly serviceAccountName: string;
  /** The account Spark executors run as. */
  readonly executorServiceAccountName: string;
  /** The group of the team's people. */
  readonly developersGroup: string;
}

/** The tenant's ServiceAccounts and Roles. */
export interface TenantAccounts {
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly executorServiceAccount: k8s.KubeServiceAccount;
  readonly role: k8s.KubeRole;
  readonly developerRole: k8s.KubeRole;
}

/**
 * The tenant's accounts and what each may do (RBAC): the drivers' account with a Role that holds
 * what a Spark driver calls and nothing more, the executors' account with no permissions and no
 * token, and the team's own Role bound to its people's group.
 * @param metadata the metadata of a tenant object with the given name
 */
export function tenantAccounts(scope: Construct, names: TenantAccountNames, metadata: (name: string) => ApiObjectMetadata): TenantAccounts {
  const ns = names.namespaceName;
  // Spark drivers call the API server with this account's token, so it is mounted.
  const serviceAccount = new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: metadata(names.serviceAccountName),
    automountServiceAccountToken: true,
  });
  // Executors never call the API server: no token, no permissions, so a job's code in an
  // executor has no credentials to use.
  const executorServiceAccount = new k8s.KubeServiceAccount(scope, 'ExecutorServiceAccount', {
    metadata: metadata(names.executorServiceAccountName),
    automountServiceAccountToken: false,
  });

  const manage = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
  const read = ['get', 'list', 'watch'];
  // What a Spark driver calls in its namespace: it creates, watches and deletes its executor pods,
  // their configmaps and, with on-demand volumes, their persistent volume claims; on termination it
  // deletes the driver Service the submission created.
  const role = new k8s.KubeRole(scope, 'Role', {
    metadata: metadata(`${ns}-spark-driver`),
    rules: [
      { apiGroups: [''], resources: ['pods', 'configmaps', 'persistentvolumeclaims'], verbs: manage },
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    ],
  });
  new k8s.KubeRoleBinding(scope, 'RoleBinding', {
    metadata: metadata(`${ns}-spark-driver`),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: names.serviceAccountName, namespace: ns }],
  });

  // What the team's people do by hand: run their Spark applications, follow them, look into pods.
  const developerRole = new k8s.KubeRole(scope, 'DeveloperRole', {
    metadata: metadata(`${ns}-developer`),
    rules: [
      { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications', 'scheduledsparkapplications'], verbs: manage },
      { apiGroups: ['sparkoperator.k8s.io'], resources: ['sparkapplications/status', 'scheduledsparkapplications/status'], verbs: read },
      { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'events', 'resourcequotas', 'limitranges', 'persistentvolumeclaims'], verbs: read },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
    ],
  });
  new k8s.KubeRoleBinding(scope, 'DeveloperRoleBinding', {
    metadata: metadata(`${ns}-developers`),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: developerRole.name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: names.developersGroup }],
  });
  return { serviceAccount, executorServiceAccount, role, developerRole };
}
