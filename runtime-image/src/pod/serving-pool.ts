import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BbfnError } from '../errors.ts';
import type { ForwardedOutput } from '../host/invocation-sink.ts';
import type { MetricsSource } from '../http/health-metrics.ts';
import type { SandboxRestartReason } from '../sandbox/sandbox.ts';
import { memoryInUse } from '../threads/memory-in-use.ts';
import { takeThread } from '../threads/prewarmed-threads.ts';
import { respawnDelayMs } from '../threads/respawn-backoff.ts';
import { ExecutionStopper } from './execution-stopper.ts';
import {
  BEAT_MS,
  type MainToServing,
  type RetireReason,
  type ServingInit,
  type ServingToMain,
  VITALS,
} from './serving-protocol.ts';
import { servingThread } from './serving-thread.ts';

/** How often the watchdog looks at every worker. */
const WATCH_MS = BEAT_MS;
/** A blocked worker gets this much past its time limit before it is stopped. */
const BLOCKED_GRACE_MS = 200;
/** How long a worker retired for its memory may take to finish before it is ended. */
const MEMORY_DRAIN_MS = 1000;
/** A stopped worker that shows no life for this long is ended outright. */
const STOP_GRACE_MS = 2000;

export interface ServingPoolOptions {
  /** What each worker serves; `vitals`, the port and the metrics' content type are the pool's to set. */
  init: Omit<ServingInit, 'vitals' | 'metricsContentType'>;
  workers: number;
  /** The function's memory limit: past it a worker is retired and its invocations fail. */
  memoryMb: number;
  /** The function's time limit: a worker blocked past it is stopped. */
  timeoutMs: number;
  /** What the workers forward: records, their tallies and console lines to count and store. */
  onOutput: (output: ForwardedOutput) => void;
  metrics: MetricsSource;
  log: Logger;
  /** A worker was replaced, and why. */
  onRestart?: (reason: SandboxRestartReason) => void;
  /** A retired worker has ended: its hand-over is over. */
  onRetired?: (reason: RetireReason) => void;
}

type WorkerState = 'starting' | 'serving' | 'retiring';

interface ServingWorker {
  thread: Worker;
  vitals: Int32Array;
  state: WorkerState;
  /** Why it was retired, once it is. */
  retiredFor: RetireReason | null;
  listening: Promise<number>;
  lastBeats: number;
  lastProgressAt: number;
  heapMb: number;
  heapProbe: Promise<void> | null;
  stoppedAt: number | null;
  drained: Promise<void>;
}

/**
 * The serving workers of a runtime pod and their supervisor. Each worker owns its
 * HTTP connections on the pod's port (SO_REUSEPORT) and runs the handler in its own
 * thread (serving-worker.ts); this side stores their invocation records, answers
 * their metrics requests, and keeps them healthy:
 * - a worker whose thread stops beating past the time limit is stopped with the
 *   inspector (execution-stopper.ts), and retired: its other requests finish while
 *   a replacement already takes new connections;
 * - a worker whose heap passes the function's memory limit is retired the same way,
 *   its invocations failing with FUNCTION_MEMORY_LIMIT;
 * - a worker that dies anyway (V8's hard heap limit, a crash) is replaced.
 */
export class ServingPool {
  private readonly options: ServingPoolOptions;
  private readonly workers = new Set<ServingWorker>();
  private readonly stopper = new ExecutionStopper();
  private port: number;
  private watch: NodeJS.Timeout | null = null;
  private closing = false;
  /** Replacements of workers that died before serving, in a row: decides the backoff. */
  private startFailures = 0;

  constructor(options: ServingPoolOptions) {
    this.options = options;
    this.port = options.init.http.port;
  }

  /**
   * Resolves with the port once the first worker listens (it serves from then on);
   * rejects when it cannot start. The others start then, off the first response's
   * path on a small node, and join the port as they come up.
   */
  async start(): Promise<number> {
    const first = this.spawn();
    await this.stopper.attach();
    this.port = await first.listening;
    for (let i = 1; i < this.options.workers; i++) this.spawn();
    this.watch = setInterval(() => this.inspect(), WATCH_MS);
    this.watch.unref();
    return this.port;
  }

  /** Invocations running now in every worker, those retiring included (bbfn_inflight_invocations). */
  inflight(): number {
    let count = 0;
    for (const worker of this.workers) count += Atomics.load(worker.vitals, VITALS.inflight);
    return count;
  }

  /** Every worker finishes its requests and background work (up to `limitMs`), then ends. */
  async drain(limitMs: number): Promise<void> {
    this.closing = true;
    if (this.watch) clearInterval(this.watch);
    await Promise.all(
      [...this.workers].map(async (w) => {
        // A worker still starting (a replacement, say) has served nothing and does not
        // listen for `drain` yet.
        if (w.state === 'starting') {
          await w.thread.terminate();
          return;
        }
        post(w, { type: 'drain' });
        await Promise.race([w.drained, new Promise((resolve) => setTimeout(resolve, limitMs).unref())]);
        await w.thread.terminate();
      }),
    );
    this.stopper.close();
  }

