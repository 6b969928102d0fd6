import type pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import { insertBatch } from './batch-insert.ts';
import { recordCount, type WriteBatch } from './batch-rows.ts';
import { BoundedQueue, dropFromFront } from './bounded-queue.ts';
import { type RecordRun, RecordRunBuilder } from './record-run.ts';
import { cleanLine } from './sanitize.ts';
import type { InvocationRecord, LogLine, LogLineInput } from './types.ts';

export interface InvocationWriterOptions {
  /** How often buffered rows are written. */
  flushIntervalMs?: number;
  /** Records and lines (each) per transaction; a full batch is written without waiting for the interval. */
  maxBatch?: number;
  /** Rows kept while the database is unreachable; beyond it the oldest are dropped. */
  maxBuffered?: number;
  /** Failures of background writes (the database down, a batch refused). */
  onError?: (error: Error) => void;
}

export interface InvocationWriterStats {
  /** Rows (records + lines) written so far. */
  written: number;
  /** Rows given up: buffer overflow, invalid rows, batches Postgres refused, left at close. */
  dropped: number;
  /** Rows buffered now. */
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
  /** Stops the timer and flushes; what cannot be written then is counted as dropped. */
  close(): Promise<void>;
  stats(): InvocationWriterStats;
}

// Retries while the database is down back off up to this, instead of hammering it.
const MAX_RETRY_DELAY_MS = 10_000;

/**
 * Data errors (class 22), constraint violations (23) and program limits (54) mean this
 * batch will never go in: retrying would block everything behind it. Anything else
 * (down, restarting, permissions during a migration) is worth retrying later.
 */
