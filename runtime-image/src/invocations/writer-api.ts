import type { RecordRun } from './record-run.ts';
import type { Spool } from './spool.ts';
import type { ReplayResult } from './spool-replay.ts';
import type { InvocationRecord, LogLineInput } from './types.ts';

/** The invocation writer's interface, options and drop reasons (writer.ts makes one). */

/**
 * Why rows were given up: the buffer was full while the database was down and the
 * spool did not hold them (`buffer_full`), Postgres refused their batch (`refused`),
 * they could not be stored at all (`invalid`), they came or were left at close without
 * a spool (`closed`), or a spool entry could not be read back (`spool_corrupt`).
 */
export const DROP_REASONS = ['buffer_full', 'refused', 'invalid', 'closed', 'spool_corrupt'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface DroppedRows {
  records: number;
  lines: number;
}

export interface InvocationWriterOptions {
  /** How often buffered rows are written. */
  flushIntervalMs?: number;
  /** Records and lines (each) per transaction; a full batch is written without waiting for the interval. */
  maxBatch?: number;
  /** Rows kept in memory while the database is unreachable; beyond it the oldest leave memory (the spool keeps them). */
  maxBuffered?: number;
  /** Where every row is written ahead of Postgres (spool.ts); without one, a process's end loses what is buffered. */
  spool?: Spool;
  /** Failures of background writes (the database down, a batch refused). */
  onError?: (error: Error) => void;
  /** Records and lines given up, by reason (each also counts in `stats().dropped`). */
  onDrop?: (reason: DropReason, dropped: DroppedRows) => void;
  /** A spool file of an earlier process (or of rows evicted from memory) was stored. */
  onReplay?: (result: ReplayResult) => void;
}

export interface InvocationWriterStats {
  /** Rows (records + lines) written so far (replayed ones not included). */
  written: number;
  /** Rows given up: see DropReason. */
  dropped: number;
  /** Rows buffered in memory now. */
  pending: number;
}

export interface InvocationWriter {
  /** Buffers the record; never waits for the database. */
  recordInvocation(record: InvocationRecord): void;
  /** Buffers records that are already cleaned and encoded (a serving worker's). */
  recordRun(run: RecordRun): void;
  /** Buffers captured console lines, before or after their invocation's record. */
  appendLines(lines: readonly LogLineInput[]): void;
  /** Writes everything buffered now; rejects when the database refuses or is down. */
  flush(): Promise<void>;
  /**
   * Stops the timer and flushes. What cannot be written then stays in the spool for the
   * next start; without a spool it is counted as dropped.
   */
  close(): Promise<void>;
  stats(): InvocationWriterStats;
  /** Spool files waiting to be replayed (left by an earlier process, or rows evicted from memory). */
  replayBacklog(): number;
}

/**
 * Data errors (class 22), constraint violations (23) and program limits (54) mean this
 * batch will never go in: retrying would block everything behind it. Anything else
 * (down, restarting, permissions during a migration) is worth retrying later.
 */
export function isPoisonBatch(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}
