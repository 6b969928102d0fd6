import type { StoredRun } from './batch-rows.ts';
import type { Spool, SpoolSegment } from './spool.ts';
import { linesEntry, rowEntry } from './spool-format.ts';
import type { LogLine } from './types.ts';

/** A queued run and the spool segment that holds it (null: in memory only). */
export interface QueuedRun extends StoredRun {
  segment: SpoolSegment | null;
}

/**
 * Which segment holds what the writer has in memory. Runs carry their segment; lines
 * are consumed strictly oldest first (taken into batches, stored, refused or evicted in
 * queue order), so they are tracked as chunks of a count. Everything is spooled at the
 * end of the event-loop turn that queued it (`write`), in one append.
 */
export class SpoolLedger {
  readonly #spool: Spool | null;
  #runs: QueuedRun[] = [];
  #lines: LogLine[] = [];
  readonly #chunks: { segment: SpoolSegment | null; count: number }[] = [];
  #chunkHead = 0;

  constructor(spool: Spool | null) {
    this.#spool = spool;
  }

  get spool(): Spool | null {
    return this.#spool;
  }

  /** Queued for the next write. */
  addRun(run: QueuedRun): void {
    if (this.#spool) this.#runs.push(run);
  }

  addLines(lines: readonly LogLine[]): void {
    if (!this.#spool) return;
    for (const line of lines) this.#lines.push(line);
  }

  get unwritten(): boolean {
    return this.#runs.length > 0 || this.#lines.length > 0;
  }

  /** Appends what was queued since the last write. */
  write(): void {
    const spool = this.#spool;
    if (!spool || !this.unwritten) return;
    const runs = this.#runs;
    const lines = this.#lines;
    this.#runs = [];
    this.#lines = [];
    let text = '';
    for (const run of runs) text += rowEntry(run, run.json, run.count);
    if (lines.length > 0) text += linesEntry(lines);
    let segment: SpoolSegment | null = null;
    try {
      segment = spool.append(text);
    } catch {
      // A full or broken disk: the rows stay in memory only, as without a spool.
      segment = null;
    }
    for (const run of runs) {
      run.segment = segment;
      if (segment) segment.pending += 1;
    }
    if (lines.length > 0) {
      this.#chunks.push({ segment, count: lines.length });
      if (segment) segment.pending += 1;
    }
  }

  /** A run left memory: stored (or refused), or `evicted` unstored. False when it was in no segment. */
  settleRun(run: QueuedRun, evicted: boolean): boolean {
    if (!run.segment) return false;
    this.#spool?.release(run.segment, evicted);
    run.segment = null;
    return true;
  }

  /**
   * The oldest `count` lines left memory; returns how many of them no segment holds
   * (an evicted one of those is lost).
   */
  settleLines(count: number, evicted: boolean): number {
    if (!this.#spool) return count;
    let left = count;
    let unspooled = 0;
    while (left > 0 && this.#chunkHead < this.#chunks.length) {
      const chunk = this.#chunks[this.#chunkHead]!;
      const taken = Math.min(left, chunk.count);
      chunk.count -= taken;
      left -= taken;
      if (!chunk.segment) unspooled += taken;
      if (chunk.count === 0) {
        if (chunk.segment) this.#spool.release(chunk.segment, evicted);
        this.#chunkHead += 1;
      } else if (evicted && chunk.segment) {
        chunk.segment.evicted = true;
      }
    }
    if (this.#chunkHead > 1024 && this.#chunkHead * 2 > this.#chunks.length) {
      this.#chunks.splice(0, this.#chunkHead);
      this.#chunkHead = 0;
    }
    return unspooled + left;
  }
}