function isPoisonBatch(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

/**
 * The store of invocation records and console lines, used by the host's main thread.
 * Requests only push into memory; a timer (or a full batch) writes batches off the
 * request path. While the database is unreachable rows stay buffered up to
 * `maxBuffered`, then the oldest console lines go first, records last. A batch that
 * failed is retried as it is, ids included (batch-rows.ts), before anything newer.
 */
export function createInvocationWriter(
  pool: pg.Pool,
  options: InvocationWriterOptions = {},
): InvocationWriter {
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 500;
  const maxBuffered = options.maxBuffered ?? 50_000;
  const onError = options.onError ?? (() => {});

  const weighRun = (run: RecordRun) => run.count;
  const runs = new BoundedQueue<RecordRun>(weighRun);
  const lines = new BoundedQueue<LogLine>();
  // Single records (recordInvocation) gather here until a batch is taken or a record of
  // another function or revision comes; its ids make a record handed over twice count once.
  let open: RecordRunBuilder | null = null;
  let openIds = new Set<string>();
  // The batch whose last write failed for a reason worth retrying: older than the queues.
  let held: WriteBatch | null = null;
  let written = 0;
  let dropped = 0;
  let failures = 0;
  let retryAt = 0;
  let closed = false;
  let inFlight: Promise<void> | null = null;
  let immediate: NodeJS.Immediate | null = null;

  const sizeOf = (batch: WriteBatch | null) => (batch ? recordCount(batch.runs) + batch.lines.length : 0);
  const queuedRecords = () => runs.weight + (open?.count ?? 0);
  const pending = () => queuedRecords() + lines.weight + sizeOf(held);

  function closeOpenRun(): void {
    if (open === null) return;
    runs.push(open.build());
    open = null;
    openIds = new Set();
  }

  /** False when the record cannot be stored. */
  function appendToOpenRun(record: InvocationRecord): boolean {
    if (open !== null && openIds.has(record.id)) return true;
    if (open === null || !open.holds(record) || open.count >= maxBatch) {
      closeOpenRun();
      open = new RecordRunBuilder(record);
    }
    if (!open.add(record)) return false;
    openIds.add(record.id);
    return true;
  }

  function enforceCap(): void {
    let excess = pending() - maxBuffered;
    if (excess <= 0) return;
    closeOpenRun();
    // Oldest first: the held batch's lines, the queued lines, then records likewise,
    // a whole run at a time. A held batch keeps its row ids when it shrinks: if it did
    // commit, the retry still conflicts; if not, it stores what is left.
    const fromHeldLines = held ? dropFromFront(held.lines, excess) : 0;
    excess -= fromHeldLines;
    const fromLines = lines.dropOldest(excess);
    excess -= fromLines;
    const fromHeldRecords = held ? dropFromFront(held.runs, excess, weighRun) : 0;
    excess -= fromHeldRecords;
    dropped += fromHeldLines + fromLines + fromHeldRecords + runs.dropOldest(excess);
  }

  function nextBatch(): WriteBatch {
    closeOpenRun();
    const batch = held ?? { runs: runs.take(maxBatch), lines: lines.take(maxBatch), rowIds: new Map() };
    held = null;
    return batch;
  }

  /** Writes one batch; a batch Postgres refused is dropped and returned as the error. */
  async function writeOne(batch: WriteBatch): Promise<Error | undefined> {
    try {
      await insertBatch(pool, batch);
    } catch (error) {
      if (isPoisonBatch(error)) {
        dropped += sizeOf(batch);
        return new Error(
          `Dropped ${recordCount(batch.runs)} invocation records and ${batch.lines.length} log lines: ${(error as Error).message}`,
          { cause: error },
        );
      }
      held = batch;
      enforceCap();
      failures += 1;
      retryAt = Date.now() + Math.min(flushIntervalMs * 2 ** failures, MAX_RETRY_DELAY_MS);
      throw isConnectionError(error) ? databaseUnavailable(error) : error;
    }
    written += sizeOf(batch);
    failures = 0;
    retryAt = 0;
    return undefined;
  }

  /**
   * Writes batches until what was pending at the start is out (so a steady stream
   * cannot keep one flush going forever); one drain at a time. Stops at the first
   * retryable failure, goes on past a dropped batch and reports it at the end.
   */
  function drain(): Promise<void> {
    if (inFlight) return inFlight;
    const run: Promise<void> = (async () => {
      let budget = pending();
      let refused: Error | undefined;
      while (budget > 0 && pending() > 0) {
        const batch = nextBatch();
        budget -= sizeOf(batch);
        const error = await writeOne(batch);
        refused ??= error;
      }
      if (refused) throw refused;
    })().finally(() => {
      // Cleared in a later microtask, after the assignment below: with nothing pending the
      // body finishes synchronously, and clearing inside it would leave a stale promise here.
      if (inFlight === run) inFlight = null;
    });
    inFlight = run;
    return run;
  }

  function drainInBackground(): void {
    if (inFlight || pending() === 0 || Date.now() < retryAt) return;
    drain().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  }

  const timer = setInterval(drainInBackground, flushIntervalMs);
  // The writer alone must not keep a process alive; close() is how pending rows get out.
  timer.unref();

  function afterPush(): void {
    enforceCap();
    // A full batch goes now rather than at the next tick; setImmediate gathers the
    // pushes of this turn of the event loop into it.
    if (immediate === null && (queuedRecords() >= maxBatch || lines.weight >= maxBatch)) {
      immediate = setImmediate(() => {
        immediate = null;
        drainInBackground();
      });
    }
  }

  async function flush(): Promise<void> {
    // A background drain may be writing a partial snapshot: wait for it, then write the rest.
    await inFlight?.catch(() => {});
    await drain();
  }

  return {
    recordInvocation(record) {
      if (closed || !appendToOpenRun(record)) {
        dropped += 1;
        return;
      }
      afterPush();
    },
    recordRun(run) {
      if (closed) {
        dropped += run.count;
        return;
      }
      closeOpenRun();
      runs.push(run);
      afterPush();
    },
    appendLines(input) {
      for (const line of input) {
        const clean = closed ? null : cleanLine(line);
        if (clean === null) dropped += 1;
        else lines.push(clean);
      }
      afterPush();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (immediate !== null) clearImmediate(immediate);
      try {
        await flush();
      } finally {
        const left = pending();
        closeOpenRun();
        runs.dropOldest(left);
        lines.dropOldest(left);
        held = null;
        dropped += left;
      }
    },
    stats: () => ({ written, dropped, pending: pending() }),
  };
}
