/**
 * Sandboxes that boot their first thread in turns rather than all at once. A thread's
 * boot is ~100 ms of CPU (Node's worker environment, the sandbox bundle, the handler);
 * seven of them at once on two cores starved the local platform's main thread, which
 * was building its HTTP server and preparing the apps' databases meanwhile, and every
 * function waited for all of them. In turns, the main thread keeps a core; a request to
 * a function whose turn has not come asks to go first (`hurry`), as a cold start would.
 */
export interface BootTurn {
  /** Resolves when this boot may run. */
  readonly granted: Promise<void>;
  /** Run now, ahead of the queue and past the limit: someone waits for this function. */
  hurry(): void;
  /** The boot has ended (booted or failed); the next in line may run. */
  done(): void;
  /** Whether this boot may take a prewarmed thread (see `keepPrewarmedForHurried`). */
  mayTakePrewarmed(): boolean;
}

export class BootQueue {
  /**
   * While set, a prewarmed thread (booted ahead of need: prewarmed-threads.ts) goes only
   * to a boot that someone waits for, which then loads its handler into it at once; the
   * others start threads of their own. Set while the local platform starts: its first
   * request then finds a booted thread, whichever function it asks for.
   */
  keepPrewarmedForHurried = false;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly concurrency: number;

  /** `concurrency`: how many boots run at once, hurried ones included. */
  constructor(concurrency: number) {
    this.concurrency = Math.max(1, concurrency);
  }

  turn(): BootTurn {
    let state: 'waiting' | 'running' | 'done' = 'waiting';
    let hurried = false;
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => {
      grant = resolve;
    });
    const run = () => {
      if (state !== 'waiting') return;
      state = 'running';
      this.running++;
      grant();
    };
    this.waiting.push(run);
    this.pump();
    return {
      granted,
      hurry: () => {
        if (state !== 'waiting') return;
        hurried = true;
        this.remove(run);
        run();
      },
      mayTakePrewarmed: () => hurried || !this.keepPrewarmedForHurried,
      done: () => {
        if (state === 'waiting') this.remove(run);
        if (state === 'running') this.running--;
        state = 'done';
        this.pump();
      },
    };
  }

  private remove(run: () => void): void {
    const index = this.waiting.indexOf(run);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) this.waiting.shift()!();
  }
}
