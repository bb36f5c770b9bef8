/**
 * Kubernetes label selectors (`matchLabels` and `matchExpressions`), evaluated as the API machinery
 * evaluates them (k8s.io/apimachinery pkg/apis/meta/v1 LabelSelectorAsSelector): every term must
 * hold; an empty selector selects everything.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether `selector` selects an object with `labels`. */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return matchLabels && (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In': return has && values.includes(labels[key]);
      case 'NotIn': return !has || !values.includes(labels[key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}
