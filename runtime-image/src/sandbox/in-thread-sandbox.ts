import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorCode } from '../errors.ts';
import { InflightList } from './inflight-list.ts';
import { loadError } from './load-error.ts';
import type { InvocationInput, RunOutcome } from './protocol.ts';
import {
  failure,
  type InvocationResult,
  resultOf,
  type Sandbox,
  type SandboxOptions,
  timeoutFailure,
} from './sandbox.ts';
import { InvocationRunner, serializeError } from './worker/invocation-runner.ts';

interface Pending {
  id: string;
  /** Its place in the list of invocations waiting (inflight-list.ts). */
  slot: number;
  resolve: (result: InvocationResult) => void;
  /** performance.now() past which the invocation has timed out. */
  deadline: number;
}

/**
 * Where the count of invocations running is kept for another thread to read (the pod's
 * main thread, which serves bbfn_inflight_invocations): exact as each starts and ends,
 * even while a handler holds the thread, for a few ns each.
 */
export interface InflightCell {
  cells: Int32Array;
  index: number;
}

/**
 * How often deadlines are checked: one sweep for all invocations instead of a timer
 * each (a timer a request cost ~0.6 µs); a time limit is kept to within this much.
 */
const SWEEP_MS = 50;

/**
 * A revision run in the current thread: the serving worker's, which owns its HTTP
 * connections (pod/serving-worker.ts), so a request costs no hop between threads.
 * Time limits for handlers that await are kept here; a handler that blocks the
 * thread is stopped from outside by the pod's watchdog (pod/serving-pool.ts), after
 * which the timers here answer for it.
 */
export class InThreadSandbox implements Sandbox {
  private readonly options: SandboxOptions;
  private readonly inflightCell: InflightCell | undefined;
  private runner: InvocationRunner | null = null;
  private readonly pending = new InflightList<Pending>();
  private closing = false;
  private sweeper: NodeJS.Timeout | null = null;
  private lastSweep = 0;
  private graceGiven = false;

  constructor(options: SandboxOptions, inflightCell?: InflightCell) {
    this.options = options;
    this.inflightCell = inflightCell;
  }

  async start(): Promise<void> {
    try {
      this.runner = await InvocationRunner.load({
        bootstrap: this.options.bootstrap,
        onBackgroundDone: (id, lines, error) => {
          if (lines.length > 0) this.options.onLines(lines);
          this.options.onBackgroundDone?.(id, error);
        },
      });
    } catch (error) {
      throw loadError(serializeError(error, 'FUNCTION_THREW'));
    }
  }

  get inflight(): number {
    return this.pending.size;
  }

  get backgroundCount(): number {
    return this.runner?.backgroundCount ?? 0;
  }

  invoke(input: InvocationInput): Promise<InvocationResult> {
    const runner = this.runner;
    if (this.closing || !runner) return Promise.resolve(failure('HOST_SHUTTING_DOWN'));
    return new Promise<InvocationResult>((resolve) => {
      const pending = {
        id: input.id,
        slot: -1,
        resolve,
        deadline: performance.now() + this.options.timeoutMs,
      };
      this.pending.add(pending);
      this.publishInflight();
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
      // From a microtask, not from inside the HTTP parser's callback that delivered the
      // request: a handler the watchdog stops inside that callback would leave the
      // connection's parser broken for the requests after it.
      queueMicrotask(() => {
        void runner.run(input).then((outcome) => this.onOutcome(pending, outcome));
      });
    });
  }

  /**
   * Fails every invocation still waiting, with `code`: after the watchdog stopped a
   * handler that outgrew the heap, none of them can be trusted to finish.
   */
  failAll(code: ErrorCode, message: string): void {
    for (const pending of this.pending.snapshot()) this.settle(pending, failure(code, message));
  }

  async drain(limitMs: number): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + limitMs;
    while (this.pending.size > 0 && Date.now() < deadline) await sleep(20);
    const runner = this.runner;
    if (runner) await Promise.race([runner.drain(), sleep(Math.max(0, deadline - Date.now()))]);
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.failAll('HOST_SHUTTING_DOWN', 'The function host is shutting down');
  }

  private onOutcome(pending: Pending, outcome: RunOutcome): void {
    if (outcome.lines.length > 0) this.options.onLines(outcome.lines);
    this.settle(pending, resultOf(outcome));
  }

  /** Times out what is past its deadline; stops when nothing is left to watch. */
  private sweep(): void {
    const now = performance.now();
    const late = this.lastSweep > 0 && now - this.lastSweep > 2 * SWEEP_MS;
    this.lastSweep = now;
    // Late means something blocked the thread (the watchdog stopped it, say): the
    // invocations beside it get one round to finish what is ready before their time
    // is judged, since what held them up was not theirs.
    if (late && !this.graceGiven) {
      this.graceGiven = true;
      return;
    }
    this.graceGiven = false;
    for (const pending of this.pending.snapshot()) {
      if (pending.deadline > now) continue;
      this.settle(pending, timeoutFailure(this.options.timeoutMs));
      this.runner?.cancel(pending.id);
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
      this.lastSweep = 0;
    }
  }

  private settle(pending: Pending, result: InvocationResult): void {
    // Already answered (timed out, failed by the watchdog)?
    if (!this.pending.remove(pending)) return;
    this.publishInflight();
    pending.resolve(result);
  }

  private publishInflight(): void {
    const cell = this.inflightCell;
    if (cell) Atomics.store(cell.cells, cell.index, this.pending.size);
  }
}
