import type { StoredRun } from './batch-rows.ts';
import { LOG_LEVELS, type LogLevel, type LogLine } from './types.ts';

/**
 * A spool segment's lines (spool.ts). Records keep the form they are stored in, so
 * spooling them costs one string concatenation rather than an encode:
 *
 *   R <tab> [rowId, appId, functionName, functionId, revision, count, firstMs, lastMs] <tab> records
 *   L <tab> [[invocationId, seq, atMs, level, message], …]
 *
 * `records` is EncodedRecord JSON arrays joined by commas (record-codec.ts), which holds no
 * raw tab or newline. One row may span several R lines (records added to it between
 * two writes); replay joins them by rowId, so a row goes in whole or not at all.
 */
export function rowEntry(run: StoredRun, fragment: string, count: number): string {
  const header = JSON.stringify([
    run.rowId,
    run.appId,
    run.functionName,
    run.functionId,
    run.revision,
    count,
    run.firstStartedAtMs,
    run.lastStartedAtMs,
  ]);
  return `R\t${header}\t${fragment}\n`;
}

export function linesEntry(lines: readonly LogLine[]): string {
  const tuples = lines.map((l) => [l.invocationId, l.seq, l.at.getTime(), l.level, l.message]);
  return `L\t${JSON.stringify(tuples)}\n`;
}

export interface SpoolContents {
  runs: StoredRun[];
  lines: LogLine[];
  /** Entries that could not be read (the last one, cut by a crash mid-write), by kind. */
  corruptRecords: number;
  corruptLines: number;
}

const isLevel = (value: unknown): value is LogLevel => LOG_LEVELS.includes(value as LogLevel);

function readRow(rows: Map<string, StoredRun>, header: string, fragment: string): boolean {
  const h = JSON.parse(header) as unknown[];
  const [rowId, appId, functionName, functionId, revision, count, first, last] = h;
  if (typeof rowId !== 'string' || typeof appId !== 'string' || typeof count !== 'number') return false;
  // The fragment must parse, else the row would poison its batch at replay.
  JSON.parse(`[${fragment}]`);
  const row = rows.get(rowId);
  if (row) {
    row.json = `${row.json},${fragment}`;
    row.count += count;
    row.firstStartedAtMs = Math.min(row.firstStartedAtMs, first as number);
    row.lastStartedAtMs = Math.max(row.lastStartedAtMs, last as number);
    return true;
  }
  rows.set(rowId, {
    rowId,
    appId,
    functionName: functionName as string,
    functionId: functionId as string,
    revision: revision as string,
    json: fragment,
    count,
    firstStartedAtMs: first as number,
    lastStartedAtMs: last as number,
  });
  return true;
}

function readLines(into: LogLine[], payload: string): boolean {
  const tuples = JSON.parse(payload) as unknown[][];
  for (const [invocationId, seq, at, level, message] of tuples) {
    if (typeof invocationId !== 'string' || typeof seq !== 'number' || !isLevel(level)) return false;
    into.push({ invocationId, seq, at: new Date(at as number), level, message: String(message) });
  }
  return true;
}

export function parseSpool(text: string): SpoolContents {
  const rows = new Map<string, StoredRun>();
  const lines: LogLine[] = [];
  let corruptRecords = 0;
  let corruptLines = 0;
  for (const entry of text.split('\n')) {
    if (entry === '') continue;
    const [kind, first, second] = entry.split('\t');
    let ok = false;
    try {
      if (kind === 'R' && first !== undefined && second !== undefined) ok = readRow(rows, first, second);
      else if (kind === 'L' && first !== undefined) ok = readLines(lines, first);
    } catch {
      ok = false;
    }
    if (ok) continue;
    if (kind === 'R') corruptRecords += 1;
    else corruptLines += 1;
  }
  return { runs: [...rows.values()], lines, corruptRecords, corruptLines };
}
