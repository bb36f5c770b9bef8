import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { BATCH_QUEUE_LABEL, EXECUTOR_ACCOUNT_LABEL, JOB_SECRETS_ANNOTATION, PRIORITY_CLASSES_ANNOTATION, SPARK_ROLE_LABEL, TENANT_LABEL } from '../tenancy/tenant-namespace';
import { RESERVED_POD_LABEL } from './spark-conf-policy';
import { celString, namespaceList } from './admission-cel';

/**
 * The labels an executor pod carries that a tenant may not set itself: Spark's own
 * (`KubernetesExecutorConf.labels` and `Constants.scala` in apache/spark v4.0.0,
 * resource-managers/kubernetes/core; `spark-exec-inactive` marks a decommissioned executor) and
 * those the operator asks Spark to add (`executorConfOption` in
 * internal/controller/sparkapplication/submission.go of kubeflow/spark-operator v2.3.0, lines 667-684,
 * and the run label of a ScheduledSparkApplication, pkg/common/spark.go line 323).
 */
export const EXECUTOR_POD_LABELS = [
  SPARK_ROLE_LABEL,
  'spark-app-selector',
  'spark-app-name',
  'spark-version',
  'spark-exec-id',
  'spark-exec-resourceprofile-id',
  'spark-exec-inactive',
  'sparkoperator.k8s.io/app-name',
  'sparkoperator.k8s.io/launched-by-spark-operator',
  'sparkoperator.k8s.io/mutated-by-spark-operator',
  'sparkoperator.k8s.io/submission-id',
  'sparkoperator.k8s.io/scheduled-app-name',
];

/** The annotation by which a pod names its Volcano PodGroup (volcano.sh/apis scheduling/v1beta1/labels.go line 32). */
export const VOLCANO_GROUP_ANNOTATION = 'scheduling.k8s.io/group-name';
/** The annotation by which a pod names its Volcano queue (volcano.sh/apis scheduling/v1beta1/labels.go line 48). */
export const VOLCANO_QUEUE_ANNOTATION = 'scheduling.volcano.sh/queue-name';

/** The pod volume types a tenant's pods may use: none reaches the node, another namespace or a token. */
const VOLUME_FIELDS = ['name', 'emptyDir', 'persistentVolumeClaim', 'configMap', 'secret', 'ephemeral'];

/**
 * The rules, over `object` (the pod). Every optional field is guarded with has(), because a missing
 * field is a runtime error in CEL, which failurePolicy Fail turns into a rejection.
 */
