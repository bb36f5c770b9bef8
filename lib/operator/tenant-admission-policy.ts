import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { BATCH_QUEUE_LABEL, DRIVER_ACCOUNT_LABEL, EXECUTOR_ACCOUNT_LABEL, JOB_SECRETS_ANNOTATION, PRIORITY_CLASSES_ANNOTATION, TENANT_LABEL } from '../tenancy/tenant-namespace';
import { celString, namespaceList } from './admission-cel';
import {
  ALLOWED_DEPENDENCY_URI,
  ALLOWED_SPARK_CONF_PATTERN,
  DENIED_ENV_NAME,
  DENIED_JAVA_OPTION,
  DENIED_SPARK_CONF_PATTERN,
  RESERVED_POD_ANNOTATION,
  RESERVED_POD_LABEL,
} from './spark-conf-policy';
import { tenantPodPolicy } from './tenant-pod-policy';

export { BATCH_QUEUE_LABEL } from '../tenancy/tenant-namespace';

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
  const reservedAnnotation = celString(`^${RESERVED_POD_ANNOTATION}$`);
  const deniedEnv = celString(`^${DENIED_ENV_NAME}$`);
  const deniedJava = celString(DENIED_JAVA_OPTION);
  const badConf = `(!k.matches(${allowed}) || k.matches(${denied}))`;
  const spec = 'variables.spec';
  const opt = (path: string, test: string) => `(!has(${path}) || ${test})`;
  const secretAllowed = (name: string) => `(has(${name}) && ${name} in variables.jobSecrets)`;
  const allowedSecrets = "(size(variables.jobSecrets) == 0 ? 'none' : variables.jobSecrets.join(', '))";
  const volumeTypes = "['name', 'emptyDir', 'persistentVolumeClaim', 'configMap', 'secret', 'ephemeral']";
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
      // spark-submit runs in the operator's controller and resolves every URI but local:/// itself,
      // from its own file system or the network; it joins each list with commas and splits it again.
      expression: `has(variables.spec.mainApplicationFile) && variables.spec.mainApplicationFile.matches(${dependency}) && variables.dependencies.all(d, d.matches(${dependency}))`,
      messageExpression: `'mainApplicationFile and dependencies must each be one local:/// file of the image (the operator\\'s controller would fetch any other scheme itself, and reads a comma as a second file); not allowed: ' + ((has(variables.spec.mainApplicationFile) ? [variables.spec.mainApplicationFile] : ['(no mainApplicationFile)']).filter(f, !f.matches(${dependency})) + variables.dependencies.filter(d, !d.matches(${dependency}))).join(', ')`,
    },
    {
      expression: "!has(variables.spec.deps) || ((!has(variables.spec.deps.packages) || size(variables.spec.deps.packages) == 0) && (!has(variables.spec.deps.repositories) || size(variables.spec.deps.repositories) == 0))",
      messageExpression: "'deps.packages and deps.repositories are resolved by the operator\\'s controller and may not be used: build the jars into the image and list them as local:/// files'",
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
      // A tenant whose namespace names its queue (the scheduling add-on labels it) is scheduled by
      // Volcano there, always: without batchScheduler its pods would bypass the queue's share.
      expression: "variables.queue == '' ? ((!has(variables.spec.batchScheduler) || variables.spec.batchScheduler == 'volcano') && (!has(variables.spec.batchSchedulerOptions) || !has(variables.spec.batchSchedulerOptions.queue) || variables.spec.batchSchedulerOptions.queue == namespaceObject.metadata.name)) : (has(variables.spec.batchScheduler) && variables.spec.batchScheduler == 'volcano' && has(variables.spec.batchSchedulerOptions) && has(variables.spec.batchSchedulerOptions.queue) && variables.spec.batchSchedulerOptions.queue == variables.queue)",
      messageExpression: "variables.queue == '' ? 'batchScheduler may only be volcano, and batchSchedulerOptions.queue only the tenant\\'s own queue ' + namespaceObject.metadata.name : 'the tenant\\'s jobs are scheduled by Volcano in its own queue: set batchScheduler volcano and batchSchedulerOptions.queue ' + variables.queue",
    },
    {
      // Volcano routes a pod by its annotations (scheduling.k8s.io/group-name, scheduling.volcano.sh/queue-name):
      // with a group name set, the operator makes no PodGroup, and Volcano makes one in the queue the pod names.
      expression: `variables.annotationKeys.all(k, !k.matches(${reservedAnnotation}))`,
      messageExpression: `'annotations the scheduler, Kubernetes, the operator or the platform read may not be set on the driver or the executors (the operator gives the pods their PodGroup and queue): ' + variables.annotationKeys.filter(k, k.matches(${reservedAnnotation})).join(', ')`,
    },
    {
      expression: 'variables.pods.all(p, !has(p.schedulerName))',
      messageExpression: "'driver.schedulerName and executor.schedulerName may not be set: the platform chooses the scheduler with batchScheduler'",
    },
    {
      expression: `variables.pods.all(p, ${opt('p.priorityClassName', 'p.priorityClassName in variables.priorityClasses')}) && ${opt(`${spec}.batchSchedulerOptions`, opt(`${spec}.batchSchedulerOptions.priorityClassName`, `${spec}.batchSchedulerOptions.priorityClassName in variables.priorityClasses`))}`,
      messageExpression: "'priorityClassName of the driver, the executors and batchSchedulerOptions ' + (size(variables.priorityClasses) == 0 ? 'may not be set: the tenant has no PriorityClasses of its own' : 'may only be one of the tenant\\'s PriorityClasses: ' + variables.priorityClasses.join(', '))",
    },
    {
      expression: `!has(${spec}.sparkConfigMap) && !has(${spec}.hadoopConfigMap)`,
      messageExpression: "'sparkConfigMap and hadoopConfigMap may not be set: they carry Spark and Hadoop settings past the conf allow-list; set confs in sparkConf and hadoopConf'",
    },
    {
      expression: `variables.envNames.all(n, !n.matches(${deniedEnv}))`,
      messageExpression: `'environment variables the JVM, Spark, PySpark or Hadoop read their settings from may not be set: ' + variables.envNames.filter(n, n.matches(${deniedEnv})).join(', ') + '; set confs in sparkConf'`,
    },
    {
      expression: `variables.javaOptions.all(o, !o.matches(${deniedJava}))`,
      messageExpression: "'JVM options (javaOptions, spark.driver.extraJavaOptions, spark.executor.extraJavaOptions) may not set -Dspark.* properties or hold quotes or backslashes: set confs in sparkConf'",
    },
    {
      expression: [
        `variables.containers.all(c, ${opt('c.env', `c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || ${secretAllowed('e.valueFrom.secretKeyRef.name')})`)} && ${opt('c.envFrom', `c.envFrom.all(f, !has(f.configMapRef) && (!has(f.secretRef) || ${secretAllowed('f.secretRef.name')}))`)})`,
        `variables.pods.all(p, ${opt('p.secrets', `p.secrets.all(x, ${secretAllowed('x.name')})`)} && ${opt('p.envSecretKeyRefs', 'p.envSecretKeyRefs.all(k, p.envSecretKeyRefs[k].name in variables.jobSecrets)')})`,
        opt(`${spec}.volumes`, `${spec}.volumes.all(v, !has(v.secret) || ${secretAllowed('v.secret.secretName')})`),
        opt(`${spec}.imagePullSecrets`, `${spec}.imagePullSecrets.all(x, x in variables.jobSecrets)`),
      ].join(' && '),
      messageExpression: `'env, envFrom, secrets, envSecretKeyRefs, volumes and imagePullSecrets may only name the Secrets the platform gives the tenant (' + ${allowedSecrets} + '), and envFrom no ConfigMap'`,
    },
    {
      expression: opt(`${spec}.volumes`, `${spec}.volumes.all(v, v.all(k, k in ${volumeTypes}))`),
      messageExpression: `'volumes may only be emptyDir, persistentVolumeClaim, configMap, secret or ephemeral: ' + ${spec}.volumes.filter(v, !v.all(k, k in ${volumeTypes})).map(v, v.name).join(', ')`,
    },
  ];
}

