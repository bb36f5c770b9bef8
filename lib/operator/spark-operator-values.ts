/**
 * The values of the Kubeflow Spark Operator Helm chart 2.3.0, as a typed interface whose keys are
 * exactly the chart's (`charts/spark-operator-chart/values.yaml` at v2.3.0). Keys of 1.x charts such
 * as `sparkJobNamespaces` or `webhook.namespaceSelector`, which 2.x silently ignores, do not exist
 * here. `spark.jobNamespaces` is absent on purpose: SparkOperatorRelease derives it from its tenants.
 *
 * Values that the chart passes through to Kubernetes objects (resources, affinity, security contexts,
 * volumes, ...) keep Kubernetes' own field names.
 */

/** Any JSON value, for fields the chart hands to Kubernetes unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A Kubernetes object the chart copies into a manifest (affinity, security context, ...). */
export type KubernetesObject = { [key: string]: JsonValue };

/** Container resource requests and limits in Kubernetes quantities. */
export interface ResourceRequirementsValues {
  readonly requests?: { readonly cpu?: string; readonly memory?: string; readonly [resource: string]: string | undefined };
  readonly limits?: { readonly cpu?: string; readonly memory?: string; readonly [resource: string]: string | undefined };
}

export interface ImageValues {
  readonly registry?: string;
  readonly repository?: string;
  readonly tag?: string;
  readonly pullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly pullSecrets?: { readonly name: string }[];
}

export interface ServiceAccountValues {
  readonly create?: boolean;
  readonly name?: string;
  readonly annotations?: Record<string, string>;
  readonly automountServiceAccountToken?: boolean;
}

export interface RbacValues {
  readonly create?: boolean;
  readonly annotations?: Record<string, string>;
}

export interface PodDisruptionBudgetValues {
  readonly enable?: boolean;
  readonly minAvailable?: number;
}

/** Pod placement and container settings that the controller and the webhook share. */
export interface OperatorPodValues {
  readonly replicas?: number;
  readonly leaderElection?: { readonly enable?: boolean };
  readonly logLevel?: 'debug' | 'info' | 'error';
  readonly logEncoder?: 'console' | 'json';
  readonly serviceAccount?: ServiceAccountValues;
  readonly rbac?: RbacValues;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly volumes?: KubernetesObject[];
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: KubernetesObject;
  readonly tolerations?: KubernetesObject[];
  readonly priorityClassName?: string;
  readonly podSecurityContext?: KubernetesObject;
  readonly topologySpreadConstraints?: KubernetesObject[];
  readonly env?: KubernetesObject[];
  readonly envFrom?: KubernetesObject[];
  readonly volumeMounts?: KubernetesObject[];
  readonly resources?: ResourceRequirementsValues;
  readonly securityContext?: KubernetesObject;
  readonly sidecars?: KubernetesObject[];
  readonly podDisruptionBudget?: PodDisruptionBudgetValues;
}

export interface ControllerValues extends OperatorPodValues {
  readonly workers?: number;
  readonly driverPodCreationGracePeriod?: string;
  readonly maxTrackedExecutorPerApp?: number;
  readonly uiService?: { readonly enable?: boolean };
  readonly uiIngress?: {
    readonly enable?: boolean;
    readonly urlFormat?: string;
    readonly ingressClassName?: string;
    readonly tls?: KubernetesObject[];
    readonly annotations?: Record<string, string>;
  };
  readonly batchScheduler?: {
    readonly enable?: boolean;
    readonly kubeSchedulerNames?: string[];
    readonly default?: '' | 'volcano' | 'yunikorn';
  };
  readonly pprof?: { readonly enable?: boolean; readonly port?: number; readonly portName?: string };
  readonly workqueueRateLimiter?: {
    readonly bucketQPS?: number;
    readonly bucketSize?: number;
    readonly maxDelay?: { readonly enable?: boolean; readonly duration?: string };
  };
}

