import type { InvocationRecord, LogLine, LogLineInput } from './types.ts';
import { LOG_LEVELS } from './types.ts';

/**
 * Checks and trims what the host buffers, at append time: one bad row (an invalid
 * uuid, a NUL byte, a 10 MB console.log) would otherwise fail a whole multi-row
 * insert of 500 others, again on every retry.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);
// Generous for a log line, small enough that 500 of them stay a reasonable insert.
export const MAX_MESSAGE_LENGTH = 16 * 1024;
export const MAX_FIELD_LENGTH = 2 * 1024;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Postgres text cannot contain NUL, and the JSON a batch travels in cannot carry a lone
 * surrogate half; long values keep their start and say they were cut.
 */
export function cleanText(value: string, max: number): string {
  let text = value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (!text.isWellFormed()) text = text.toWellFormed();
  if (text.length <= max) return text;
  const note = `… [truncated ${text.length - max} characters]`;
  return text.slice(0, max) + note;
}

export function cleanNullable(value: string | null | undefined, max: number): string | null {
  return value === null || value === undefined ? null : cleanText(String(value), max);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function isNonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * Whether a record can be stored at all: an id that is a uuid, an app, a function, a
 * start time, a trigger and an outcome. The rest of it is cleaned field by field
 * (record-codec.ts `encodeRecordJson`).
 */
export function isStorableRecord(record: InvocationRecord): boolean {
  return (
    isNonEmpty(record.id) &&
    UUID.test(record.id) &&
    isNonEmpty(record.appId) &&
    isNonEmpty(record.functionName) &&
    isValidDate(record.startedAt) &&
    isNonEmpty(record.trigger) &&
    isNonEmpty(record.outcome)
  );
}

/** One of a record's names (app, function, function id, revision) as stored. */
export function cleanField(value: string): string {
  return cleanText(String(value ?? ''), MAX_FIELD_LENGTH);
}

/** A status code Postgres' integer holds, or null. */
export function cleanStatusCode(statusCode: number | null): number | null {
  return Number.isInteger(statusCode) && Math.abs(statusCode!) <= INT32_MAX ? statusCode : null;
}

/** A line ready to insert, or null when it cannot be stored (e.g. no invocation id). */
export function cleanLine(line: LogLineInput): LogLine | null {
  if (!isNonEmpty(line.invocationId) || !UUID.test(line.invocationId)) return null;
  if (!Number.isInteger(line.seq) || line.seq < 0 || line.seq > INT32_MAX) return null;
  const at = typeof line.at === 'number' ? new Date(line.at) : line.at;
  if (!isValidDate(at) || !LEVELS.has(line.level)) return null;
  return {
    invocationId: line.invocationId,
    seq: line.seq,
    at,
    level: line.level,
    message: cleanText(
      typeof line.message === 'string' ? line.message : String(line.message),
      MAX_MESSAGE_LENGTH,
    ),
  };
}
