import { setTimeout as sleep } from 'node:timers/promises';
import { BbfnError, type ErrorCode } from '../errors.ts';
import type { BootTurn } from '../threads/boot-queue.ts';
import { memoryInUse } from '../threads/memory-in-use.ts';
import { respawnDelayMs } from '../threads/respawn-backoff.ts';
import type { InvocationInput, WorkerToMain } from './protocol.ts';
import {
  failure,
  type InvocationResult,
  resultOf,
  type Sandbox,
  type SandboxOptions,
  timeoutFailure,
} from './sandbox.ts';
import { SandboxWorker } from './sandbox-worker.ts';

interface Pending {
  worker: SandboxWorker;
  resolve: (result: InvocationResult) => void;
  timer: NodeJS.Timeout;
}

/**
 * How often the threads' memory is looked at while they have work. V8's heap limit
 * (sandbox-thread.ts) ends a thread whose heap outgrows the function's memory, but not
 * one that holds Buffers: those are counted here, heap and external together.
 */
const MEMORY_WATCH_MS = 50;
/** How long a worker may stay silent after a timed-out invocation before it is replaced. */
const LIVENESS_GRACE_MS = 1000;

/**
 * The sandboxes of one function revision: a few worker threads, each able to run
 * many invocations at once. A handler that blocks its thread past the time limit,
 * exhausts its heap or crashes costs that worker (replaced at once), never the host.
 */
export class FunctionSandbox implements Sandbox {
  private readonly options: SandboxOptions;
  private readonly workers: SandboxWorker[] = [];
  private readonly pending = new Map<string, Pending>();
  /** Invocation id → worker, while its `ctx.waitUntil` work runs. */
  private readonly background = new Map<string, SandboxWorker>();
  private readonly drainWaiters = new Map<SandboxWorker, () => void>();
  /** Threads stopped because a handler held them past the time limit. */
  private readonly blocked = new WeakSet<SandboxWorker>();
  private closing = false;
  /** Workers in a row that failed to load the handler; decides the respawn backoff. */
  private loadFailures = 0;
  private pingSeq = 0;
  private memoryWatch: NodeJS.Timeout | null = null;
  private readonly pongWaiters = new Map<number, () => void>();
  /** The first worker's start (start()), once asked for; `started` once it has loaded. */
  private starting: Promise<void> | null = null;
  private started = false;
  /** Why the first worker could not load the handler, for the requests that waited for it. */
  private loadFailure: InvocationResult | null = null;
  private waitingForBoot = 0;
  /** Its place in the boot queue, while it waits or boots. */
  private turn: BootTurn | null = null;

  constructor(options: SandboxOptions) {
    this.options = options;
  }

  /**
   * Resolves when the first worker has loaded the handler; the others start then, so
   * they don't compete with it for the CPU on a small node, and join as they load.
   * Rejects, and cleans up, when the handler cannot load. With a boot queue, the first
   * worker waits for its turn (an invocation meanwhile hurries it along and waits).
   */
  start(): Promise<void> {
    this.starting ??= this.startInTurn();
    return this.starting;
  }

  private async startInTurn(): Promise<void> {
    this.turn = this.options.bootQueue?.turn() ?? null;
    try {
      await this.turn?.granted;
      if (this.closing) throw new BbfnError('HOST_SHUTTING_DOWN');
      const first = this.spawn(this.turn ? !this.turn.mayTakePrewarmed() : false);
      this.workers.push(first);
      try {
        await first.ready;
      } catch (error) {
        if (!this.closing) this.loadFailure = asFailure(error);
        await this.close();
        throw error;
      }
    } finally {
      this.turn?.done();
    }
    this.started = true;
    for (let i = 1; i < this.options.workers && !this.closing; i++) this.workers.push(this.spawn());
  }

  /** Invocations sent to a worker and not yet answered, and those waiting for the first boot. */
  get inflight(): number {
    return this.pending.size + this.waitingForBoot;
  }

  get backgroundCount(): number {
    return this.background.size;
  }