export interface WebhookValues extends OperatorPodValues {
  readonly enable?: boolean;
  readonly port?: number;
  readonly portName?: string;
  readonly failurePolicy?: 'Ignore' | 'Fail';
  /** Between 1 and 30. */
  readonly timeoutSeconds?: number;
  readonly resourceQuotaEnforcement?: { readonly enable?: boolean };
}

export interface SparkValues {
  readonly serviceAccount?: ServiceAccountValues;
  readonly rbac?: RbacValues;
}

export interface PrometheusValues {
  readonly metrics?: {
    readonly enable?: boolean;
    readonly port?: number;
    readonly portName?: string;
    readonly endpoint?: string;
    readonly prefix?: string;
    readonly jobStartLatencyBuckets?: string;
  };
  readonly podMonitor?: {
    readonly create?: boolean;
    readonly labels?: Record<string, string>;
    readonly jobLabel?: string;
    readonly podMetricsEndpoint?: { readonly scheme?: string; readonly interval?: string };
  };
}

export interface CertManagerValues {
  readonly enable?: boolean;
  readonly issuerRef?: { readonly group?: string; readonly kind?: string; readonly name?: string };
  readonly duration?: string;
  readonly renewBefore?: string;
}

/** Values of the spark-operator chart 2.3.0, less `spark.jobNamespaces` (derived from the tenants). */
export interface SparkOperatorValues {
  readonly nameOverride?: string;
  readonly fullnameOverride?: string;
  readonly commonLabels?: Record<string, string>;
  readonly image?: ImageValues;
  readonly hook?: {
    readonly upgradeCrd?: boolean;
    readonly image?: { readonly registry?: string; readonly repository?: string; readonly tag?: string };
  };
  readonly controller?: ControllerValues;
  readonly webhook?: WebhookValues;
  readonly spark?: SparkValues;
  readonly prometheus?: PrometheusValues;
  readonly certManager?: CertManagerValues;
}

/** A key whose value the chart hands to Kubernetes: any keys below it are Kubernetes', not the chart's. */
const OPEN = 'open';
/** A key with a scalar or list value. */
const LEAF = 'leaf';
type Shape = typeof OPEN | typeof LEAF | { readonly [key: string]: Shape };

const SERVICE_ACCOUNT: Shape = { create: LEAF, name: LEAF, annotations: OPEN, automountServiceAccountToken: LEAF };
const RBAC: Shape = { create: LEAF, annotations: OPEN };
const OPERATOR_POD: Record<string, Shape> = {
  replicas: LEAF, leaderElection: { enable: LEAF }, logLevel: LEAF, logEncoder: LEAF,
  serviceAccount: SERVICE_ACCOUNT, rbac: RBAC, labels: OPEN, annotations: OPEN, volumes: LEAF,
  nodeSelector: OPEN, affinity: OPEN, tolerations: LEAF, priorityClassName: LEAF, podSecurityContext: OPEN,
  topologySpreadConstraints: LEAF, env: LEAF, envFrom: LEAF, volumeMounts: LEAF, resources: OPEN,
  securityContext: OPEN, sidecars: LEAF, podDisruptionBudget: { enable: LEAF, minAvailable: LEAF },
};

/**
 * Every key path of chart 2.3.0's values.yaml. The tests check it against the chart's own file in
 * both directions; at synth it is what raw values are checked against.
 */
