/** A failed key's first retry; each further failure doubles it, up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 500;
export const RETRY_MAX_MS = 60_000;

/** The wait before a key's next try after its `failures`-th failure in a row. */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** (Math.max(1, failures) - 1), RETRY_MAX_MS);
}

/**
 * Keys to reconcile (paused until resume()), as controller-runtime's work queue has them:
 * up to `concurrency` keys run at once, but one key never runs twice at once; a key is
 * queued at most once however often it is added (a key added while it runs runs once
 * more afterwards, since what it read may be stale); a failed key comes back after a
 * per-key backoff (retryDelay) that a success resets.
 */
export class WorkQueue {
  /** Waiting to run, in the order they came (a Set keeps insertion order). */
  private readonly pending = new Set<string>();
  /** Running now. */
  private readonly active = new Set<string>();
  /** Added again while running: queued once the run ends. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  /** Keys gather while paused (until the caches are synced); nothing runs. */
  private paused = true;
  private idleWaiters: (() => void)[] = [];

  private readonly work: (key: string) => Promise<void>;
  private readonly onError: (key: string, error: unknown) => void;
  private readonly concurrency: number;

  constructor(
    work: (key: string) => Promise<void>,
    onError: (key: string, error: unknown) => void,
    options: { concurrency?: number } = {},
  ) {
    this.work = work;
    this.onError = onError;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) this.dirty.add(key);
    else this.pending.add(key);
    this.pump();
  }

  /** Starts running what is queued and what comes. */
  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Keys waiting (not those running). */
  get depth(): number {
    return this.pending.size + this.dirty.size;
  }

  /** Resolves when nothing is queued or running (retries waiting on their backoff do not count). */
  settled(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.dirty.clear();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    this.wakeIdle();
  }

  private isIdle(): boolean {
    return this.active.size === 0 && (this.stopped || this.paused || this.pending.size === 0);
  }

  private wakeIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Starts keys until `concurrency` run or none waits. */
  private pump(): void {
    while (!this.stopped && !this.paused && this.active.size < this.concurrency && this.pending.size > 0) {
      const key = this.pending.values().next().value!;
      this.pending.delete(key);
      this.active.add(key);
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.work(key);
      this.failures.delete(key);
      clearTimeout(this.retryTimers.get(key));
      this.retryTimers.delete(key);
    } catch (error) {
      this.onError(key, error);
      this.retryLater(key);
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key) && !this.stopped) this.pending.add(key);
      this.pump();
      this.wakeIdle();
    }
  }

  private retryLater(key: string): void {
    if (this.stopped) return;
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    clearTimeout(this.retryTimers.get(key));
    const timer = setTimeout(() => {
      this.retryTimers.delete(key);
      this.add(key);
    }, retryDelay(failures));
    timer.unref();
    this.retryTimers.set(key, timer);
  }
}
