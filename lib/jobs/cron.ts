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

/** The values a field selects, and whether robfig/cron marks it as a star (see `neverFires`). */
interface FieldValues {
  readonly values: Set<number>;
  readonly star: boolean;
}

/** The values of a field of a cron expression, or what is wrong with it. */
function parseField(text: string, field: (typeof FIELDS)[number]): FieldValues | string {
  const value = (part: string): number | undefined => {
    const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
    const named = names?.indexOf(part.toLowerCase()) ?? -1;
    if (named >= 0 && 'first' in field) {
      return named + field.first;
    }
    return /^[0-9]+$/.test(part) ? Number(part) : undefined;
  };
  const values = new Set<number>();
  let star = false;
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || (step !== undefined && !/^[0-9]+$/.test(step)) || step === '0') {
      return `the ${field.name} field "${text}" has a bad step "${item}"`;
    }
    const every = step === undefined ? 1 : Number(step);
    let lo: number | undefined = field.min;
    let hi: number | undefined = field.max;
    if (range === '*' || range === '?') {
      // robfig/cron v3 parser.go getRange: "*" or "?" sets the star bit, unless a step above 1 follows.
      star ||= every === 1;
    } else {
      const [low, high, more] = range.split('-');
      lo = value(low);
      // "N/step" means N to the field's maximum (getRange, "Special handling").
      hi = high === undefined ? (step === undefined ? lo : field.max) : value(high);
      if (more !== undefined || lo === undefined || hi === undefined) {
        return `the ${field.name} field "${text}" is not a number, range, list or step of ${field.min}-${field.max}${'names' in field ? ` (or ${field.names[0]}-${field.names[field.names.length - 1]})` : ''}`;
      }
      if (lo < field.min || hi > field.max || lo > hi) {
        return `the ${field.name} field "${text}" is outside ${field.min}-${field.max}`;
      }
    }
    for (let v = lo; v <= hi; v += every) {
      values.add(v);
    }
  }
  return { values, star };
}

/** The most days each month has (February 29 in leap years, when robfig/cron fires it). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Whether a schedule whose fields all parse never fires: robfig/cron v3 (spec.go dayMatches) needs
 * both the day of month and the day of week to match when either field is a star, and either one
 * otherwise; so with a day of week of "*", days of month that none of the months has (April 31,
 * February 30) never come, and `Next` gives up after five years.
 */
function neverFires(dom: FieldValues, month: FieldValues, dow: FieldValues): { message: string; day: number } | undefined {
  if (!dow.star || dom.star) {
    return undefined;
  }
  const months = [...month.values];
  if (months.some((m) => [...dom.values].some((d) => d <= DAYS_IN_MONTH[m - 1]))) {
    return undefined;
  }
  // The last day every year has, of the longest month named (February 29 fires in leap years only).
  const day = Math.max(...months.map((m) => (m === 2 ? 28 : DAYS_IN_MONTH[m - 1])));
  return { message: `no month it names (${months.map((m) => MONTH_NAMES[m - 1]).join(', ')}) has day ${[...dom.values].join(', ')}, so it never fires`, day };
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
  const parsed: FieldValues[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const field = parseField(fields[i], FIELDS[i]);
    if (typeof field === 'string') {
      return `${prop} "${schedule}": ${field}: ${fix}`;
    }
    parsed.push(field);
  }
  const never = neverFires(parsed[2], parsed[3], parsed[4]);
  if (never !== undefined) {
    const fixed = [...fields.slice(0, 2), String(never.day), ...fields.slice(3)].join(' ');
    return `${prop} "${schedule}": ${never.message}: use a day the months have, for example "${fixed}"`;
  }
  return undefined;
}

/** What Go's `time.LoadLocation` would refuse, as a message naming the prop, or undefined. */
export function timeZoneProblem(timeZone: string, prop = 'timeZone'): string | undefined {
  const fix = 'use an IANA time zone name, for example "UTC" or "Europe/Berlin"';
  if (timeZone === 'Local' || timeZone === '') {
    return `${prop} "${timeZone}" is the zone of the operator's controller pod, which the platform does not pin: ${fix}`;
  }
  // Intl also takes offsets such as "+01:00", which Go does not: only names pass. Whole hours have
  // a zone of their own, Etc/GMT with the POSIX sign (Etc/GMT-2 is two hours ahead of UTC).
  const offset = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?00)?$/.exec(timeZone);
  if (offset && Number(offset[2]) <= 12) {
    const zone = Number(offset[2]) === 0 ? 'UTC' : `Etc/GMT${offset[1] === '+' ? '-' : '+'}${Number(offset[2])}`;
    return `${prop} "${timeZone}" is not a time zone name but a UTC offset, which Go's time.LoadLocation does not take: use the zone "${zone}", or the IANA name of a place, for example "Europe/Berlin"`;
  }
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    return `${prop} "${timeZone}" is not a time zone name: ${fix}`;
  }
  // UTC, the default, needs no look-up; the first Intl look-up loads the zone data (tens of ms).
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    return undefined;
  }
  // Go reads the zone from a file of that name (time/zoneinfo_read.go loadLocation), so names are
  // case-sensitive, where Intl is not ("europe/berlin" and "utc" pass Intl); every part of an IANA
  // name starts with a capital letter ("America/Port-au-Prince", "Etc/GMT+2", "EST5EDT").
  if (timeZone.split('/').some((part) => !/^[A-Z]/.test(part))) {
    const canonical = [...canonicalZones(), 'UTC'].find((z) => z.toLowerCase() === timeZone.toLowerCase());
    return `${prop} "${timeZone}" is not a time zone name as the operator's Go code reads it, which is case-sensitive: ${canonical !== undefined ? `use "${canonical}"` : fix}`;
  }
  // Intl has no test that does not throw (its list of zones leaves out aliases that Go takes, and
  // UTC itself), so this is the one place that catches.
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `${prop} "${timeZone}" is not a time zone of the IANA database: ${fix}`;
  }
  // Intl resolves a name in any case ("EUROPE/PARIS" is "Europe/Paris"); Go does not.
  const resolved = format.resolvedOptions().timeZone;
  return resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()
    ? `${prop} "${timeZone}" is not a time zone name as the operator's Go code reads it, which is case-sensitive: use "${resolved}"`
    : undefined;
}

/** The IANA zone names Intl lists (canonical names; aliases such as "US/Pacific" are not among them). */
function canonicalZones(): readonly string[] {
  return (Intl as unknown as { supportedValuesOf(key: 'timeZone'): string[] }).supportedValuesOf('timeZone');
}
