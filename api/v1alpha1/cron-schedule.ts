import { Cron } from 'croner';

/**
 * The one check of a cron trigger's `schedule` and `timeZone`, shared by the schema
 * (and so by the operator, the deploy API and the local platform) and by the local
 * scheduler. A schedule must mean the same thing to croner (which runs it locally)
 * and to a Kubernetes CronJob (which runs it in a cluster), so only the common subset
 * passes: five fields (or a nickname such as `@daily`), no seconds, none of croner's
 * extensions. Each function returns an error message, or null when the value is valid.
 */

/** Schedules run in UTC unless the trigger names a time zone. */
export const DEFAULT_CRON_TIME_ZONE = 'UTC';

const FIELDS_HINT = 'use 5 fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * *"';

// Names are letters too, so they are removed before looking for croner's letter
// extensions; `\b` keeps croner's "last Friday" (FRIL) from hiding its L.
const NAMES = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)\b/gi;

/** Syntax croner accepts but a Kubernetes CronJob (robfig/cron) refuses. */
const CRONER_ONLY: ReadonlyArray<[RegExp, string]> = [
  [/[Ll]/, '"L" (last day)'],
  [/[Ww]/, '"W" (nearest weekday)'],
  [/#/, '"#" (nth weekday)'],
  [/\+/, '"+" (day-of-month AND day-of-week)'],
];

export function validateCronSchedule(schedule: string, timeZone?: string): string | null {
  const scheduleError = checkSchedule(schedule);
  if (scheduleError) return `invalid cron expression ${JSON.stringify(schedule)}: ${scheduleError}`;
  return timeZone === undefined ? null : validateTimeZone(timeZone);
}

function checkSchedule(schedule: string): string | null {
  const trimmed = schedule.trim();
  if (trimmed === '') return `it is empty; ${FIELDS_HINT}`;
  if (!trimmed.startsWith('@')) {
    const fields = trimmed.split(/\s+/);
    if (fields.length === 6 || fields.length === 7) {
      return `${fields.length} fields given, but seconds${fields.length === 7 ? ' and years' : ''} are not supported; ${FIELDS_HINT}`;
    }
    if (fields.length !== 5)
      return `${fields.length} field${fields.length === 1 ? '' : 's'} given; ${FIELDS_HINT}`;
  }
  try {
    // A paused job with no callback only parses the pattern; nothing is scheduled.
    new Cron(trimmed, { mode: '5-part', timezone: DEFAULT_CRON_TIME_ZONE, paused: true }).stop();
  } catch (error) {
    return plainCronerMessage(error);
  }
  // Only once croner has accepted it, so a misspelt name gets croner's message instead.
  const extension = trimmed.startsWith('@') ? null : cronerOnlySyntax(trimmed);
  return extension ? `${extension} is not standard cron syntax and Kubernetes CronJobs refuse it` : null;
}

function cronerOnlySyntax(schedule: string): string | null {
  const rest = schedule.replace(NAMES, '');
  for (const [pattern, label] of CRONER_ONLY) if (pattern.test(rest)) return label;
  return null;
}

/**
 * IANA names only: Kubernetes loads `timeZone` from the tz database, which is
 * case-sensitive and has no numeric offsets, while `Intl` (and so croner) is lenient
 * about both, so a name croner accepts could still break the CronJob.
 */
export function validateTimeZone(timeZone: string): string | null {
  const hint = 'use an IANA time zone name such as "Europe/Stockholm" or "UTC"';
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone))
    return `invalid time zone ${JSON.stringify(timeZone)}: ${hint}`;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    // Croner is what runs the schedule locally: make sure it agrees, not just Intl.
    new Cron('0 0 * * *', { timezone: timeZone, paused: true }).nextRun();
  } catch {
    return `invalid time zone ${JSON.stringify(timeZone)}: ${hint}`;
  }
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) {
    return `invalid time zone ${JSON.stringify(timeZone)}: time zone names are case-sensitive, use ${JSON.stringify(resolved)}`;
  }
  return null;
}

function plainCronerMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Cron(Pattern|Options)?:\s*/, '');
}
