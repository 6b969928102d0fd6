import { RECORD_LAYOUT } from './record-codec.ts';
import type { RecordRun } from './record-run.ts';
import type { LogLine } from './types.ts';
import { uuidV7 } from './uuid-v7.ts';

/** What the writer sends in one transaction. */
export interface WriteBatch {
  runs: RecordRun[];
  lines: LogLine[];
  /**
   * The id of each function's batch row, by `groupKey`: chosen on the first attempt and
   * kept for the retries, so a retry of a batch that did commit conflicts instead of
   * storing its records twice.
   */
  rowIds: Map<string, string>;
}

/** A row of butterbase.invocation_batches: one function revision's records of a WriteBatch. */
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

function groupKey(run: RecordRun): string {
  // NUL cannot occur in any of them (sanitize.ts strips it from stored text).
  return `${run.appId}\u0000${run.functionName}\u0000${run.functionId}\u0000${run.revision}`;
}

/** The batch's runs gathered into a row per app, function and revision, in arrival order. */
export function batchRows(batch: WriteBatch): BatchRow[] {
  const groups = new Map<string, RecordRun[]>();
  for (const run of batch.runs) {
    if (run.count === 0) continue;
    const key = groupKey(run);
    const group = groups.get(key);
    if (group) group.push(run);
    else groups.set(key, [run]);
  }
  return [...groups].map(([key, runs]) => {
    let id = batch.rowIds.get(key);
    if (id === undefined) {
      id = uuidV7();
      batch.rowIds.set(key, id);
    }
    let first = runs[0]!.firstStartedAtMs;
    let last = runs[0]!.lastStartedAtMs;
    for (const run of runs) {
      if (run.firstStartedAtMs < first) first = run.firstStartedAtMs;
      if (run.lastStartedAtMs > last) last = run.lastStartedAtMs;
    }
    return {
      id,
      appId: runs[0]!.appId,
      functionName: runs[0]!.functionName,
      functionId: runs[0]!.functionId,
      revision: runs[0]!.revision,
      firstStartedAt: new Date(first),
      lastStartedAt: new Date(last),
      recordCount: recordCount(runs),
      records: `[${runs.map((run) => run.json).join(',')}]`,
    };
  });
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