  private spawn(): ServingWorker {
    const vitals = new SharedArrayBuffer(VITALS.length * Int32Array.BYTES_PER_ELEMENT);
    const thread = takeThread(servingThread(this.options.memoryMb));
    let onListening!: (port: number) => void;
    let onStartFailed!: (error: Error) => void;
    let onDrained!: () => void;
    const worker: ServingWorker = {
      thread,
      vitals: new Int32Array(vitals),
      state: 'starting',
      retiredFor: null,
      listening: new Promise<number>((resolve, reject) => {
        onListening = resolve;
        onStartFailed = reject;
      }),
      lastBeats: 0,
      lastProgressAt: performance.now(),
      heapMb: 0,
      heapProbe: null,
      stoppedAt: null,
      drained: new Promise<void>((resolve) => {
        onDrained = resolve;
      }),
    };
    worker.listening.catch(() => {});
    this.workers.add(worker);
    thread.on('message', (message: ServingToMain) => {
      switch (message.type) {
        case 'listening':
          worker.state = 'serving';
          this.startFailures = 0;
          onListening(message.port);
          break;
        case 'start-failed':
          onStartFailed(new BbfnError(message.error.code, message.error.message));
          void thread.terminate();
          break;
        case 'output':
          this.options.onOutput(message.output);
          break;
        case 'metrics-request':
          void this.options.metrics
            .metrics()
            .then((text) => post(worker, { type: 'metrics', seq: message.seq, text }));
          break;
        case 'drained':
          onDrained();
          break;
      }
    });
    let exitError: Error | undefined;
    thread.on('error', (error) => {
      exitError = error;
    });
    thread.once('exit', (code) => {
      this.workers.delete(worker);
      onDrained();
      onStartFailed(exitError ?? new Error(`The serving worker exited with code ${code} while starting`));
      if (worker.retiredFor) {
        this.options.log.info({ threadId: thread.threadId }, 'serving worker retired');
        this.options.onRetired?.(worker.retiredFor);
      }
      if (this.closing || worker.state === 'retiring') return;
      this.options.log.error(
        { err: exitError, code },
        'serving worker died; its open connections were lost. Starting another',
      );
      this.options.onRestart?.('crashed');
      this.replaceAfterBackoff(worker);
    });
    const init: ServingInit = {
      ...this.options.init,
      http: { ...this.options.init.http, port: this.port },
      vitals,
      metricsContentType: this.options.metrics.contentType,
    };
    post(worker, { type: 'start', init });
    return worker;
  }

  private replaceAfterBackoff(worker: ServingWorker): void {
    if (worker.state === 'starting') this.startFailures += 1;
    const delay = respawnDelayMs(this.startFailures);
    setTimeout(() => {
      if (!this.closing) this.spawn();
    }, delay).unref();
  }

  /** The watchdog: every worker's beat and heap, against the function's limits. */
  private inspect(): void {
    const now = performance.now();
    for (const worker of this.workers) {
      const beats = Atomics.load(worker.vitals, VITALS.beats);
      if (beats !== worker.lastBeats) {
        worker.lastBeats = beats;
        worker.lastProgressAt = now;
        worker.heapMb = Atomics.load(worker.vitals, VITALS.heapMb);
      }
      const stalledMs = now - worker.lastProgressAt;
      if (worker.state === 'retiring') {
        if (
          worker.stoppedAt !== null &&
          now - worker.stoppedAt > STOP_GRACE_MS &&
          stalledMs > STOP_GRACE_MS
        ) {
          this.options.log.error('a stopped serving worker did not recover; ending it');
          void worker.thread.terminate();
        }
        continue;
      }
      if (worker.state !== 'serving') continue;
      if (worker.heapMb > this.options.memoryMb) {
        this.retire(worker, 'memory', stalledMs > 2 * BEAT_MS);
      } else if (stalledMs > this.options.timeoutMs + BLOCKED_GRACE_MS) {
        this.retire(worker, 'blocked', true);
      } else if (stalledMs > 2 * BEAT_MS && !worker.heapProbe) {
        // Busy for a while: an allocation loop grows the heap without a beat to report it.
        worker.heapProbe = worker.thread
          .getHeapStatistics()
          .then((stats) => {
            if (worker.state === 'serving' && memoryInUse(stats) / 2 ** 20 > this.options.memoryMb)
              this.retire(worker, 'memory', true);
          })
          .catch(() => {})
          .finally(() => {
            worker.heapProbe = null;
          });
      }
    }
  }

  /**
   * Takes a worker out of service: a replacement starts taking connections at once,
   * and this one finishes what it has (its invocations failing when it outgrew the heap).
   */
  private retire(worker: ServingWorker, reason: RetireReason, stopRunningCode: boolean): void {
    worker.state = 'retiring';
    worker.retiredFor = reason;
    const detail =
      reason === 'memory'
        ? `The handler exceeded its memory limit of ${this.options.memoryMb} MB`
        : 'The sandbox was restarted: an invocation blocked it past its time limit';
    this.options.log.warn({ reason, threadId: worker.thread.threadId }, detail);
    this.options.onRestart?.(reason);
    // Sent first, read once the running code is stopped.
    post(worker, { type: 'retire', reason, detail });
    if (stopRunningCode) {
      worker.stoppedAt = performance.now();
      void this.stopper.stop(worker.thread.threadId);
    }
    // It keeps its listener until the replacement has one: the port never goes unserved.
    const replacement = this.closing ? null : this.spawn();
    const handOver = replacement ? replacement.listening.catch(() => {}) : Promise.resolve();
    void handOver.then(() => {
      post(worker, { type: 'drain' });
      // One that outgrew its memory has had its invocations failed and its records
      // flushed; what it still runs (an allocation loop, say) must not grow for a whole drain.
      if (reason === 'memory') setTimeout(() => void worker.thread.terminate(), MEMORY_DRAIN_MS).unref();
    });
    const limit = setTimeout(() => void worker.thread.terminate(), this.options.init.drainLimitMs);
    limit.unref();
    void worker.drained.then(() => {
      clearTimeout(limit);
      return worker.thread.terminate();
    });
  }
}

function post(worker: ServingWorker, message: MainToServing): void {
  worker.thread.postMessage(message);
}