  invoke(input: InvocationInput): Promise<InvocationResult> {
    // Its handler could not load: say why, also once the failed start has closed it.
    if (this.loadFailure) return Promise.resolve(this.loadFailure);
    if (this.closing) return Promise.resolve(failure('HOST_SHUTTING_DOWN'));
    // The usual case, a loaded worker free of checks, without a wait.
    const ready = this.chooseWorker();
    if (ready?.loaded) return this.send(ready, input);
    // Served while its first thread boots (the local platform's start): wait for it, as a
    // cold start would, and answer with why the handler could not load if it could not.
    if (this.starting && !this.started) {
      this.turn?.hurry();
      this.waitingForBoot++;
      return this.starting.then(
        () => {
          this.waitingForBoot--;
          return this.invoke(input);
        },
        (error: unknown) => {
          this.waitingForBoot--;
          return this.loadFailure ?? asFailure(error);
        },
      );
    }
    return this.pickWorker().then((worker) =>
      worker ? this.send(worker, input) : failure('FUNCTION_UNAVAILABLE'),
    );
  }

  private send(worker: SandboxWorker, input: InvocationInput): Promise<InvocationResult> {
    if (!this.memoryWatch) {
      this.memoryWatch = setInterval(() => this.watchMemory(), MEMORY_WATCH_MS);
      // Watching alone must not keep a process alive (run-once ends when its work does).
      this.memoryWatch.unref();
    }
    return new Promise<InvocationResult>((resolve) => {
      const timer = setTimeout(() => this.onTimeout(input.id), this.options.timeoutMs);
      this.pending.set(input.id, { worker, resolve, timer });
      worker.inflight++;
      const transfer = input.body ? [input.body.buffer as ArrayBuffer] : [];
      worker.post({ type: 'invoke', ...input }, transfer);
    });
  }