export const CHART_VALUES_SHAPE: Shape = {
  nameOverride: LEAF,
  fullnameOverride: LEAF,
  commonLabels: OPEN,
  image: { registry: LEAF, repository: LEAF, tag: LEAF, pullPolicy: LEAF, pullSecrets: LEAF },
  hook: { upgradeCrd: LEAF, image: { registry: LEAF, repository: LEAF, tag: LEAF } },
  controller: {
    ...OPERATOR_POD,
    workers: LEAF, driverPodCreationGracePeriod: LEAF, maxTrackedExecutorPerApp: LEAF,
    uiService: { enable: LEAF },
    uiIngress: { enable: LEAF, urlFormat: LEAF, ingressClassName: LEAF, tls: LEAF, annotations: OPEN },
    batchScheduler: { enable: LEAF, kubeSchedulerNames: LEAF, default: LEAF },
    pprof: { enable: LEAF, port: LEAF, portName: LEAF },
    workqueueRateLimiter: { bucketQPS: LEAF, bucketSize: LEAF, maxDelay: { enable: LEAF, duration: LEAF } },
  },
  webhook: {
    ...OPERATOR_POD,
    enable: LEAF, port: LEAF, portName: LEAF, failurePolicy: LEAF, timeoutSeconds: LEAF,
    resourceQuotaEnforcement: { enable: LEAF },
  },
  spark: { jobNamespaces: LEAF, serviceAccount: SERVICE_ACCOUNT, rbac: RBAC },
  prometheus: {
    metrics: { enable: LEAF, port: LEAF, portName: LEAF, endpoint: LEAF, prefix: LEAF, jobStartLatencyBuckets: LEAF },
    podMonitor: { create: LEAF, labels: OPEN, jobLabel: LEAF, podMetricsEndpoint: { scheme: LEAF, interval: LEAF } },
  },
  certManager: { enable: LEAF, issuerRef: OPEN, duration: LEAF, renewBefore: LEAF },
};

/** Keys of the 1.x charts that 2.x ignores without a word, with where their setting went. */
const CHART_1X_KEYS: Record<string, string> = {
  sparkJobNamespaces: ' (a 1.x key that chart 2.x ignores; the watched namespaces come from the tenants given to SparkOperatorRelease)',
  metrics: ' (a 1.x key; in chart 2.x metrics are prometheus.metrics.*)',
  podMonitor: ' (a 1.x key; in chart 2.x it is prometheus.podMonitor)',
  batchScheduler: ' (a 1.x key; in chart 2.x it is controller.batchScheduler)',
  uiService: ' (a 1.x key; in chart 2.x it is controller.uiService)',
  ingressUrlFormat: ' (a 1.x key; in chart 2.x it is controller.uiIngress.urlFormat)',
  leaderElection: ' (a 1.x key; in chart 2.x it is controller.leaderElection and webhook.leaderElection)',
  resources: ' (a 1.x key; in chart 2.x it is controller.resources and webhook.resources)',
  'webhook.namespaceSelector': ' (a 1.x key that chart 2.x ignores; the webhook serves the namespaces in spark.jobNamespaces)',
  'webhook.objectSelector': ' (a 1.x key that chart 2.x ignores)',
};

/**
 * Lists the key paths in `values` that chart 2.3.0 does not define, each with the closest key the
 * chart has at that level. Keys below a pass-through key (resources, affinity, ...) are not checked.
 */
export function unknownValuePaths(values: unknown, shape: Shape = CHART_VALUES_SHAPE, prefix = ''): string[] {
  if (shape === OPEN || shape === LEAF || !isPlainObject(values)) {
    return [];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = shape[key];
    if (child === undefined) {
      problems.push(path + (CHART_1X_KEYS[path] ?? nearest(key, Object.keys(shape), prefix)));
    } else if (child !== OPEN && child !== LEAF && !isPlainObject(value) && value !== undefined) {
      problems.push(`${path} (the chart expects an object with keys ${Object.keys(child).join(', ')})`);
    } else {
      problems.push(...unknownValuePaths(value, child, path));
    }
  }
  return problems;
}

/** Whether the chart defines `path` (dot-separated) as a key, or it lies below a pass-through key. */
export function isChartValuePath(path: string): boolean {
  let shape: Shape = CHART_VALUES_SHAPE;
  for (const key of path.split('.')) {
    if (shape === OPEN) {
      return true;
    }
    if (shape === LEAF || shape[key] === undefined) {
      return false;
    }
    shape = shape[key];
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nearest(key: string, candidates: string[], prefix: string): string {
  const lower = key.toLowerCase();
  const best = candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(key.length / 3))) {
    return ` (did you mean ${prefix ? `${prefix}.` : ''}${best.c}?)`;
  }
  return '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