/**
 * ValidatingAdmissionPolicies, and their bindings, that hold every tenant to what its
 * SparkApplications and ScheduledSparkApplications (their templates alike) may ask of the operator,
 * so that no tenant can steer the shared controller against another: cluster mode only; sparkConf
 * and hadoopConf keys from the allow-list of spark-conf-policy.ts, and no sparkConfigMap,
 * hadoopConfigMap, settings-carrying environment or `-Dspark.*` JVM options past it; the main file
 * and dependencies local:/// files of the image, one per entry; no proxy user or other API server;
 * the tenant's own driver and executor accounts; none of the labels or scheduler annotations the
 * operator, Spark, Volcano or the platform own; no scheduler name; only the tenant's PriorityClasses
 * and Secrets (namespace annotations PRIORITY_CLASSES_ANNOTATION and JOB_SECRETS_ANNOTATION);
 * volumes that reach neither the node nor a token; pod templates limited to security and placement;
 * executors without a token; the UI inside the cluster; the tenant's own scheduling queue only, and
 * always when its namespace names one (BATCH_QUEUE_LABEL). A third policy holds the pods the
 * tenant's own accounts create to executor-shaped pods (tenant-pod-policy.ts). They apply in the
 * tenant namespaces the operator watches.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class TenantAdmissionPolicy extends Construct {
  /** The policies, one for SparkApplications and one for ScheduledSparkApplications. */
  public readonly policies: k8s.KubeValidatingAdmissionPolicy[] = [];
  /** The policy on the pods the tenants' own accounts create (tenant-pod-policy.ts). */
  public readonly podPolicy: k8s.KubeValidatingAdmissionPolicy;

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
            { name: 'pods', expression: '[variables.spec.driver, variables.spec.executor]' },
            {
              // Every container the operator builds from the spec: the Spark container, sidecars and init containers.
              name: 'containers',
              expression: ['variables.pods', ...['driver', 'executor'].flatMap((role) => ['sidecars', 'initContainers'].map((f) => `(has(variables.spec.${role}.${f}) ? variables.spec.${role}.${f} : [])`))].join(' + '),
            },
            { name: 'priorityClasses', expression: namespaceList(PRIORITY_CLASSES_ANNOTATION) },
            { name: 'jobSecrets', expression: namespaceList(JOB_SECRETS_ANNOTATION) },
            {
              name: 'annotationKeys',
              expression: ['driver', 'executor'].flatMap((role) => [
                `(has(variables.spec.${role}.annotations) ? variables.spec.${role}.annotations.map(k, k) : [])`,
                `(has(variables.spec.${role}.template) && has(variables.spec.${role}.template.metadata) && has(variables.spec.${role}.template.metadata.annotations) ? variables.spec.${role}.template.metadata.annotations.map(k, k) : [])`,
              ]).join(' + '),
            },
            {
              // driverEnv and executorEnv confs are checked by the allow-list.
              name: 'envNames',
              expression: ['driver', 'executor'].flatMap((role) => [
                `(has(variables.spec.${role}.env) ? variables.spec.${role}.env.map(e, e.name) : [])`,
                `(has(variables.spec.${role}.envVars) ? variables.spec.${role}.envVars.map(k, k) : [])`,
              ]).join(' + '),
            },
            {
              name: 'javaOptions',
              expression: [
                ...['driver', 'executor'].map((role) => `(has(variables.spec.${role}.javaOptions) ? [variables.spec.${role}.javaOptions] : [])`),
                "(has(variables.spec.sparkConf) ? variables.spec.sparkConf.filter(k, k.matches('^spark\\\\.(driver|executor)\\\\.extraJavaOptions$')).map(k, variables.spec.sparkConf[k]) : [])",
              ].join(' + '),
            },
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
    this.podPolicy = tenantPodPolicy(this, `${prefix}-pods`, props.namespaces);
  }
}
