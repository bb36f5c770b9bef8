import { Quantity } from '../../lib';
import { distDocs } from '../support/dist-docs';
import { ofKind } from '../support/synth';

// The tenants' ResourceQuotas in dist/, and what the API server's quota admission makes of a claim
// or a pod against them: an object is refused when, among the quotas whose scope selects it, one
// would be exceeded by its request (Kubernetes ResourceQuota admission).

const docs = distDocs();
const quotasOf = (namespace: string) => ofKind(docs, 'ResourceQuota').filter((q) => q.metadata.namespace === namespace);

/** Whether quota admission admits a pod at `priorityClassName` into an empty namespace. */
function admitsPod(namespace: string, priorityClassName?: string): boolean {
  return quotasOf(namespace).every((q) => {
    const selects = (q.spec.scopeSelector?.matchExpressions ?? []).every((e: any) => e.scopeName === 'PriorityClass'
      && (e.operator === 'In' ? e.values.includes(priorityClassName ?? '') : e.operator === 'Exists' ? priorityClassName !== undefined : false));
    return !selects || q.spec.hard.pods === undefined || Number(q.spec.hard.pods) >= 1;
  });
}

/** Whether quota admission admits a claim of `storage` into an empty namespace. */
function admitsClaim(namespace: string, storage: string): boolean {
  return quotasOf(namespace).filter((q) => q.spec.scopeSelector === undefined).every((q) => {
    const hard = q.spec.hard['requests.storage'];
    return hard !== undefined && Number(q.spec.hard.persistentvolumeclaims) >= 1 && !Quantity.literal(storage).isGreaterThan(Quantity.literal(hard));
  });
}

describe.each(['team-alpha', 'team-beta'])('the quotas of %s', (namespace) => {
  test('bound storage and claims, so that an on-demand claim of 100Ti is refused and one of 10Gi admitted', () => {
    expect(admitsClaim(namespace, '100Ti')).toBe(false);
    expect(admitsClaim(namespace, '10Gi')).toBe(true);
  });

  test('refuse pods at the system PriorityClasses, and admit pods without a class', () => {
    expect(admitsPod(namespace, 'system-node-critical')).toBe(false);
    expect(admitsPod(namespace, 'system-cluster-critical')).toBe(false);
    expect(admitsPod(namespace)).toBe(true);
  });
});
