import type pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface InvocationRow {
  id: string;
  app_id: string;
  function_name: string;
  function_id: string;
  revision: string;
  trigger: InvocationWithLines['trigger'];
  user_id: string | null;
  method: string | null;
  path: string | null;
  status_code: number | null;
  outcome: InvocationWithLines['outcome'];
  error_code: string | null;
  error_message: string | null;
  started_at: Date;
  duration_ms: number;
}

interface LineRow {
  invocation_id: string;
  seq: number;
  at: Date;
  level: LogLevel;
  message: string;
}

/** Levels at or above `level`, for `level = ANY(...)`. */
function levelsFrom(level: LogLevel | undefined): LogLevel[] {
  if (level === undefined) return [...LOG_LEVELS];
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0)
    throw new TypeError(`Unknown log level ${JSON.stringify(level)}; use one of ${LOG_LEVELS.join(', ')}`);
  return LOG_LEVELS.slice(index);
}

/**
 * Invocations of an app, newest first, each with its console lines in order: what
 * `bbfn logs` and the management API's `get_logs` show. Two indexed queries (the
 * invocations, then their lines) rather than a join that would repeat every record.
 */
export async function queryInvocations(
  pool: pg.Pool,
  query: InvocationQuery,
): Promise<InvocationWithLines[]> {
  const levels = levelsFrom(query.level);
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
  // An id that is not a uuid cannot match, and would be a cast error in Postgres.
  if (query.invocationId !== undefined && !UUID.test(query.invocationId)) return [];

  const where = ['app_id = $1'];
  const params: unknown[] = [query.appId];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    where.push(condition.replace('?', `$${params.length}`));
  };
  if (query.functionName !== undefined) add('function_name = ?', query.functionName);
  if (query.since !== undefined) add('started_at >= ?', query.since);
  if (query.invocationId !== undefined) add('id = ?', query.invocationId);
  params.push(limit);

  try {
    const invocations = await pool.query<InvocationRow>(
      `SELECT * FROM butterbase.invocations WHERE ${where.join(' AND ')}
       ORDER BY started_at DESC, id LIMIT $${params.length}`,
      params,
    );
    if (invocations.rows.length === 0) return [];
    const lines = await pool.query<LineRow>(
      `SELECT invocation_id, seq, at, level, message FROM butterbase.invocation_logs
       WHERE invocation_id = ANY($1::uuid[]) AND level = ANY($2::text[])
       ORDER BY invocation_id, seq`,
      [invocations.rows.map((row) => row.id), levels],
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
    return invocations.rows.map((row) => ({
      id: row.id,
      appId: row.app_id,
      functionName: row.function_name,
      functionId: row.function_id,
      revision: row.revision,
      trigger: row.trigger,
      userId: row.user_id,
      method: row.method,
      path: row.path,
      statusCode: row.status_code,
      outcome: row.outcome,
      errorCode: row.error_code,
      errorMessage: row.error_message,
      startedAt: row.started_at,
      durationMs: row.duration_ms,
      lines: byInvocation.get(row.id) ?? [],
    }));
  } catch (error) {
    throw isConnectionError(error) ? databaseUnavailable(error) : error;
  }
}
