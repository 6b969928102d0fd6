import { encodeRecord } from './record-codec.ts';
import type { InvocationRecord, LogLine } from './types.ts';
import { uuidV7 } from './uuid-v7.ts';

/** What the writer sends in one transaction. */
export interface WriteBatch {
  records: InvocationRecord[];
  lines: LogLine[];
  /**
   * The id of each function's batch row, by `groupKey`: chosen on the first attempt and
   * kept for the retries, so a retry of a batch that did commit conflicts instead of
   * storing its records twice.
   */
  rowIds: Map<string, string>;
}

/** A row of butterbase.invocation_batches: one function's records of a WriteBatch. */
export interface BatchRow {
  id: string;
  appId: string;
  functionName: string;
  firstStartedAt: Date;
  lastStartedAt: Date;
  recordCount: number;
  /** JSON array of EncodedRecord. */
  records: string;
}

function groupKey(record: InvocationRecord): string {
  // NUL cannot occur in either name (sanitize.ts strips it from stored text).
  return `${record.appId}\u0000${record.functionName}`;
}

/**
 * The batch's records grouped per app and function, in arrival order. A record handed
 * over twice is stored once: nothing else makes ids unique (there is no index per record).
 */
export function batchRows(batch: WriteBatch): BatchRow[] {
  const groups = new Map<string, InvocationRecord[]>();
  const seen = new Set<string>();
  for (const record of batch.records) {
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    const key = groupKey(record);
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return [...groups].map(([key, records]) => {
    let id = batch.rowIds.get(key);
    if (id === undefined) {
      id = uuidV7();
      batch.rowIds.set(key, id);
    }
    let first = records[0]!.startedAt;
    let last = first;
    for (const { startedAt } of records) {
      if (startedAt < first) first = startedAt;
      if (startedAt > last) last = startedAt;
    }
    return {
      id,
      appId: records[0]!.appId,
      functionName: records[0]!.functionName,
      firstStartedAt: first,
      lastStartedAt: last,
      recordCount: records.length,
      records: JSON.stringify(records.map(encodeRecord)),
    };
  });
}

const COLUMNS = 7;

/**
 * One INSERT of every row; a row already stored (same id: a retry) is skipped. Plain
 * parameters, not arrays: a text[] parameter would escape and re-parse every quote of
 * the records' JSON.
 */
export function insertBatchRows(rows: readonly BatchRow[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((row, i) => {
    values.push(
      row.id,
      row.appId,
      row.functionName,
      row.firstStartedAt,
      row.lastStartedAt,
      row.recordCount,
      row.records,
    );
    const base = i * COLUMNS;
    return `(${Array.from({ length: COLUMNS }, (_, c) => `$${base + c + 1}`).join(', ')})`;
  });
  return {
    text: `INSERT INTO butterbase.invocation_batches
      (id, app_id, function_name, first_started_at, last_started_at, record_count, records)
      VALUES ${tuples.join(', ')}
      ON CONFLICT (id) DO NOTHING`,
    values,
  };
}
