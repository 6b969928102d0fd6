import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { insertBatch } from './batch-insert.ts';
import { parseSpool } from './spool-format.ts';

export interface ReplayResult {
  file: string;
  records: number;
  lines: number;
  /** Entries that could not be read (a records entry counts as one record), and rows Postgres refused: lost. */
  corruptRecords: number;
  corruptLines: number;
  refusedRecords: number;
  refusedLines: number;
}

/**
 * Stores what a spool segment holds (spool.ts), in batches of `maxBatch` records and
 * lines. Idempotent: each run keeps the row id it was spooled with and lines have their
 * (invocation_id, seq) key, so whatever was stored before conflicts and is skipped; a
 * file replayed twice (a crash mid-replay) stores nothing twice. Rejects when the
 * database cannot be reached, so the caller keeps the file and tries again later.
 */
export async function replaySpoolFile(
  pool: pg.Pool,
  file: string,
  maxBatch: number,
  isPoison: (error: unknown) => boolean,
): Promise<ReplayResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        file,
        records: 0,
        lines: 0,
        corruptRecords: 0,
        corruptLines: 0,
        refusedRecords: 0,
        refusedLines: 0,
      };
    throw error;
  }
  const { runs, lines, corruptRecords, corruptLines } = parseSpool(text);
  const result: ReplayResult = {
    file,
    records: 0,
    lines: 0,
    corruptRecords,
    corruptLines,
    refusedRecords: 0,
    refusedLines: 0,
  };
  let r = 0;
  let l = 0;
  while (r < runs.length || l < lines.length) {
    const batchRuns = [];
    let weight = 0;
    while (r < runs.length && weight < maxBatch) {
      weight += runs[r]!.count;
      batchRuns.push(runs[r]!);
      r += 1;
    }
    const batchLines = lines.slice(l, l + maxBatch);
    l += batchLines.length;
    try {
      await insertBatch(pool, { runs: batchRuns, lines: batchLines }, { ignoreDuplicates: true });
      result.records += weight;
      result.lines += batchLines.length;
    } catch (error) {
      if (!isPoison(error)) throw error;
      result.refusedRecords += weight;
      result.refusedLines += batchLines.length;
    }
  }
  return result;
}
