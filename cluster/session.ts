import type { ApplyPlan, ApplyTimeout } from '../lib/core/apply-plan';
import { Kubectl } from './kubectl';

/** Seconds since some fixed point, and a pause; tests pass a clock that only counts. */
export interface Clock {
  now(): number;
  sleep(seconds: number): void;
}

/** The bounds and settings of a run, from the environment variables of the same names. */
export interface Settings {
  /** The kubectl context every call names, so that a different current context is never the target. */
  readonly context: string;
  readonly pollInterval: number;
  readonly webhookRetries: number;
  readonly appStartTimeout: number;
  readonly appTimeout: number;
  readonly pipelineTimeout: number;
  readonly timeouts: Readonly<Record<ApplyTimeout, number>>;
}

/** The last words of every failed run: the phase, the object and what went wrong. */
export class ApplyFailure extends Error {
  constructor(public readonly phase: string, public readonly object: string, message: string, public readonly details: string[]) {
    super(message);
  }

  /** The text printed on standard error. */
  public report(): string {
    return [`FAILED [${this.phase}] ${this.object}: ${this.message}`, ...this.details.filter((d) => d !== '')].join('\n');
  }
}

/** One run of the command: the plan, kubectl, the clock, the output and the current phase. */
export class Session {
  /** The phase that progress lines and failures name. */
  public phase = 'settings';

  constructor(
    public readonly plan: ApplyPlan,
    public readonly kubectl: Kubectl,
    public readonly clock: Clock,
    public readonly settings: Settings,
    private readonly print: (line: string) => void,
  ) {}

  public say(message: string): void {
    this.print(`==> [${this.phase}] ${message}`);
  }

  /** Starts a phase with its first line. */
  public enter(phase: string, message: string): void {
    this.phase = phase;
    this.say(message);
  }

  public detail(...lines: string[]): void {
    lines.forEach((line) => this.print(`    ${line}`));
  }

  /** Lines printed as they are, such as a table. */
  public raw(text: string): void {
    this.print(text);
  }

  public fail(object: string, message: string, ...details: string[]): never {
    throw new ApplyFailure(this.phase, object, message, details);
  }

  /** The wait between two polls (none with POLL_INTERVAL=0). */
  public pause(): void {
    if (this.settings.pollInterval > 0) {
      this.clock.sleep(this.settings.pollInterval);
    }
  }
}
