import type pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import { insertBatch } from './batch-insert.ts';
import { recordCount, type WriteBatch } from './batch-rows.ts';
import { BoundedQueue, dropFromFront } from './bounded-queue.ts';
import { type RecordRun, RecordRunBuilder } from './record-run.ts';
import { cleanLine } from './sanitize.ts';
import { type QueuedRun, SpoolLedger } from './spool-ledger.ts';
import { type ReplayResult, replaySpoolFile } from './spool-replay.ts';
import type { InvocationRecord, LogLine } from './types.ts';
import { uuidV7 } from './uuid-v7.ts';
import {
  type DropReason,
  type InvocationWriter,
  type InvocationWriterOptions,
  isPoisonBatch,
} from './writer-api.ts';

export * from './writer-api.ts';

// Retries while the database is down back off up to this, instead of hammering it.
const MAX_RETRY_DELAY_MS = 10_000;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * The store of invocation records and console lines, used by the host's main thread.
 * Requests only push into memory; at the end of the event-loop turn what came is
 * appended to the spool, and a timer (or a full batch) writes batches to Postgres off
 * the request path. While the database is unreachable rows stay buffered up to
 * `maxBuffered`, then the oldest console lines leave memory first, records last; the
 * spool still holds them and its file is replayed once the database is back. A batch
 * that failed is retried as it is, ids included, before anything newer.
 */
