import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The invocation writer's write-ahead file: every record and console line the host
 * acknowledges is appended here (plain `write`, no fsync: what a SIGKILL or a crash of
 * the process leaves in the page cache survives it) before Postgres has it, and a
 * segment is deleted once all it holds is stored. Whatever a process leaves behind
 * (Postgres down at shutdown, SIGKILL) is replayed by the next one (spool-replay.ts).
 *
 * Segments are files named `<ms>-<pid>-<n>.spool`, one line per entry
 * (spool-format.ts). A segment takes appends until it is `segmentBytes` big or
 * `segmentAgeMs` old, so committed data leaves the disk within about that long.
 */
export interface SpoolSegment {
  readonly file: string;
  bytes: number;
  /** Rows and line chunks written here that are neither stored nor given up yet. */
  pending: number;
  /** Part of it left memory unstored (the buffer was full): the file must be replayed. */
  evicted: boolean;
  closed: boolean;
  readonly openedAt: number;
}

export interface SpoolOptions {
  segmentBytes?: number;
  segmentAgeMs?: number;
  /** Beyond this many bytes on disk nothing more is spooled (the rows stay in memory only). */
  maxBytes?: number;
}

export const SPOOL_SUFFIX = '.spool';

function ownerPid(file: string): number {
  return Number(path.basename(file).split('-')[1]);
}

/** Whether a process with this pid runs now (another host sharing the directory). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Spool {
  readonly dir: string;
  readonly #segmentBytes: number;
  readonly #segmentAgeMs: number;
  readonly #maxBytes: number;
  #current: SpoolSegment | null = null;
  #fd: number | null = null;
  #sequence = 0;
  #bytes = 0;
  #segments = 0;
  /** Finished segments whose file must be replayed before it goes (evicted, or left by an earlier process). */
  readonly toReplay: string[] = [];

  constructor(dir: string, options: SpoolOptions = {}) {
    this.dir = dir;
    this.#segmentBytes = options.segmentBytes ?? 4 * 1024 * 1024;
    this.#segmentAgeMs = options.segmentAgeMs ?? 2_000;
    this.#maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Before this process wrote anything: every segment here is an earlier process's,
    // unless a live process (another host on the same directory) still owns it.
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith(SPOOL_SUFFIX)) continue;
      const file = path.join(dir, name);
      if (isAlive(ownerPid(file))) continue;
      this.toReplay.push(file);
      this.#bytes += statSync(file).size;
      this.#segments += 1;
    }
  }

  /** Bytes on disk, segments included those waiting for replay. */
  get bytes(): number {
    return this.#bytes;
  }

  get segments(): number {
    return this.#segments;
  }

  /** Appends complete entry lines; null when the spool is full or cannot be written. */
  append(text: string): SpoolSegment | null {
    const size = Buffer.byteLength(text);
    if (this.#bytes + size > this.#maxBytes) return null;
    const segment = this.#writable(Date.now());
    writeSync(this.#fd!, text);
    segment.bytes += size;
    this.#bytes += size;
    return segment;
  }

  /** One of the segment's rows or line chunks is stored (or, `evicted`, left memory unstored). */
  release(segment: SpoolSegment, evicted = false): void {
    segment.pending -= 1;
    if (evicted) segment.evicted = true;
    if (segment.pending === 0 && segment.closed) this.#finish(segment);
  }

  /** Closes the segment being written when it is old enough; called from the writer's timer. */
  rotateIfOld(now: number): void {
    if (this.#current && now - this.#current.openedAt >= this.#segmentAgeMs) this.#closeCurrent();
  }

  /** A replayed (or unreadable) file is gone. */
  removeReplayed(file: string): void {
    this.#unlink(file, statSize(file));
  }

  /** Stops writing; what is not stored stays on disk for the next start. */
  close(): void {
    this.#closeCurrent();
  }

  #writable(now: number): SpoolSegment {
    const current = this.#current;
    if (current && current.bytes < this.#segmentBytes && now - current.openedAt < this.#segmentAgeMs)
      return current;
    this.#closeCurrent();
    this.#sequence += 1;
    const file = path.join(this.dir, `${now}-${process.pid}-${this.#sequence}${SPOOL_SUFFIX}`);
    this.#fd = openSync(file, 'a', 0o600);
    this.#segments += 1;
    this.#current = { file, bytes: 0, pending: 0, evicted: false, closed: false, openedAt: now };
    return this.#current;
  }

  #closeCurrent(): void {
    const segment = this.#current;
    if (!segment) return;
    closeSync(this.#fd!);
    this.#fd = null;
    this.#current = null;
    segment.closed = true;
    if (segment.pending === 0) this.#finish(segment);
  }

  #finish(segment: SpoolSegment): void {
    if (segment.evicted) this.toReplay.push(segment.file);
    else this.#unlink(segment.file, segment.bytes);
  }

  #unlink(file: string, bytes: number): void {
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.#bytes = Math.max(0, this.#bytes - bytes);
    this.#segments = Math.max(0, this.#segments - 1);
  }
}

function statSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
