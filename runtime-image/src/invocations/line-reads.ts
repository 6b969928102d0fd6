import type pg from 'pg';
import { MAX_TIMEOUT_SECONDS } from '../../../api/v1alpha1/function-limits.ts';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from '../host/background-limits.ts';
import { conditionAdder, recordById } from './batch-reads.ts';
import { INVOCATION_ID, levelsFrom } from './query.ts';
import { type BatchRowFields, decodeRecord, type EncodedRecord } from './record-codec.ts';
import type { InvocationRecord, LogLevel, LogLine } from './types.ts';

/** Which console lines of one function: every filter of `get_logs`, applied in SQL. */
export interface LineQuery {
  appId: string;
  functionName: string;
  /** Lines at or after / at or before these times. */
  since?: Date;
  until?: Date;
  invocationId?: string;
  /** This level and above. */
  level?: LogLevel;
  /** Lines whose message contains this, case-insensitively. */
  text?: string;
  limit: number;
}

export interface FoundLine {
  line: LogLine;
  record: InvocationRecord;
}

/**
 * How long after its invocation started a line can be printed: the longest time limit,
 * then background work and the drain of a stopping host. It bounds which batches can
 * hold lines of a time window, since a batch knows its records' starts, not their lines'.
 */
export const LINE_LAG_MS = MAX_TIMEOUT_SECONDS * 1000 + drainLimitFor(BACKGROUND_LIMIT_MS);

// Batch rows whose records one query joins with their lines (up to 500 records each).
const BATCHES_PER_QUERY = 20;

interface BatchPage {
  id: string;
  last_started_at: Date;
  last_cursor: string;
}

interface LineRow {
  invocation_id: string;
  seq: number;
  at: Date;
  level: LogLevel;
  message: string;
  layout: number;
  function_id: string | null;
  revision: string | null;
  record: string;
}

/** Newest first; lines of one instant by invocation, then their order within it. */
function newestFirst(a: FoundLine, b: FoundLine): number {
  const byTime = b.line.at.getTime() - a.line.at.getTime();
  if (byTime !== 0) return byTime;
  if (a.line.invocationId !== b.line.invocationId) return a.line.invocationId < b.line.invocationId ? 1 : -1;
  return b.line.seq - a.line.seq;
}
const ORDER = 'l.at DESC, l.invocation_id DESC, l.seq DESC';

/** The line conditions, with their parameters appended to `params`. */
function lineConditions(query: LineQuery, params: unknown[]): string[] {
  const add = (condition: string, value: unknown) => {
    params.push(value);
    return condition.replace('?', `$${params.length}`);
  };
  const where = [add('l.level = ANY(?::text[])', levelsFrom(query.level))];
  if (query.since) where.push(add('l.at >= ?', query.since));
  if (query.until) where.push(add('l.at <= ?', query.until));
  if (query.text !== undefined) where.push(add('strpos(lower(l.message), lower(?)) > 0', query.text));
  return where;
}

/**
 * A function's console lines matching every filter, newest first, at most `limit`, each
 * with its invocation's record. Lines live apart from their records (which are packed
 * into batch rows), so the batches of the window are visited newest first, a page at a
 * time, and each page's records are joined with their lines in SQL, filters and order
 * and limit included. Older pages are read only while they could still hold a line newer
 * than the oldest kept (LINE_LAG_MS): a query over many invocations reads what its
 * filters need, not a fixed number of the newest.
 */
export async function queryLines(pool: pg.Pool, query: LineQuery): Promise<FoundLine[]> {
  try {
    return query.invocationId === undefined
      ? await linesOfWindow(pool, query)
      : await linesOfOne(pool, query);
  } catch (error) {
    throw isConnectionError(error) ? databaseUnavailable(error) : error;
  }
}

async function linesOfOne(pool: pg.Pool, query: LineQuery): Promise<FoundLine[]> {
  const id = query.invocationId!.toLowerCase();
  if (!INVOCATION_ID.test(id)) return [];
  const [record] = await recordById(pool, { appId: query.appId, functionName: query.functionName }, id);
  if (!record) return [];
  const params: unknown[] = [id];
  const where = ['l.invocation_id = $1::uuid', ...lineConditions(query, params)];
  params.push(query.limit);
  const { rows } = await pool.query<LineRow>(
    `SELECT l.invocation_id, l.seq, l.at, l.level, l.message FROM butterbase.invocation_logs AS l
     WHERE ${where.join(' AND ')} ORDER BY ${ORDER} LIMIT $${params.length}`,
    params,
  );
  return rows.map((row) => ({ line: lineOf(row), record }));
}