export function createInvocationWriter(
  pool: pg.Pool,
  options: InvocationWriterOptions = {},
): InvocationWriter {
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 500;
  const maxBuffered = options.maxBuffered ?? 50_000;
  const onError = options.onError ?? (() => {});
  const ledger = new SpoolLedger(options.spool ?? null);

  const weighRun = (run: RecordRun) => run.count;
  const runs = new BoundedQueue<QueuedRun>(weighRun);
  const lines = new BoundedQueue<LogLine>();
  // Single records (recordInvocation) gather here until the turn ends, a batch is taken
  // or a record of another function or revision comes; its ids make a record handed
  // over twice in that time count once.
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
  let endOfTurn: NodeJS.Immediate | null = null;

  const sizeOf = (batch: WriteBatch | null) => (batch ? recordCount(batch.runs) + batch.lines.length : 0);
  const queuedRecords = () => runs.weight + (open?.count ?? 0);
  const pending = () => queuedRecords() + lines.weight + sizeOf(held);

  function drop(reason: DropReason, records: number, lines = 0): void {
    if (records + lines <= 0) return;
    dropped += records + lines;
    options.onDrop?.(reason, { records, lines });
  }

  function queueRun(run: RecordRun): void {
    const queued: QueuedRun = { ...run, rowId: uuidV7(), segment: null };
    runs.push(queued);
    ledger.addRun(queued);
  }

  function closeOpenRun(): void {
    if (open === null) return;
    queueRun(open.build());
    open = null;
    openIds = new Set();
  }

  /** Spools what this turn queued: the records of an acknowledged request reach the disk before the next turn. */
  function writeSpool(): void {
    if (endOfTurn !== null) {
      clearImmediate(endOfTurn);
      endOfTurn = null;
    }
    closeOpenRun();
    ledger.write();
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

  /** Runs that leave memory unstored: the spool keeps those it holds, the rest are lost. */
  function evictRuns(evicted: QueuedRun[]): number {
    let lost = 0;
    for (const run of evicted) if (!ledger.settleRun(run, true)) lost += run.count;
    return lost;
  }

  function enforceCap(): void {
    let excess = pending() - maxBuffered;
    if (excess <= 0) return;
    // Whatever leaves memory must be in the spool first.
    writeSpool();
    // Oldest first: the held batch's lines, the queued lines, then records likewise,
    // a whole run at a time. A held batch keeps its row ids when it shrinks: if it did
    // commit, the retry still conflicts; if not, it stores what is left.
    const fromHeldLines = held ? dropFromFront(held.lines, excess) : 0;
    excess -= fromHeldLines;
    const fromLines = lines.dropOldest(excess);
    excess -= fromLines;
    const lostLines = ledger.settleLines(fromHeldLines + fromLines, true);
    let lost = 0;
    if (excess > 0 && held) {
      const heldRuns = held.runs as QueuedRun[];
      let count = 0;
      let weight = 0;
      while (weight < excess && count < heldRuns.length) weight += heldRuns[count++]!.count;
      lost += evictRuns(heldRuns.splice(0, count));
      excess -= weight;
    }
    if (excess > 0) {
      const evicted = runs.take(excess);
      lost += evictRuns(evicted);
    }
    drop('buffer_full', lost, lostLines);
  }

  function nextBatch(): WriteBatch {
    writeSpool();
    const batch = held ?? { runs: runs.take(maxBatch), lines: lines.take(maxBatch) };
    held = null;
    return batch;
  }

  /** The batch left memory stored, or refused: its spool segments need it no more. */
  function settle(batch: WriteBatch): void {
    for (const run of batch.runs as QueuedRun[]) ledger.settleRun(run, false);
    ledger.settleLines(batch.lines.length, false);
  }

  /** Writes one batch; a batch Postgres refused is dropped and returned as the error. */
  async function writeOne(batch: WriteBatch): Promise<Error | undefined> {
    try {
      await insertBatch(pool, batch);
    } catch (error) {
      if (isPoisonBatch(error)) {
        settle(batch);
        drop('refused', recordCount(batch.runs), batch.lines.length);
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
    settle(batch);
    written += sizeOf(batch);
    failures = 0;
    retryAt = 0;
    return undefined;
  }

  /** Stores one spool file waiting for replay (idempotent, so the order against memory does not matter). */
  async function replayOne(): Promise<void> {
    const spool = ledger.spool;
    const file = spool?.toReplay[0];
    if (!spool || file === undefined) return;
    let result: ReplayResult;
    try {
      result = await replaySpoolFile(pool, file, maxBatch, isPoisonBatch);
    } catch (error) {
      failures += 1;
      retryAt = Date.now() + Math.min(flushIntervalMs * 2 ** failures, MAX_RETRY_DELAY_MS);
      throw isConnectionError(error) ? databaseUnavailable(error) : error;
    }
    spool.toReplay.shift();
    spool.removeReplayed(file);
    drop('spool_corrupt', result.corruptRecords, result.corruptLines);
    drop('refused', result.refusedRecords, result.refusedLines);
    options.onReplay?.(result);
  }

  /**
   * Writes batches until what was pending at the start is out (so a steady stream
   * cannot keep one flush going forever), then one spool file waiting for replay; one
   * drain at a time. Stops at the first retryable failure, goes on past a dropped batch
   * and reports it at the end.
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
      await replayOne();
      if (refused) throw refused;
    })().finally(() => {
      // Cleared in a later microtask, after the assignment below: with nothing pending the
      // body finishes synchronously, and clearing inside it would leave a stale promise here.
      if (inFlight === run) inFlight = null;
    });
    inFlight = run;
    return run;
  }

  const hasWork = () => pending() > 0 || (ledger.spool?.toReplay.length ?? 0) > 0;

  function drainInBackground(): void {
    ledger.spool?.rotateIfOld(Date.now());
    if (inFlight || !hasWork() || Date.now() < retryAt) return;
    drain().catch((error: unknown) => onError(asError(error)));
  }

  const timer = setInterval(drainInBackground, flushIntervalMs);
  // The writer alone must not keep a process alive; close() is how pending rows get out.
  timer.unref();

  function afterPush(): void {
    if (ledger.spool && endOfTurn === null) endOfTurn = setImmediate(writeSpool);
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

  /** At close: what the spool holds waits for the next start; the rest is lost. Returns [kept, lost]. */
  function leaveInSpool(): [number, number] {
    writeSpool();
    const inMemory = [...(held?.runs ?? []), ...runs.take(Number.POSITIVE_INFINITY)] as QueuedRun[];
    let lostRecords = 0;
    for (const run of inMemory) if (!run.segment) lostRecords += run.count;
    const lineCount = (held?.lines.length ?? 0) + lines.dropOldest(Number.POSITIVE_INFINITY);
    const lostLines = ledger.spool ? ledger.settleLines(lineCount, true) : lineCount;
    const left = recordCount(inMemory) + lineCount;
    held = null;
    drop('closed', lostRecords, lostLines);
    ledger.spool?.close();
    return [left - lostRecords - lostLines, lostRecords + lostLines];
  }

  return {
    recordInvocation(record) {
      if (closed) return drop('closed', 1);
      if (!appendToOpenRun(record)) return drop('invalid', 1);
      afterPush();
    },
    recordRun(run) {
      if (closed) return drop('closed', run.count);
      closeOpenRun();
      queueRun(run);
      afterPush();
    },
    appendLines(input) {
      const clean: LogLine[] = [];
      for (const line of input) {
        const cleaned = closed ? null : cleanLine(line);
        if (cleaned === null) drop(closed ? 'closed' : 'invalid', 0, 1);
        else {
          lines.push(cleaned);
          clean.push(cleaned);
        }
      }
      if (clean.length === 0) return;
      ledger.addLines(clean);
      afterPush();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (immediate !== null) clearImmediate(immediate);
      let failure: unknown;
      try {
        await flush();
      } catch (error) {
        failure = error;
      }
      const [kept, lost] = leaveInSpool();
      if (failure === undefined) return;
      // Kept rows are not lost: the next start replays them. Only a loss fails the close.
      if (lost > 0) throw failure;
      if (kept > 0)
        onError(
          new Error(`${kept} invocation rows stay in the spool for the next start`, { cause: failure }),
        );
    },
    stats: () => ({ written, dropped, pending: pending() }),
    replayBacklog: () => ledger.spool?.toReplay.length ?? 0,
  };
}
