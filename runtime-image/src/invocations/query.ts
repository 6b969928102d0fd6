import type pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import { newestRecords, recordById } from './batch-reads.ts';
import { type InvocationWithLines, LOG_LEVELS, type LogLevel, type LogLine } from './types.ts';

export interface InvocationQuery {
  appId: string;
  functionName?: string;
  /** Only invocations that started at or after this time. */
  since?: Date;
  invocationId?: string;
  /** Only lines at this level or above (debug < info < warn < error); all invocations still listed. */
  level?: LogLevel;
  /** Newest invocations returned; default 50, at most 1000. */
  limit?: number;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
/** What an invocation id looks like; anything else finds nothing. */
export const INVOCATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface LineRow {
  invocation_id: string;
  seq: number;
  at: Date;
  level: LogLevel;
  message: string;
}

/** Levels at or above `level`, for `level = ANY(...)`. */
export function levelsFrom(level: LogLevel | undefined): LogLevel[] {
  if (level === undefined) return [...LOG_LEVELS];
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0)
    throw new TypeError(`Unknown log level ${JSON.stringify(level)}; use one of ${LOG_LEVELS.join(', ')}`);
  return LOG_LEVELS.slice(index);
}

/**
 * Invocations of an app, newest first, each with its console lines in order: what
 * `bbfn logs` and the management API's `get_logs` show. The records come from their
 * batches (batch-reads.ts), then their lines in one indexed query.
 */
export async function queryInvocations(
  pool: pg.Pool,
  query: InvocationQuery,
): Promise<InvocationWithLines[]> {
  const levels = levelsFrom(query.level);
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
  // An id that is not a uuid matches nothing stored.
  if (query.invocationId !== undefined && !INVOCATION_ID.test(query.invocationId)) return [];

  const filter = { appId: query.appId, functionName: query.functionName, since: query.since };

  try {
    const records =
      query.invocationId === undefined
        ? await newestRecords(pool, filter, limit)
        : await recordById(pool, filter, query.invocationId.toLowerCase());
    if (records.length === 0) return [];
    const lines = await pool.query<LineRow>(
      `SELECT invocation_id, seq, at, level, message FROM butterbase.invocation_logs
       WHERE invocation_id = ANY($1::uuid[]) AND level = ANY($2::text[])
       ORDER BY invocation_id, seq`,
      [records.map((record) => record.id), levels],
    );
    const byInvocation = new Map<string, LogLine[]>();
    for (const row of lines.rows) {
      const list = byInvocation.get(row.invocation_id) ?? [];
      list.push({
        invocationId: row.invocation_id,
        seq: row.seq,
        at: row.at,
        level: row.level,
        message: row.message,
      });
      byInvocation.set(row.invocation_id, list);
    }
    return records.map((record) => ({ ...record, lines: byInvocation.get(record.id) ?? [] }));
  } catch (error) {
    throw isConnectionError(error) ? databaseUnavailable(error) : error;
  }
}
