import type { Logger } from 'pino';
import type { AppLines, InvocationSink } from '../host/invocation-sink.ts';
import { InvocationTallies } from '../host/invocation-tally.ts';
import { logInvocation } from '../host/recording-sink.ts';
import { RecordRunBuilder } from '../invocations/record-run.ts';
import type { InvocationRecord } from '../invocations/types.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';
import type { ServingToMain } from './serving-protocol.ts';

/**
 * Output gathered this long before it goes; records are never on a request's path.
 * It is also what a SIGKILL can lose of what the pod acknowledged: the main thread
 * spools what it gets at the end of that turn (invocations/spool.ts). 50 ms lost ~3% of
 * acknowledged records under load, 10 ms ~0.7% (test/runtime/durability.test.ts), for
 * at most 100 more wake-ups of the main thread a second.
 */
const FLUSH_INTERVAL_MS = 10;
/** This many records and lines go at once. */
const MAX_BATCH = 500;

/**
 * A serving worker's sink: invocation records and console lines go to the main
 * thread, which counts them and stores them (one writer per pod). The worker does
 * what it can of that work itself, on the thread that made the records: it logs
 * them, tallies them for the metrics and encodes them in their stored form, so the
 * main thread's share is adding up tallies and appending strings. Posted in batches
 * a few milliseconds apart, because each post wakes the main thread, and on a small
 * node a wake-up per request costs more than the request.
 */
export class ForwardingSink implements InvocationSink {
  private readonly post: (message: ServingToMain) => void;
  private readonly log: Logger;
  private runs: RecordRunBuilder[] = [];
  private lastRun: RecordRunBuilder | undefined;
  private readonly tallies = new InvocationTallies();
  private lines: AppLines[] = [];
  private gathered = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(post: (message: ServingToMain) => void, log: Logger) {
    this.post = post;
    this.log = log;
  }

  recordInvocation(record: InvocationRecord): void {
    logInvocation(this.log, record);
    this.tallies.add(record);
    if (!this.runOf(record).add(record)) {
      this.log.warn({ invocationId: record.id }, 'invocation record cannot be stored');
    }
    this.gathered += 1;
    this.schedule();
  }

  appendLines(appId: string, lines: CapturedLine[]): void {
    this.lines.push({ appId, lines });
    this.gathered += lines.length;
    this.schedule();
  }

  /** Posts what is gathered now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.gathered === 0) return;
    const output = {
      runs: this.runs.map((run) => run.build()),
      tallies: this.tallies.take(),
      lines: this.lines,
    };
    this.runs = [];
    this.lastRun = undefined;
    this.lines = [];
    this.gathered = 0;
    this.post({ type: 'output', output });
  }

  private runOf(record: InvocationRecord): RecordRunBuilder {
    const last = this.lastRun;
    if (last?.holds(record)) return last;
    let run = this.runs.find((r) => r.holds(record));
    if (run === undefined) {
      run = new RecordRunBuilder(record);
      this.runs.push(run);
    }
    this.lastRun = run;
    return run;
  }

  private schedule(): void {
    if (this.gathered >= MAX_BATCH) {
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    // The worker's server keeps it alive; a pending flush alone must not.
    this.timer.unref();
  }
}
