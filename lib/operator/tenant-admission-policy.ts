import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { DRIVER_ACCOUNT_LABEL, EXECUTOR_ACCOUNT_LABEL, TENANT_LABEL } from '../tenancy/tenant-namespace';
import { ALLOWED_DEPENDENCY_URI, ALLOWED_SPARK_CONF_PATTERN, DENIED_SPARK_CONF_PATTERN, RESERVED_POD_LABEL } from './spark-conf-policy';

export interface TenantAdmissionPolicyProps {
  /**
   * The user name of the operator controller's service account
   * (`system:serviceaccount:<namespace>:<name>`). The controller creates the runs of
   * ScheduledSparkApplications, labelled with its own labels, from specs this policy already
   * admitted, so its requests are not checked again.
   */
  readonly controllerUser: string;
  /** The tenant namespaces the policy applies in: those the operator watches. */
  readonly namespaces: string[];
  /**
   * Prefix of the policy and binding names.
   * @default 'spark-platform-tenant'
   */
  readonly namePrefix?: string;
}

/**
 * The label of a tenant's namespace that names the scheduling queue every job of the tenant must be
 * gang-scheduled in (set by the scheduling add-on). Without it, a job may use the tenant's own queue
 * or none.
 */
export const BATCH_QUEUE_LABEL = 'spark-platform.io/batch-queue';

/** A CEL string literal holding `text`. */
function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** One rule of the policy: a CEL expression that must hold, and a message naming what does not. */
interface Rule {
  readonly expression: string;
  readonly messageExpression: string;
}

/**
 * The rules, over `variables.spec` (the SparkApplication spec; a ScheduledSparkApplication's
 * template). Every optional field is guarded with has(), because a missing field is a runtime error
 * in CEL, which failurePolicy Fail turns into a rejection.
 */