  /** Waits for in-flight invocations and their background work, then stops the workers. */
  async drain(limitMs: number): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + limitMs;
    while (this.pending.size > 0 && Date.now() < deadline) await sleep(20);
    await Promise.all(
      this.workers
        .filter((w) => w.alive)
        .map(
          (w) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
              this.drainWaiters.set(w, () => {
                clearTimeout(timer);
                resolve();
              });
              w.post({ type: 'drain' });
            }),
        ),
    );
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    // A start still waiting for its turn goes now, to find it is closing and give up.
    this.turn?.hurry();
    if (this.memoryWatch) clearInterval(this.memoryWatch);
    this.memoryWatch = null;
    await Promise.all(
      this.workers.map((w) => w.kill('HOST_SHUTTING_DOWN', 'The function host is shutting down')),
    );
  }

  private spawn(freshThread = false): SandboxWorker {
    const worker: SandboxWorker = new SandboxWorker({
      bootstrap: this.options.bootstrap,
      memoryMb: this.options.memoryMb,
      freshThread,
      onMessage: (message) => this.onMessage(worker, message),
      onExit: (code, detail) => this.onWorkerExit(worker, code, detail),
    });
    worker.ready.then(
      () => {
        this.loadFailures = 0;
      },
      // A worker that cannot load waits to be ended (start() ends the first one itself).
      () => {
        if (!this.closing) void worker.kill('FUNCTION_LOAD_FAILED', 'The handler failed to load');
      },
    );
    return worker;
  }

  /** The least busy live worker not under a liveness check, loaded ones first. */
  private chooseWorker(): SandboxWorker | undefined {
    let best: SandboxWorker | undefined;
    for (const w of this.workers) {
      if (!w.alive || w.checking) continue;
      if (!best || (w.loaded && !best.loaded) || (w.loaded === best.loaded && w.inflight < best.inflight))
        best = w;
    }
    return best;
  }

  private async pickWorker(): Promise<SandboxWorker | undefined> {
    // A worker under a liveness check may be stuck in a handler's loop: skip it, or, when
    // every worker is under one, wait for the check (and the replacement it may bring).
    for (let attempt = 0; attempt < 3; attempt++) {
      const chosen = this.chooseWorker();
      if (chosen) {
        // A replacement worker may still be loading; wait for it rather than fail.
        return await chosen.ready.then(
          () => chosen,
          () => undefined,
        );
      }
      const checking = this.workers.find((w) => w.checking)?.checking;
      if (!checking) return undefined;
      await checking;
    }
    return undefined;
  }

  private onMessage(worker: SandboxWorker, message: WorkerToMain): void {
    switch (message.type) {
      case 'response':
      case 'failed': {
        if (message.lines.length > 0) this.options.onLines(message.lines);
        if (message.background) this.background.set(message.id, worker);
        this.settle(message.id, resultOf(message));
        break;
      }
      case 'background-done':
        if (message.lines.length > 0) this.options.onLines(message.lines);
        this.background.delete(message.id);
        this.options.onBackgroundDone?.(message.id, message.error);
        break;
      case 'lines':
        this.options.onLines(message.lines);
        break;
      case 'pong':
        this.pongWaiters.get(message.seq)?.();
        break;
      case 'drained':
        this.drainWaiters.get(worker)?.();
        break;
    }
  }

  private settle(id: string, result: InvocationResult): void {
    const pending = this.pending.get(id);
    if (!pending) return; // Already answered (timed out).
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.worker.inflight--;
    pending.resolve(result);
  }

  private onTimeout(id: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.settle(id, timeoutFailure(this.options.timeoutMs));
    const worker = pending.worker;
    worker.post({ type: 'cancel', id });
    // An async handler that never resolves leaves its worker healthy; a CPU loop does not.
    worker.checking ??= this.isResponsive(worker)
      .then(async (responsive) => {
        if (!responsive && worker.alive) {
          this.blocked.add(worker);
          await worker.kill(
            'FUNCTION_CRASHED',
            'The sandbox was restarted: an invocation blocked it past its time limit',
          );
        }
      })
      .finally(() => {
        worker.checking = null;
      });
  }

  /** Ends a thread whose heap and external memory together pass the limit; stops when idle. */
  private watchMemory(): void {
    if (this.pending.size === 0 && this.background.size === 0) {
      if (this.memoryWatch) clearInterval(this.memoryWatch);
      this.memoryWatch = null;
      return;
    }
    const limit = this.options.memoryMb * 2 ** 20;
    for (const worker of this.workers) {
      if (!worker.alive || worker.memoryProbe) continue;
      worker.memoryProbe = worker.worker
        .getHeapStatistics()
        .then(async (stats) => {
          if (memoryInUse(stats) > limit && worker.alive)
            await worker.kill(
              'FUNCTION_MEMORY_LIMIT',
              `The handler exceeded its memory limit of ${this.options.memoryMb} MB`,
            );
        })
        .catch(() => {})
        .finally(() => {
          worker.memoryProbe = null;
        });
    }
  }

  private isResponsive(worker: SandboxWorker): Promise<boolean> {
    const seq = ++this.pingSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pongWaiters.delete(seq);
        resolve(false);
      }, LIVENESS_GRACE_MS);
      this.pongWaiters.set(seq, () => {
        clearTimeout(timer);
        this.pongWaiters.delete(seq);
        resolve(true);
      });
      worker.post({ type: 'ping', seq });
    });
  }

  private onWorkerExit(worker: SandboxWorker, code: ErrorCode, detail: string): void {
    for (const [id, pending] of this.pending)
      if (pending.worker === worker) this.settle(id, failure(code, detail));
    for (const [id, owner] of this.background) {
      if (owner !== worker) continue;
      this.background.delete(id);
      this.options.onBackgroundDone?.(id, { code, message: `Background work was lost: ${detail}` });
    }
    this.drainWaiters.get(worker)?.();
    const index = this.workers.indexOf(worker);
    if (index < 0 || this.closing) return;
    if (worker.loaded) {
      this.workers[index] = this.spawn();
      const reason = this.blocked.has(worker)
        ? 'blocked'
        : code === 'FUNCTION_MEMORY_LIMIT'
          ? 'memory'
          : 'crashed';
      this.options.onRestart?.(reason);
      return;
    }
    // It never loaded (a top-level await that failed, say): try again, backing off, so a
    // handler that cannot load costs a thread start now and then, not a busy loop.
    this.loadFailures += 1;
    const delay = respawnDelayMs(this.loadFailures);
    setTimeout(() => {
      if (!this.closing && this.workers[index] === worker) this.workers[index] = this.spawn();
    }, delay).unref();
  }
}

/** What a start that failed (BbfnError: the load error, or a shutdown) gives an invocation. */
function asFailure(error: unknown): InvocationResult {
  return error instanceof BbfnError ? failure(error.code, error.message) : failure('FUNCTION_LOAD_FAILED');
}
