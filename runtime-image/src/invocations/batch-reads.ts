import type pg from 'pg';
import { decodeRecord, type EncodedRecord } from './record-codec.ts';
import type { InvocationRecord } from './types.ts';
import { uuidV7Time } from './uuid-v7.ts';

/**
 * Reads invocation records from butterbase.invocation_batches through its indexes,
 * decoding only the batches that can hold what is asked for (never the app's whole
 * history, as a query on the view butterbase.invocations would).
 */

/** Which records: an app's, maybe one function's, maybe only since a time. */
export interface BatchFilter {
  appId: string;
  functionName?: string;
  since?: Date;
}

interface BatchMeta {
  id: string;
  first_started_at: Date;
  last_started_at: Date;
  /** The exact timestamp, to page on (a Date keeps milliseconds only). */
  last_cursor: string;
  record_count: number;
}

interface BatchRecords {
  app_id: string;
  function_name: string;
  layout: number;
  function_id: string | null;
  revision: string | null;
  records: string;
}

const RECORD_COLUMNS = 'app_id, function_name, layout, function_id, revision, records';

// Batch rows per round trip while looking for the ones that hold the newest records.
const PAGE = 100;
// How far an invocation's started_at may be from the time in its UUIDv7 id: the host
// takes both from the same clock, one right after the other (host/invoker.ts).
const ID_TIME_MARGIN_MS = 1_000;

/**
 * Adds a `WHERE` condition to `where`, its `?` placeholders numbered after the
 * parameters already in `params`, to which its values are appended.
 */
export function conditionAdder(where: string[], params: unknown[]) {
  return (condition: string, ...values: unknown[]) => {
    let text = condition;
    for (const value of values) {
      params.push(value);
      text = text.replace('?', `$${params.length}`);
    }
    where.push(text);
  };
}

/** `WHERE` conditions over the batch columns, with their parameters from $1. */
function conditionsFor(filter: BatchFilter) {
  const where = ['app_id = $1'];
  const params: unknown[] = [filter.appId];
  const add = conditionAdder(where, params);
  if (filter.functionName !== undefined) add('function_name = ?', filter.functionName);
  if (filter.since !== undefined) add('last_started_at >= ?', filter.since);
  return { where, params, add };
}

/** Newest first, ties by id: the order the old table's query used. */
function byStartDescending(a: InvocationRecord, b: InvocationRecord): number {
  return b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function decodeRows(rows: readonly BatchRecords[], keep: (record: InvocationRecord) => boolean) {
  const records: InvocationRecord[] = [];
  for (const row of rows) {
    const fields = {
      appId: row.app_id,
      functionName: row.function_name,
      layout: row.layout,
      functionId: row.function_id,
      revision: row.revision,
    };
    for (const encoded of JSON.parse(row.records) as EncodedRecord[]) {
      const record = decodeRecord(fields, encoded);
      if (keep(record)) records.push(record);
    }
  }
  return records.sort(byStartDescending);
}

function inFilter(filter: BatchFilter) {
  const since = filter.since?.getTime();
  return (record: InvocationRecord) => since === undefined || record.startedAt.getTime() >= since;
}

/**
 * The ids of the batches that can hold the `limit` newest records. Batches are visited
 * by their newest record, newest first; once whole batches account for `limit` records,
 * none of those is older than the oldest start among them, so only batches reaching that
 * far back are needed: those of other hosts written over the same time, nothing older.
 */
async function newestBatchIds(pool: pg.Pool, filter: BatchFilter, limit: number): Promise<string[]> {
  const selected: string[] = [];
  let counted = 0;
  let oldestCounted = Number.POSITIVE_INFINITY;
  let bound: number | null = null;
  let cursor: { last: string; id: string } | null = null;
  for (;;) {
    const { where, params, add } = conditionsFor(filter);
    if (cursor) add('(last_started_at, id) < (?::timestamptz, ?::uuid)', cursor.last, cursor.id);
    params.push(PAGE);
    const { rows } = await pool.query<BatchMeta>(
      `SELECT id, first_started_at, last_started_at, last_started_at::text AS last_cursor, record_count
       FROM butterbase.invocation_batches WHERE ${where.join(' AND ')}
       ORDER BY last_started_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    for (const batch of rows) {
      // Dates are truncated to the millisecond on both sides, which keeps this test safe.
      if (bound !== null && batch.last_started_at.getTime() < bound) return selected;
      selected.push(batch.id);
      // A batch reaching back past `since` may hold fewer matching records than it counts.
      if (bound === null && (filter.since === undefined || batch.first_started_at >= filter.since)) {
        counted += batch.record_count;
        oldestCounted = Math.min(oldestCounted, batch.first_started_at.getTime());
        if (counted >= limit) bound = oldestCounted;
      }
    }
    if (rows.length < PAGE) return selected;
    const last = rows[rows.length - 1]!;
    cursor = { last: last.last_cursor, id: last.id };
  }
}

/** The `limit` newest records matching the filter, newest first (ties by id). */
export async function newestRecords(
  pool: pg.Pool,
  filter: BatchFilter,
  limit: number,
): Promise<InvocationRecord[]> {
  const ids = await newestBatchIds(pool, filter, limit);
  if (ids.length === 0) return [];
  const { rows } = await pool.query<BatchRecords>(
    `SELECT ${RECORD_COLUMNS} FROM butterbase.invocation_batches WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return decodeRows(rows, inFilter(filter)).slice(0, limit);
}

/**
 * The record with this id (lower case), if it matches the filter. A UUIDv7 id narrows
 * the search to the few batches around its time; any other id (invocations stored
 * before ids were UUIDv7) means looking through the app's batches, oldest first.
 */
export async function recordById(
  pool: pg.Pool,
  filter: BatchFilter,
  id: string,
): Promise<InvocationRecord[]> {
  const { where, params, add } = conditionsFor(filter);
  const time = uuidV7Time(id);
  if (time !== null) {
    add('last_started_at >= ?', new Date(time - ID_TIME_MARGIN_MS));
    add('first_started_at <= ?', new Date(time + ID_TIME_MARGIN_MS));
  }
  // Where a record starts: inside a string a quote is escaped, so an error message that
  // mentions the id cannot match. Last, so that it only reads batches that pass the rest.
  add('strpos(records, ?) > 0', `["${id}"`);
  const { rows } = await pool.query<BatchRecords>(
    `SELECT ${RECORD_COLUMNS} FROM butterbase.invocation_batches
     WHERE ${where.join(' AND ')} ORDER BY last_started_at, id LIMIT 1`,
    params,
  );
  const keep = inFilter(filter);
  return decodeRows(rows, (record) => record.id === id && keep(record));
}