function rules(): Rule[] {
  const allowed = celString(ALLOWED_SPARK_CONF_PATTERN);
  const denied = celString(DENIED_SPARK_CONF_PATTERN);
  const reserved = celString(`^${RESERVED_POD_LABEL}$`);
  const dependency = celString(`^${ALLOWED_DEPENDENCY_URI}$`);
  const badConf = `(!k.matches(${allowed}) || k.matches(${denied}))`;
  const templateSpecKeys = "['securityContext', 'containers', 'automountServiceAccountToken', 'nodeSelector', 'tolerations', 'affinity', 'terminationGracePeriodSeconds']";
  return [
    {
      // Client mode runs the tenant's driver program inside the operator's controller.
      expression: "!has(variables.spec.mode) || variables.spec.mode == 'cluster'",
      messageExpression: "'spec.mode ' + variables.spec.mode + ' is not allowed: client mode would run the driver inside the operator; use cluster'",
    },
    {
      expression: `variables.confKeys.all(k, !${badConf})`,
      messageExpression: `'sparkConf keys a tenant may not set: ' + variables.confKeys.filter(k, ${badConf}).join(', ')`,
    },
    {
      expression: `variables.hadoopKeys.all(k, !${badConf})`,
      messageExpression: `'hadoopConf keys a tenant may not set (as spark.hadoop.*): ' + variables.hadoopKeys.filter(k, ${badConf}).join(', ')`,
    },
    {
      // A local file of the operator, or a package resolved by the operator, would be read by the controller.
      expression: `has(variables.spec.mainApplicationFile) && variables.spec.mainApplicationFile.matches('^local:///.+') && variables.dependencies.all(d, d.matches(${dependency}))`,
      messageExpression: `'mainApplicationFile must be local:/// and dependencies local:/// or s3a://, read in the tenant\\'s pods; not allowed: ' + ((has(variables.spec.mainApplicationFile) ? [variables.spec.mainApplicationFile] : ['(no mainApplicationFile)']).filter(f, !f.matches('^local:///.+')) + variables.dependencies.filter(d, !d.matches(${dependency}))).join(', ')`,
    },
    {
      expression: "!has(variables.spec.deps) || ((!has(variables.spec.deps.packages) || size(variables.spec.deps.packages) == 0) && (!has(variables.spec.deps.repositories) || size(variables.spec.deps.repositories) == 0))",
      messageExpression: "'deps.packages and deps.repositories are resolved by the operator\\'s controller and may not be used: build the jars into the image or use local:/// or s3a:// jars'",
    },
    {
      expression: '!has(variables.spec.proxyUser) && !has(variables.spec.driver.kubernetesMaster)',
      messageExpression: "'proxyUser and driver.kubernetesMaster change who or where the operator submits as and may not be set'",
    },
    {
      expression: `has(variables.spec.driver.serviceAccount) && variables.spec.driver.serviceAccount == namespaceObject.metadata.labels[${celString(DRIVER_ACCOUNT_LABEL)}] && has(variables.spec.executor.serviceAccount) && variables.spec.executor.serviceAccount == namespaceObject.metadata.labels[${celString(EXECUTOR_ACCOUNT_LABEL)}]`,
      messageExpression: `'driver.serviceAccount must be ' + namespaceObject.metadata.labels[${celString(DRIVER_ACCOUNT_LABEL)}] + ' and executor.serviceAccount ' + namespaceObject.metadata.labels[${celString(EXECUTOR_ACCOUNT_LABEL)}] + ', the tenant\\'s accounts'`,
    },
    {
      expression: `variables.labelKeys.all(k, !k.matches(${reserved}))`,
      messageExpression: `'labels the operator, Spark, the scheduler or the platform own may not be set: ' + variables.labelKeys.filter(k, k.matches(${reserved})).join(', ')`,
    },
    {
      expression: `variables.templates.all(t, !has(t.spec) || (t.spec.all(k, k in ${templateSpecKeys}) && (!has(t.spec.containers) || t.spec.containers.all(c, c.all(k, k in ['name', 'securityContext'])))))`,
      messageExpression: `'pod templates may only set ' + ${templateSpecKeys}.join(', ') + ' and, for containers, name and securityContext'`,
    },
    {
      expression: "!has(variables.spec.executor.template) || !has(variables.spec.executor.template.spec) || !has(variables.spec.executor.template.spec.automountServiceAccountToken) || variables.spec.executor.template.spec.automountServiceAccountToken == false",
      messageExpression: "'executors run without an API token: executor.template.spec.automountServiceAccountToken may only be false'",
    },
    {
      expression: "(!has(variables.spec.sparkUIOptions) || !has(variables.spec.sparkUIOptions.serviceType) || variables.spec.sparkUIOptions.serviceType == 'ClusterIP') && (!has(variables.spec.driverIngressOptions) || size(variables.spec.driverIngressOptions) == 0)",
      messageExpression: "'the driver UI stays inside the cluster: sparkUIOptions.serviceType may only be ClusterIP and driverIngressOptions may not be set'",
    },
    {
      // A tenant whose namespace names its queue (the scheduling add-on labels it) is gang-scheduled
      // there, always: without batchScheduler its pods would bypass the queue's share.
      expression: "variables.queue == '' ? ((!has(variables.spec.batchScheduler) || variables.spec.batchScheduler == 'volcano') && (!has(variables.spec.batchSchedulerOptions) || !has(variables.spec.batchSchedulerOptions.queue) || variables.spec.batchSchedulerOptions.queue == namespaceObject.metadata.name)) : (has(variables.spec.batchScheduler) && variables.spec.batchScheduler == 'volcano' && has(variables.spec.batchSchedulerOptions) && has(variables.spec.batchSchedulerOptions.queue) && variables.spec.batchSchedulerOptions.queue == variables.queue)",
      messageExpression: "variables.queue == '' ? 'batchScheduler may only be volcano, and batchSchedulerOptions.queue only the tenant\\'s own queue ' + namespaceObject.metadata.name : 'the tenant\\'s jobs are gang-scheduled in its own queue: set batchScheduler volcano and batchSchedulerOptions.queue ' + variables.queue",
    },
  ];
}

