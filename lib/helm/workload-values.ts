import { Quantity } from '../core/quantity';

/**
 * What in a chart's values would leave one of its workloads unable to run, whichever the chart: a
 * replica count below 1 for a component that is not turned off (the component has no pod), and
 * `resources` whose request is above its limit (the API server refuses such a pod, so the
 * Deployment never gets one: pkg/apis/core/validation/validation.go ValidateResourceRequirements,
 * "must be less than or equal to ... limit"). Keys are the charts' own: `replicas`, `replicaCount`
 * and Volcano's `<component>_replicas`; `resources` as Kubernetes' ResourceRequirements.
 * @param prefix names the values in messages, for example `values`
 */
export function workloadValuesProblems(values: unknown, prefix: string): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return;
    }
    const object = value as Record<string, unknown>;
    if (object.enabled === false || object.enable === false) {
      return;
    }
    for (const [key, child] of Object.entries(object)) {
      const at = `${path}.${key}`;
      if (/^(replicas|replicaCount)$|_replicas$/.test(key) && typeof child === 'number' && child < 1) {
        problems.push(`${at} ${child} leaves the component with no pod, so the platform would not work: use 1 or more, or turn the component off with its own enabled value`);
      } else if (key === 'resources') {
        problems.push(...requestAboveLimitProblems(child, at));
      } else {
        walk(child, at);
      }
    }
  };
  walk(values, prefix);
  return problems;
}

function requestAboveLimitProblems(resources: unknown, at: string): string[] {
  const { requests, limits } = (resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  const problems: string[] = [];
  for (const resource of ['cpu', 'memory'] as const) {
    const request = requests?.[resource];
    const limit = limits?.[resource];
    if ((typeof request !== 'string' && typeof request !== 'number') || (typeof limit !== 'string' && typeof limit !== 'number')) {
      continue;
    }
    // Values that are not quantities are reported by the values schema.
    const r = Quantity.parse(request, '', () => undefined);
    const l = Quantity.parse(limit, '', () => undefined);
    if (r !== undefined && l !== undefined && r.isGreaterThan(l)) {
      problems.push(`${at}.requests.${resource} ${request} is above ${at}.limits.${resource} ${limit}, and the API server refuses such a pod: raise the limit to at least ${JSON.stringify(String(request))} or lower the request`);
    }
  }
  return problems;
}
