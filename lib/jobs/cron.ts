/**
 * Schedules as the operator's controller reads them: robfig/cron v3's `ParseStandard` (five fields,
 * minute hour day-of-month month day-of-week, or a descriptor), in a time zone Go's
 * `time.LoadLocation` knows (an IANA name).
 *
 * @see https://pkg.go.dev/github.com/robfig/cron/v3#hdr-CRON_Expression_Format
 */

/** The descriptors robfig/cron accepts besides `@every <duration>`. */
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], first: 1 },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], first: 0 },
] as const;

/** A Go duration (`time.ParseDuration`), such as `10m`, `1h30m` or `1.5h`. */
const GO_DURATION = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))*$/;

/** What is wrong with a field of a cron expression, or undefined. */
function fieldProblem(text: string, field: (typeof FIELDS)[number]): string | undefined {
  const value = (part: string): number | undefined => {
    const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
    const named = names?.indexOf(part.toLowerCase()) ?? -1;
    if (named >= 0 && 'first' in field) {
      return named + field.first;
    }
    return /^[0-9]+$/.test(part) ? Number(part) : undefined;
  };
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || (step !== undefined && !/^[0-9]+$/.test(step)) || step === '0') {
      return `the ${field.name} field "${text}" has a bad step "${item}"`;
    }
    if (range === '*' || range === '?') {
      continue;
    }
    const [low, high, more] = range.split('-');
    const lo = value(low);
    const hi = high === undefined ? lo : value(high);
    if (more !== undefined || lo === undefined || hi === undefined) {
      return `the ${field.name} field "${text}" is not a number, range, list or step of ${field.min}-${field.max}${'names' in field ? ` (or ${field.names[0]}-${field.names[field.names.length - 1]})` : ''}`;
    }
    if (lo < field.min || hi > field.max || lo > hi) {
      return `the ${field.name} field "${text}" is outside ${field.min}-${field.max}`;
    }
  }
  return undefined;
}

/**
 * What the controller would refuse in a schedule (it marks the ScheduledSparkApplication
 * FailedValidation and never runs it), as a message naming the prop, or undefined.
 */
export function cronScheduleProblem(schedule: string, prop = 'schedule'): string | undefined {
  const text = schedule.trim();
  const fix = 'use five fields (minute hour day-of-month month day-of-week), for example "0 2 * * *" for 02:00 every day, or a descriptor such as "@daily" or "@every 6h"';
  if (/^(CRON_)?TZ=/.test(text)) {
    return `${prop} "${schedule}" names its time zone itself: set the timeZone prop and leave the zone out of ${prop}`;
  }
  if (text.startsWith('@')) {
    if (CRON_DESCRIPTORS.includes(text)) {
      return undefined;
    }
    const every = /^@every\s+(\S+)$/.exec(text);
    if (every) {
      return GO_DURATION.test(every[1]) && /[1-9]/.test(every[1]) ? undefined : `${prop} "${schedule}" has no positive Go duration after @every: use for example "@every 30m" or "@every 1h30m"`;
    }
    return `${prop} "${schedule}" is not a descriptor robfig/cron knows (${[...CRON_DESCRIPTORS, '@every <duration>'].join(', ')}): ${fix}`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== FIELDS.length) {
    return `${prop} "${schedule}" has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5 (a seconds field is not accepted): ${fix}`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const problem = fieldProblem(fields[i], FIELDS[i]);
    if (problem !== undefined) {
      return `${prop} "${schedule}": ${problem}: ${fix}`;
    }
  }
  return undefined;
}

/** What Go's `time.LoadLocation` would refuse, as a message naming the prop, or undefined. */
export function timeZoneProblem(timeZone: string, prop = 'timeZone'): string | undefined {
  const fix = 'use an IANA time zone name, for example "UTC" or "Europe/Berlin"';
  if (timeZone === 'Local' || timeZone === '') {
    return `${prop} "${timeZone}" is the zone of the operator's controller pod, which the platform does not pin: ${fix}`;
  }
  // Intl also takes offsets such as "+01:00", which Go does not: only names pass.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    return `${prop} "${timeZone}" is not a time zone name: ${fix}`;
  }
  // UTC, the default, needs no look-up; the first Intl look-up loads the zone data (tens of ms).
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    return undefined;
  }
  let known = KNOWN_ZONES.get(timeZone);
  if (known === undefined) {
    // Intl has no test that does not throw (its list of zones leaves out aliases that Go takes, and
    // UTC itself), so this is the one place that catches.
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      known = true;
    } catch {
      known = false;
    }
    KNOWN_ZONES.set(timeZone, known);
  }
  return known ? undefined : `${prop} "${timeZone}" is not a time zone of the IANA database: ${fix}`;
}

/** Zone names already looked up, and whether Intl knows them. */
const KNOWN_ZONES = new Map<string, boolean>();