/**
 * A ValidatingAdmissionPolicy, and its binding, that hold every tenant to what its SparkApplications
 * and ScheduledSparkApplications may ask of the operator, so that no tenant can steer the shared
 * controller against another: cluster mode only; sparkConf and hadoopConf keys from the allow-list
 * of spark-conf-policy.ts; the main file and dependencies read in the tenant's pods, never from the
 * operator's file system or resolved by it; no proxy user or other API server; the tenant's own
 * driver and executor accounts; none of the labels the operator, Spark or the platform own; pod
 * templates limited to security and placement; executors without a token; the UI inside the cluster;
 * the tenant's own scheduling queue only, and always when its namespace names one (BATCH_QUEUE_LABEL). It applies in the tenant namespaces the operator watches.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class TenantAdmissionPolicy extends Construct {
  /** The policies, one for SparkApplications and one for ScheduledSparkApplications. */
  public readonly policies: k8s.KubeValidatingAdmissionPolicy[] = [];

  constructor(scope: Construct, id: string, props: TenantAdmissionPolicyProps) {
    super(scope, id);
    const prefix = props.namePrefix ?? 'spark-platform-tenant';
    for (const [resource, specPath] of [['sparkapplications', 'object.spec'], ['scheduledsparkapplications', 'object.spec.template']] as const) {
      const name = `${prefix}-${resource}`;
      const policy = new k8s.KubeValidatingAdmissionPolicy(this, resource, {
        metadata: { name },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [{ apiGroups: ['sparkoperator.k8s.io'], apiVersions: ['*'], resources: [resource], operations: ['CREATE', 'UPDATE'] }],
          },
          matchConditions: [{ name: 'not-the-operator', expression: `request.userInfo.username != ${celString(props.controllerUser)}` }],
          variables: [
            { name: 'spec', expression: specPath },
            { name: 'confKeys', expression: 'has(variables.spec.sparkConf) ? variables.spec.sparkConf.map(k, k) : []' },
            { name: 'hadoopKeys', expression: "has(variables.spec.hadoopConf) ? variables.spec.hadoopConf.map(k, 'spark.hadoop.' + k) : []" },
            {
              name: 'dependencies',
              expression: "!has(variables.spec.deps) ? [] : (has(variables.spec.deps.jars) ? variables.spec.deps.jars : []) + (has(variables.spec.deps.files) ? variables.spec.deps.files : []) + (has(variables.spec.deps.pyFiles) ? variables.spec.deps.pyFiles : []) + (has(variables.spec.deps.archives) ? variables.spec.deps.archives : [])",
            },
            { name: 'queue', expression: `has(namespaceObject.metadata.labels) && ${celString(BATCH_QUEUE_LABEL)} in namespaceObject.metadata.labels ? namespaceObject.metadata.labels[${celString(BATCH_QUEUE_LABEL)}] : ''` },
            { name: 'templates', expression: '(has(variables.spec.driver.template) ? [variables.spec.driver.template] : []) + (has(variables.spec.executor.template) ? [variables.spec.executor.template] : [])' },
            {
              // The operator turns metadata.labels and driver/executor labels into pod labels, after its own.
              name: 'labelKeys',
              expression: [
                'has(object.metadata.labels) ? object.metadata.labels.map(k, k) : []',
                ...['driver', 'executor'].flatMap((role) => [
                  `has(variables.spec.${role}.labels) ? variables.spec.${role}.labels.map(k, k) : []`,
                  `has(variables.spec.${role}.template) && has(variables.spec.${role}.template.metadata) && has(variables.spec.${role}.template.metadata.labels) ? variables.spec.${role}.template.metadata.labels.map(k, k) : []`,
                ]),
              ].map((part) => `(${part})`).join(' + '),
            },
          ],
          validations: rules().map((r) => ({ ...r, reason: 'Forbidden' })),
        },
      });
      this.policies.push(policy);
      new k8s.KubeValidatingAdmissionPolicyBinding(this, `${resource}-binding`, {
        metadata: { name },
        spec: {
          policyName: name,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: props.namespaces }] } },
        },
      });
    }
  }
}
