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
const MAX_FIELD_LENGTH = 2 * 1024;
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

function cleanNullable(value: string | null | undefined, max: number): string | null {
  return value === null || value === undefined ? null : cleanText(String(value), max);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function isNonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** A record ready to insert, or null when it cannot be stored. */
export function cleanRecord(record: InvocationRecord): InvocationRecord | null {
  if (!isNonEmpty(record.id) || !UUID.test(record.id)) return null;
  if (!isNonEmpty(record.appId) || !isNonEmpty(record.functionName) || !isValidDate(record.startedAt))
    return null;
  if (!isNonEmpty(record.trigger) || !isNonEmpty(record.outcome)) return null;
  const statusCode = Number.isInteger(record.statusCode) ? record.statusCode : null;
  return {
    // One spelling, as a uuid column would have it: ids are compared as strings once stored.
    id: record.id.toLowerCase(),
    appId: cleanText(record.appId, MAX_FIELD_LENGTH),
    functionName: cleanText(record.functionName, MAX_FIELD_LENGTH),
    functionId: cleanText(String(record.functionId ?? ''), MAX_FIELD_LENGTH),
    revision: cleanText(String(record.revision ?? ''), MAX_FIELD_LENGTH),
    trigger: record.trigger,
    userId: cleanNullable(record.userId, MAX_FIELD_LENGTH),
    method: cleanNullable(record.method, MAX_FIELD_LENGTH),
    path: cleanNullable(record.path, MAX_FIELD_LENGTH),
    statusCode: statusCode !== null && Math.abs(statusCode) <= INT32_MAX ? statusCode : null,
    outcome: record.outcome,
    errorCode: cleanNullable(record.errorCode, MAX_FIELD_LENGTH),
    errorMessage: cleanNullable(record.errorMessage, MAX_MESSAGE_LENGTH),
    startedAt: record.startedAt,
    durationMs: Number.isFinite(record.durationMs) ? record.durationMs : 0,
  };
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
