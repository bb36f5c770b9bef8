import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ScheduledSparkApplication, ScheduledSparkApplicationSpecTemplate } from '../../imports/scheduled-sparkoperator.k8s.io';
import { cronScheduleProblem, timeZoneProblem } from './cron';
import { SparkJobBase, SparkJobBaseProps } from './spark-job-base';

/** What the operator does when a run is due while the last one still runs. */
export enum ConcurrencyPolicy {
  /** Start the new run beside it; the runs then share the tenant's quota and queue. */
  ALLOW = 'Allow',
  /** Skip the new run until the last one has COMPLETED or FAILED. */
  FORBID = 'Forbid',
  /** Kill the running one and start the new run. */
  REPLACE = 'Replace',
}

/**
 * The longest name of a scheduled job: the operator names each run `<name>-<unix nanoseconds>`
 * (19 digits), which must still be a 63-character DNS label.
 */
export const MAX_SCHEDULED_JOB_NAME_LENGTH = 63 - 20;

export interface ScheduledSparkJobProps extends SparkJobBaseProps {
  /** The ScheduledSparkApplication name, an RFC 1123 label of at most 43 characters. */
  readonly name: string;
  /**
   * When to run: five cron fields (minute hour day-of-month month day-of-week) or a robfig/cron
   * descriptor (`@daily`, `@hourly`, `@every 6h`, ...), in `timeZone`.
   */
  readonly schedule: string;
  /**
   * The IANA time zone of the schedule.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * What to do when a run is due while the last one still runs. Required: with none, operator 2.3.0
   * starts only the very first run.
   */
  readonly concurrencyPolicy: ConcurrencyPolicy;
  /**
   * How many successful runs (SparkApplications) the operator keeps.
   * @default - the operator's (1)
   */
  readonly successfulRunHistoryLimit?: number;
  /**
   * How many failed runs the operator keeps.
   * @default - the operator's (1)
   */
  readonly failedRunHistoryLimit?: number;
  /**
   * Whether the schedule is suspended (no new runs).
   * @default false
   */
  readonly suspend?: boolean;
}

/**
 * A ScheduledSparkApplication in a tenant's namespace: the operator's controller creates a
 * SparkApplication run from the template at every scheduled time. The template is the spec a
 * SparkJob would run with (the tenant's accounts, the hardened templates, the add-ons' defaults
 * for the tenant's jobs) and is checked the same way at synth (quota, pod security, the admission
 * policy, the operator watching the tenant); synth also checks the schedule as robfig/cron reads
 * it, the time zone, the concurrency policy and the history limits. The capacity table counts one
 * run (with ConcurrencyPolicy.ALLOW, overlapping runs wait for quota).
 *
 * @see https://github.com/kubeflow/spark-operator/blob/v2.3.0/examples/spark-pi-scheduled.yaml
 */
export class ScheduledSparkJob extends SparkJobBase {
  /** The longest `name` a scheduled job may have: each run's SparkApplication appends a suffix to it. */
  public static readonly MAX_NAME_LENGTH = MAX_SCHEDULED_JOB_NAME_LENGTH;

  /** The schedule. */
  public readonly schedule: string;
  /** The IANA time zone of the schedule. */
  public readonly timeZone: string;
  /** The concurrency policy. */
  public readonly concurrencyPolicy: ConcurrencyPolicy;
  /** The ScheduledSparkApplication object. */
  public readonly scheduledApplication: ScheduledSparkApplication;

  constructor(scope: Construct, id: string, props: ScheduledSparkJobProps) {
    super(scope, id, props);
    this.schedule = props.schedule;
    this.timeZone = props.timeZone ?? 'UTC';
    this.concurrencyPolicy = props.concurrencyPolicy;

    if (this.name.length > MAX_SCHEDULED_JOB_NAME_LENGTH) {
      this.problems.add(`name "${this.name}" has ${this.name.length} characters: the operator names each run "<name>-<19 digits>", which must be a DNS label of at most 63, so a scheduled job's name has at most ${MAX_SCHEDULED_JOB_NAME_LENGTH}; shorten it`);
    }
    this.problems.add(cronScheduleProblem(this.schedule));
    this.problems.add(timeZoneProblem(this.timeZone));
    const policies = Object.values(ConcurrencyPolicy) as string[];
    if (!policies.includes(this.concurrencyPolicy)) {
      this.problems.add(`concurrencyPolicy "${this.concurrencyPolicy}" is not one the operator knows (${policies.join(', ')}): without one it starts only the first run; use ConcurrencyPolicy.FORBID to skip a run while the last one runs`);
    }
    for (const field of ['successfulRunHistoryLimit', 'failedRunHistoryLimit'] as const) {
      const limit = props[field];
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
        this.problems.add(`${field} ${limit} is not a whole number of runs: use 0 or more, for example 3`);
      }
    }

    this.scheduledApplication = new ScheduledSparkApplication(this, 'Resource', {
      metadata: { name: this.name, namespace: this.tenant.namespaceName },
      spec: {
        schedule: this.schedule,
        timeZone: this.timeZone,
        concurrencyPolicy: this.concurrencyPolicy,
        ...(props.successfulRunHistoryLimit !== undefined ? { successfulRunHistoryLimit: props.successfulRunHistoryLimit } : {}),
        ...(props.failedRunHistoryLimit !== undefined ? { failedRunHistoryLimit: props.failedRunHistoryLimit } : {}),
        ...(props.suspend !== undefined ? { suspend: props.suspend } : {}),
        // The template's type is generated from the ScheduledSparkApplication CRD, whose template is
        // the SparkApplication spec field for field (a test compares the two as synthesized).
        template: Lazy.any({ produce: () => this.renderedSpec }) as unknown as ScheduledSparkApplicationSpecTemplate,
      },
    });
  }
}
