/**
 * Keys to reconcile (paused until resume()), one at a time, each at most once in the queue however often it
 * is added; a failed key comes back after a backoff that doubles up to a minute.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private running = false;
  private stopped = false;
  /** Keys gather while paused (until the caches are synced); nothing runs. */
  private paused = true;
  private idle: Promise<void> = Promise.resolve();

  private readonly work: (key: string) => Promise<void>;
  private readonly onError: (key: string, error: unknown) => void;

  constructor(work: (key: string) => Promise<void>, onError: (key: string, error: unknown) => void) {
    this.work = work;
    this.onError = onError;
  }

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.running && !this.paused) this.idle = this.drain();
  }

  /** Starts running what is queued and what comes. */
  resume(): void {
    this.paused = false;
    if (!this.running && this.pending.size > 0) this.idle = this.drain();
  }

  /** Keys waiting (not the one running). */
  get depth(): number {
    return this.pending.size;
  }

  /** Resolves when nothing is queued or running. */
  settled(): Promise<void> {
    return this.idle;
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const key = this.pending.values().next().value!;
        this.pending.delete(key);
        try {
          await this.work(key);
          this.failures.delete(key);
        } catch (error) {
          this.onError(key, error);
          this.retryLater(key);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private retryLater(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    clearTimeout(this.retryTimers.get(key));
    const delay = Math.min(500 * 2 ** (failures - 1), 60_000);
    const timer = setTimeout(() => {
      this.retryTimers.delete(key);
      this.add(key);
    }, delay);
    timer.unref();
    this.retryTimers.set(key, timer);
  }
}
