import { IConstruct } from 'constructs';

/**
 * The one way constructs report bad input: each construct records its problems here as it finds
 * them, mostly at construction, and `app.synth()` reports them all at once, each under the
 * construct's path, before anything is written. Parsers take the Problems (or its `add`) and return
 * undefined for a value they could not read; nothing throws and catches.
 *
 * A message names the field and the value, says what is wrong and, after a colon, how to fix it:
 * `quota.limitsMemory "16GB" is not a Kubernetes quantity: ...; did you mean "16Gi"?`
 */
export class Problems {
  /** The problems recorded for a construct, or undefined when it has none. */
  public static of(scope: IConstruct): Problems | undefined {
    return REGISTRY.get(scope);
  }

  /**
   * Whether the construct or any construct above it has recorded a problem, or is made from a
   * construct that has (see `derivedFrom`): its objects would only repeat that problem.
   */
  public static inOrAbove(scope: IConstruct): boolean {
    return Problems.refusedAbove(scope, new Set());
  }

  /**
   * Declares that `scope` is made from `sources` (a job, a queue or a History Server from its
   * tenant): when a source has recorded a problem, `scope` and everything under it report nothing
   * more, since every name and object they derive from it would only repeat the one root cause.
   */
  public static derivedFrom(scope: IConstruct, ...sources: IConstruct[]): void {
    DERIVED.set(scope, [...(DERIVED.get(scope) ?? []), ...sources]);
  }

  /** Whether a construct `scope` is made from (see `derivedFrom`), or one above it, has recorded a problem. */
  public static sourceRefused(scope: IConstruct): boolean {
    for (let s: IConstruct | undefined = scope; s !== undefined; s = s.node.scope) {
      if ((DERIVED.get(s) ?? []).some((source) => Problems.inOrAbove(source))) {
        return true;
      }
    }
    return false;
  }

  private static refusedAbove(scope: IConstruct, seen: Set<IConstruct>): boolean {
    for (let s: IConstruct | undefined = scope; s !== undefined; s = s.node.scope) {
      if (seen.has(s)) {
        return false;
      }
      seen.add(s);
      if ((REGISTRY.get(s)?.messages.length ?? 0) > 0 || (DERIVED.get(s) ?? []).some((source) => Problems.refusedAbove(source, seen))) {
        return true;
      }
    }
    return false;
  }

  private readonly messages: string[] = [];

  constructor(scope: IConstruct) {
    REGISTRY.set(scope, this);
    // Messages are deduplicated (two checks may find one mistake), and dropped when a construct the
    // scope is made from has been refused: that is the root cause, and it is reported there.
    scope.node.addValidation({ validate: () => (Problems.sourceRefused(scope) ? [] : [...new Set(this.messages)]) });
  }

  /** Records a problem; an undefined message is ignored, so checks can be passed straight in. */
  public add(message: string | undefined): void {
    if (message !== undefined) {
      this.messages.push(message);
    }
  }

  /** Records every message of a list. */
  public addAll(messages: readonly string[]): void {
    this.messages.push(...messages);
  }

  /** The problems recorded so far. */
  public get all(): readonly string[] {
    return this.messages;
  }
}

const REGISTRY = new WeakMap<IConstruct, Problems>();
const DERIVED = new WeakMap<IConstruct, IConstruct[]>();
