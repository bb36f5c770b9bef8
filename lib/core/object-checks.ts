import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { objectNameProblems, labelsProblems } from './names';
import { namedImageUserProblems } from './pod-security';
import { Problems } from './problems';
import { objectSchemaProblems } from './schema';

/**
 * The checks that look at every object of an app, whatever construct made it: each object against
 * its schema (Kubernetes 1.31 or its pinned CRD, strictly), each object identity used once,
 * names, labels and annotations of valid syntax, and a numeric user for every container that must
 * run as non-root from an image whose user is a name. They are fed one object at a time, with the
 * object's JSON (`toJson()`), and report each problem on the construct that owns the object.
 */
export class ObjectChecks {
  private readonly found = new Map<IConstruct, string[]>();
  /** The objects of each identity, with what the messages need of them. */
  private readonly byIdentity = new Map<string, { o: ApiObject; name: string; kind: string; namespace?: string }[]>();

  /** Checks one object, given its JSON. */
  public check(o: ApiObject, doc: any): void {
    // A construct that reported bad props has said what to fix; the objects it made from them
    // would only repeat it, field by field.
    if (Problems.inOrAbove(o)) {
      return;
    }
    const id = identity(doc);
    const same = this.byIdentity.get(id);
    const entry = { o, name: doc.metadata?.name, kind: doc.kind, namespace: doc.metadata?.namespace };
    if (same) {
      same.push(entry);
    } else {
      this.byIdentity.set(id, [entry]);
    }
    const messages = [...objectSchemaProblems(doc), ...objectNameProblems(doc), ...labelsProblems(doc), ...namedImageUserProblems(doc)];
    if (messages.length > 0) {
      const what = describeObject(doc);
      this.add(o, messages.map((p) => `${what}: ${p}`));
    }
  }

  /** Every problem found, by the construct that reports it, with the duplicated identities. */
  public problems(): Map<IConstruct, string[]> {
    const duplicated = [...this.byIdentity.values()].filter((same) => same.length > 1);
    // A construct defined twice duplicates every object under it: report its main object only.
    const duplicatedOwners = new Set(duplicated.flat().filter((e) => e.o.node.id === 'Resource').map((e) => ownerOf(e.o)));
    const underDuplicatedOwner = (o: ApiObject) => {
      for (let s = o.node.scope; s !== undefined; s = s.node.scope) {
        if (duplicatedOwners.has(s) && s !== ownerOf(o)) {
          return true;
        }
      }
      return false;
    };
    // One identity defined twice is one mistake: it is reported once, at the last definition (the
    // first ones in construct order are taken as meant), naming the others.
    for (const same of duplicated.filter((entries) => !entries.some((e) => underDuplicatedOwner(e.o)))) {
      const { o, name, kind, namespace } = same[same.length - 1];
      const where = namespace ? ` in namespace ${namespace}` : '';
      const others = same.slice(0, -1).map((x) => ownerOf(x.o).node.path).join(', ');
      this.add(o, [`name "${name}" is used by another ${kind}${where} (${others}), and applying both would silently keep only one: give each its own name, or define it once`]);
    }
    return this.found;
  }

  private add(o: ApiObject, messages: string[]): void {
    const owner = ownerOf(o);
    this.found.set(owner, [...(this.found.get(owner) ?? []), ...messages]);
  }
}

/**
 * The construct that reports an object's problems: the construct whose main object it is (its
 * child with the id `Resource`, as cdk8s-plus names it), so that the path is the one the user wrote.
 */
function ownerOf(o: ApiObject): IConstruct {
  return o.node.id === 'Resource' && o.node.scope !== undefined ? o.node.scope : o;
}

function identity(json: any): string {
  const group = String(json.apiVersion).includes('/') ? String(json.apiVersion).split('/')[0] : '';
  return `${group}/${json.kind}/${json.metadata?.namespace ?? ''}/${json.metadata?.name ?? ''}`;
}

function describeObject(json: any): string {
  return `${json.kind} ${json.metadata?.namespace ? `${json.metadata.namespace}/` : ''}${json.metadata?.name}`;
}
