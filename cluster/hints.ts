import { SPARK_S3A_IMAGE } from '../lib/addons/storage/s3a';
import type { ObjectRef } from '../lib/core/apply-plan';

// The seed README's troubleshooting, matched to what went wrong (docs/troubleshooting.md).

export function quotaHint(namespace: string): string {
  return [
    'hint (Resource Quota Violations): in a namespace with a ResourceQuota every pod must set limits',
    '  - add coreLimit to the driver and executor specs',
    "  - make sure memory plus Spark's overhead fits the quota",
    `  - check current usage: kubectl describe quota -n ${namespace}`,
  ].join('\n');
}

export function permissionHint(namespace: string): string {
  return [
    "hint (Permission Errors): the job's service account lacks a permission",
    `  - check the service account exists: kubectl get sa -n ${namespace}`,
    `  - verify the RBAC bindings: kubectl get rolebindings -n ${namespace}`,
    "  - make sure the SparkApplication names the team's service account",
  ].join('\n');
}

export function imageHint(): string {
  return [
    'hint (Image Pull Issues): a pod cannot pull its image (ImagePullBackOff)',
    `  - verify the image name and tag (working images: apache/spark:4.0.0, ${SPARK_S3A_IMAGE})`,
    `  - ${SPARK_S3A_IMAGE} is never pulled: 'npm run cluster:up' (k3d/platform.sh up) builds it and imports it into the cluster`,
    "  - check the cluster's network connectivity",
  ].join('\n');
}

export function notWatchingHint(operator: ObjectRef | undefined, namespace: string): string {
  return [
    'hint (Spark Operator Not Watching Namespaces): the operator never picked the application up',
    `  - check which namespaces it watches: kubectl logs -n ${operator?.namespace} deployment/${operator?.name}-controller | grep namespace`,
    `  - it should list ${namespace} (the operator's spark.jobNamespaces)`,
  ].join('\n');
}

export function operatorHint(operator: ObjectRef | undefined): string {
  if (operator === undefined) {
    return '';
  }
  return [
    "hint: look at the operator's pods and logs",
    `  - kubectl get pods -n ${operator.namespace}`,
    `  - kubectl logs -n ${operator.namespace} deployment/${operator.name}-controller`,
  ].join('\n');
}

export function podsHint(namespace: string): string {
  return [`hint: look at the pods and events of ${namespace}`, `  - kubectl get pods -n ${namespace}`, `  - kubectl get events -n ${namespace} --sort-by=.lastTimestamp`].join('\n');
}

function fluxHint(): string {
  return [
    'hint: these manifests release their charts with Flux (HelmRepository, HelmRelease), which is not installed',
    "  - install Flux's controllers first: flux install (or flux bootstrap for a Git repository)",
    '  - or apply dist/, whose charts the k3s helm controller installs',
  ].join('\n');
}

function argoCdHint(): string {
  return [
    'hint: these manifests release their charts with Argo CD (Application), which is not installed',
    '  - install Argo CD into the namespace argocd first (its install.yaml, applied with --server-side)',
    '  - or apply dist/, whose charts the k3s helm controller installs',
  ].join('\n');
}

function clusterHint(context: string): string {
  return ["hint: is the cluster running? Create it with 'npm run cluster:up' (k3d/platform.sh up)", `  - kubectl context used: ${context} (override with KUBE_CONTEXT)`].join('\n');
}

/**
 * The hint whose symptom appears in `text`, or ''. Quota errors come before permission errors because
 * the API server words them "... is forbidden: exceeded quota".
 */
export function hintFor(text: string, namespace: string, operator: ObjectRef | undefined, context: string): string {
  const has = (...symptoms: string[]) => symptoms.some((s) => text.toLowerCase().includes(s.toLowerCase()));
  if (has('no matches for kind "HelmRelease"', 'no matches for kind "HelmRepository"')) {
    return fluxHint();
  }
  if (has('no matches for kind "Application"')) {
    return argoCdHint();
  }
  if (has('exceeded quota', 'must specify limits', 'must specify requests')) {
    return quotaHint(namespace);
  }
  if (has('forbidden')) {
    return permissionHint(namespace);
  }
  if (has('ImagePullBackOff', 'ErrImagePull')) {
    return imageHint();
  }
  if (has('failed calling webhook')) {
    return operatorHint(operator);
  }
  if (/context[\s\S]*does not exist/i.test(text) || has('Unable to connect', 'connection refused')) {
    return clusterHint(context);
  }
  return '';
}
