import { RECORD_LAYOUT } from './record-codec.ts';
import type { RecordRun } from './record-run.ts';
import type { LogLine } from './types.ts';

/**
 * A run of records as the writer queues it: stored as one row of
 * butterbase.invocation_batches whose id is chosen when the run is queued (and written
 * to the spool with it), so a retry, or a replay of the spool, of a row that did commit
 * conflicts instead of storing its records twice.
 */
export interface StoredRun extends RecordRun {
  rowId: string;
}

/** What the writer sends in one transaction. */
export interface WriteBatch {
  runs: StoredRun[];
  lines: LogLine[];
}

/** A row of butterbase.invocation_batches: one function revision's records. */
export interface BatchRow {
  id: string;
  appId: string;
  functionName: string;
  functionId: string;
  revision: string;
  firstStartedAt: Date;
  lastStartedAt: Date;
  recordCount: number;
  /** JSON array of EncodedRecord. */
  records: string;
}

export function recordCount(runs: readonly RecordRun[]): number {
  let count = 0;
  for (const run of runs) count += run.count;
  return count;
}

/** A row per queued run (the writer gathers a function's records into runs before). */
export function batchRows(batch: WriteBatch): BatchRow[] {
  const rows: BatchRow[] = [];
  for (const run of batch.runs) {
    if (run.count === 0) continue;
    rows.push({
      id: run.rowId,
      appId: run.appId,
      functionName: run.functionName,
      functionId: run.functionId,
      revision: run.revision,
      firstStartedAt: new Date(run.firstStartedAtMs),
      lastStartedAt: new Date(run.lastStartedAtMs),
      recordCount: run.count,
      records: `[${run.json}]`,
    });
  }
  return rows;
}

const COLUMNS = 9;

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
      row.functionId,
      row.revision,
    );
    const base = i * COLUMNS;
    return `(${Array.from({ length: COLUMNS }, (_, c) => `$${base + c + 1}`).join(', ')}, ${RECORD_LAYOUT})`;
  });
  return {
    text: `INSERT INTO butterbase.invocation_batches
      (id, app_id, function_name, first_started_at, last_started_at, record_count, records,
       function_id, revision, layout)
      VALUES ${tuples.join(', ')}
      ON CONFLICT (id) DO NOTHING`,
    values,
  };
}
