import { Construct } from 'constructs';

/**
 * Collects the problems found in a construct's props so that `app.synth()` reports them all at
 * once, each under the construct's path, before anything is written, instead of stopping at the first.
 */
export class Problems {
  private readonly messages: string[] = [];

  constructor(scope: Construct) {
    scope.node.addValidation({ validate: () => [...this.messages] });
  }

  /** Records a problem; an undefined message is ignored, so checks can be passed straight in. */
  public add(message: string | undefined): void {
    if (message !== undefined) {
      this.messages.push(message);
    }
  }

  /** Runs `parse`, recording its error as a problem; returns undefined when it failed. */
  public attempt<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (e) {
      this.add((e as Error).message);
      return undefined;
    }
  }
}