function rules(): { expression: string; messageExpression: string }[] {
  const labels = 'object.metadata.labels';
  const annotations = 'object.metadata.annotations';
  const reserved = celString(`^${RESERVED_POD_LABEL}$`);
  const executorLabels = `[${EXECUTOR_POD_LABELS.map(celString).join(', ')}]`;
  const role = celString(SPARK_ROLE_LABEL);
  const group = celString(VOLCANO_GROUP_ANNOTATION);
  const queue = celString(VOLCANO_QUEUE_ANNOTATION);
  const volcanoKey = celString('^(.*volcano\\.sh/.*|scheduling\\.k8s\\.io/.*)$');
  const volumeFields = `[${VOLUME_FIELDS.map(celString).join(', ')}]`;
  const secretAllowed = (name: string) => `(has(${name}) && ${name} in variables.jobSecrets)`;
  return [
    {
      // Labels choose NetworkPolicies: spark-role driver opens the API server, a loader's labels the internet.
      expression: `has(${labels}) && ${role} in ${labels} && ${labels}[${role}] == 'executor' && ${labels}.all(k, !k.matches(${reserved}) || k in ${executorLabels})`,
      messageExpression: `'pods a tenant\\'s accounts create must be Spark executors, labelled ${SPARK_ROLE_LABEL}=executor and with none of the labels the platform, the operator, Spark or Kubernetes own besides an executor\\'s own' + (has(${labels}) ? ': ' + ${labels}.filter(k, k.matches(${reserved}) && !(k in ${executorLabels})).join(', ') : '')`,
    },
    {
      expression: "has(object.spec.serviceAccountName) && object.spec.serviceAccountName == variables.executorAccount && has(object.spec.automountServiceAccountToken) && object.spec.automountServiceAccountToken == false",
      messageExpression: "'executor pods run as ' + variables.executorAccount + ', the tenant\\'s executor account, with automountServiceAccountToken false'",
    },
    {
      expression: '!has(object.spec.nodeName)',
      messageExpression: "'spec.nodeName may not be set: it places the pod past the scheduler, its queue and its PodGroup'",
    },
    {
      expression: '!has(object.spec.priorityClassName) || object.spec.priorityClassName in variables.priorityClasses',
      messageExpression: "'priorityClassName ' + (size(variables.priorityClasses) == 0 ? 'may not be set: the tenant has no PriorityClasses of its own' : 'may only be one of the tenant\\'s PriorityClasses: ' + variables.priorityClasses.join(', '))",
    },
    {
      // Volcano makes a PodGroup for a pod without a group name, in the queue the pod names
      // (pg_controller_handler.go line 400); in a namespace with a queue, every pod goes through it.
      expression: `(!has(${annotations}) || (${annotations}.all(k, !k.matches(${volcanoKey}) || k in [${group}, ${queue}]) && (!(${queue} in ${annotations}) || ${annotations}[${queue}] == variables.queue))) && (!variables.queued || (has(object.spec.schedulerName) && object.spec.schedulerName == 'volcano' && has(${annotations}) && ((${group} in ${annotations} && ${annotations}[${group}] != '') || ${queue} in ${annotations})))`,
      messageExpression: `'pods go to the tenant\\'s own queue ' + variables.queue + ': of the scheduler\\'s annotations only ${VOLCANO_GROUP_ANNOTATION} and ${VOLCANO_QUEUE_ANNOTATION} ' + variables.queue + ' may be set' + (variables.queued ? ', and the pod is scheduled by volcano with one of them' : '')`,
    },
    {
      expression: [
        `variables.containers.all(c, (!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || ${secretAllowed('e.valueFrom.secretKeyRef.name')})) && (!has(c.envFrom) || c.envFrom.all(f, !has(f.secretRef) || ${secretAllowed('f.secretRef.name')})))`,
        `(!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.secret) || ${secretAllowed('v.secret.secretName')}))`,
        `(!has(object.spec.imagePullSecrets) || object.spec.imagePullSecrets.all(x, ${secretAllowed('x.name')}))`,
      ].join(' && '),
      messageExpression: "'pods may only read the Secrets the platform gives the tenant (' + (size(variables.jobSecrets) == 0 ? 'none' : variables.jobSecrets.join(', ')) + ') through env, envFrom, volumes and imagePullSecrets'",
    },
    {
      expression: `!has(object.spec.volumes) || object.spec.volumes.all(v, v.all(k, k in ${volumeFields}))`,
      messageExpression: `'volumes may only be emptyDir, persistentVolumeClaim, configMap, secret or ephemeral: ' + object.spec.volumes.filter(v, !v.all(k, k in ${volumeFields})).map(v, v.name).join(', ')`,
    },
  ];
}

/**
 * A ValidatingAdmissionPolicy, and its binding, on the pods that the service accounts of a tenant
 * namespace create or change there (a driver creates its executors with its account): they must be
 * executor-shaped, so that code in a driver cannot take another pod's labels (and with them its
 * NetworkPolicies), another account, a system priority, another queue, or a Secret the platform does
 * not give the tenant. Pods that the operator, the Job controller or a Deployment create are not
 * checked here: their shape comes from objects the tenant cannot write.
 * @param name the policy and binding name
 * @param namespaces the tenant namespaces the policy applies in
 */
export function tenantPodPolicy(scope: Construct, name: string, namespaces: string[]): k8s.KubeValidatingAdmissionPolicy {
  const policy = new k8s.KubeValidatingAdmissionPolicy(scope, 'pods', {
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'] }],
      },
      matchConditions: [{ name: 'a-tenant-account', expression: "request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')" }],
      variables: [
        { name: 'executorAccount', expression: `namespaceObject.metadata.labels[${celString(EXECUTOR_ACCOUNT_LABEL)}]` },
        { name: 'queued', expression: `has(namespaceObject.metadata.labels) && ${celString(BATCH_QUEUE_LABEL)} in namespaceObject.metadata.labels` },
        { name: 'queue', expression: `variables.queued ? namespaceObject.metadata.labels[${celString(BATCH_QUEUE_LABEL)}] : namespaceObject.metadata.name` },
        { name: 'priorityClasses', expression: namespaceList(PRIORITY_CLASSES_ANNOTATION) },
        { name: 'jobSecrets', expression: namespaceList(JOB_SECRETS_ANNOTATION) },
        { name: 'containers', expression: 'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])' },
      ],
      validations: rules().map((r) => ({ ...r, reason: 'Forbidden' })),
    },
  });
  new k8s.KubeValidatingAdmissionPolicyBinding(scope, 'pods-binding', {
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: namespaces }] } },
    },
  });
  return policy;
}