async function linesOfWindow(pool: pg.Pool, query: LineQuery): Promise<FoundLine[]> {
  let kept: FoundLine[] = [];
  let cursor: { last: string; id: string } | null = null;
  for (;;) {
    const page = await batchPage(pool, query, cursor);
    if (page.length === 0) return kept;
    // Full, and this page's newest batch cannot print a line as new as the oldest kept.
    const oldestKept = kept.at(-1)?.line.at.getTime();
    if (
      kept.length >= query.limit &&
      oldestKept !== undefined &&
      page[0]!.last_started_at.getTime() + LINE_LAG_MS < oldestKept
    )
      return kept;
    kept = [
      ...kept,
      ...(await linesOfBatches(
        pool,
        query,
        page.map((b) => b.id),
      )),
    ]
      .sort(newestFirst)
      .slice(0, query.limit);
    if (page.length < BATCHES_PER_QUERY) return kept;
    const last = page.at(-1)!;
    cursor = { last: last.last_cursor, id: last.id };
  }
}

/** The next batches of the function newest first, those that can hold lines of the window. */
async function batchPage(
  pool: pg.Pool,
  query: LineQuery,
  cursor: { last: string; id: string } | null,
): Promise<BatchPage[]> {
  const params: unknown[] = [query.appId, query.functionName];
  const where = ['app_id = $1', 'function_name = $2'];
  const add = conditionAdder(where, params);
  // A line is printed at or after its invocation's start, and at most LINE_LAG_MS after.
  if (query.until) add('first_started_at <= ?', query.until);
  if (query.since) add('last_started_at >= ?', new Date(query.since.getTime() - LINE_LAG_MS));
  if (cursor) add('(last_started_at, id) < (?::timestamptz, ?::uuid)', cursor.last, cursor.id);
  params.push(BATCHES_PER_QUERY);
  const { rows } = await pool.query<BatchPage>(
    `SELECT id, last_started_at, last_started_at::text AS last_cursor FROM butterbase.invocation_batches
     WHERE ${where.join(' AND ')} ORDER BY last_started_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** The newest matching lines of these batches' invocations, each with its encoded record. */
async function linesOfBatches(pool: pg.Pool, query: LineQuery, batchIds: string[]): Promise<FoundLine[]> {
  const params: unknown[] = [batchIds];
  const where = lineConditions(query, params);
  params.push(query.limit);
  const { rows } = await pool.query<LineRow>(
    `SELECT l.invocation_id, l.seq, l.at, l.level, l.message,
            b.layout, b.function_id, b.revision, r.value::text AS record
     FROM butterbase.invocation_batches AS b
     CROSS JOIN LATERAL json_array_elements(b.records::json) AS r(value)
     JOIN butterbase.invocation_logs AS l ON l.invocation_id = (r.value ->> 0)::uuid
     WHERE b.id = ANY($1::uuid[]) AND ${where.join(' AND ')}
     ORDER BY ${ORDER} LIMIT $${params.length}`,
    params,
  );
  const decoded = new Map<string, InvocationRecord>();
  return rows.map((row) => {
    let record = decoded.get(row.invocation_id);
    if (!record) {
      const fields: BatchRowFields = {
        appId: query.appId,
        functionName: query.functionName,
        layout: row.layout,
        functionId: row.function_id,
        revision: row.revision,
      };
      record = decodeRecord(fields, JSON.parse(row.record) as EncodedRecord);
      decoded.set(row.invocation_id, record);
    }
    return { line: lineOf(row), record };
  });
}

function lineOf(row: Pick<LineRow, 'invocation_id' | 'seq' | 'at' | 'level' | 'message'>): LogLine {
  return {
    invocationId: row.invocation_id,
    seq: row.seq,
    at: row.at,
    level: row.level,
    message: row.message,
  };
}
