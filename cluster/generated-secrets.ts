import type { GeneratedSecret } from '../lib/core/apply-plan';
import { allOutput } from './kubectl';
import { Session } from './session';
import { hint, readJson } from './waits';

/** `bytes` random bytes as hex; tests pass their own. */
export type RandomHex = (bytes: number) => string;

function secretList(documents: { namespace: string; name: string; field: 'data' | 'stringData'; values: Record<string, string> }[]): string {
  const items = documents.map((d) => ({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: d.name, namespace: d.namespace }, [d.field]: d.values }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

/**
 * Gives the Secret random keys unless it has keys already (so applying again keeps them), and writes
 * the same keys into its copy, in one server-side apply (which, unlike a client-side one, records no
 * copy of them in an annotation). The keys go to kubectl on its standard input only: they are in no
 * command line, no file and no output.
 */
export function ensureSecret(s: Session, secret: GeneratedSecret, randomHex: RandomHex): void {
  const source = `Secret ${secret.namespace}/${secret.name}`;
  const copy = `Secret ${secret.copy.namespace}/${secret.copy.name}`;
  const apply = (object: string, namespace: string, message: string, list: string) => {
    const result = s.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], list);
    if (result.status !== 0) {
      const out = allOutput(result);
      s.fail(object, message, out, hint(s, out, namespace));
    }
  };
  const existing = readJson(s, source, secret.namespace, ['get', 'secret', secret.name, '-n', secret.namespace, '--ignore-not-found']);
  if (existing === undefined) {
    const values = Object.fromEntries(secret.keys.map((key, i) => [key, i === 0 ? randomHex(10).toUpperCase() : randomHex(20)]));
    apply(source, secret.namespace, `kubectl cannot create it and its copy ${secret.copy.namespace}/${secret.copy.name}`, secretList([
      { ...secret, field: 'stringData', values },
      { ...secret.copy, field: 'stringData', values },
    ]));
    s.detail(`${source}: created with new random keys`, `${copy}: the same keys, for the store's identities`);
    return;
  }
  s.detail(`${source}: exists; keeping its keys`);
  const data: Record<string, string> = existing.data ?? {};
  if (secret.keys.some((key) => !data[key])) {
    s.fail(source, `it lacks ${secret.keys.filter((key) => !data[key]).join(' or ')}`,
      `hint: delete it (kubectl delete secret -n ${secret.namespace} ${secret.name}) and apply again, which creates it with new keys`);
  }
  const values = Object.fromEntries(secret.keys.map((key) => [key, data[key]]));
  apply(copy, secret.copy.namespace, 'kubectl cannot write it', secretList([{ ...secret.copy, field: 'data', values }]));
  s.detail(`${copy}: the same keys, for the store's identities`);
}
