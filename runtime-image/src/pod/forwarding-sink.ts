import type { InvocationSink } from '../host/invocation-sink.ts';
import type { InvocationRecord } from '../invocations/types.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';
import { toWire, type WireRecord } from './record-wire.ts';
import type { AppLines, ServingToMain } from './serving-protocol.ts';

/** Output gathered this long before it goes; records are never on a request's path. */
const FLUSH_INTERVAL_MS = 50;
/** A batch this big goes at once. */
const MAX_BATCH = 500;

/**
 * A serving worker's sink: invocation records and console lines go to the main
 * thread, which counts them and stores them (one writer per pod). Posted in batches
 * a few milliseconds apart, because each post wakes the main thread, and on a small
 * node a wake-up per request costs more than the request.
 */
export class ForwardingSink implements InvocationSink {
  private readonly post: (message: ServingToMain) => void;
  private records: WireRecord[] = [];
  private lines: AppLines[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(post: (message: ServingToMain) => void) {
    this.post = post;
  }

  recordInvocation(record: InvocationRecord): void {
    this.records.push(toWire(record));
    this.schedule();
  }

  appendLines(appId: string, lines: CapturedLine[]): void {
    this.lines.push({ appId, lines });
    this.schedule();
  }

  /** Posts what is gathered now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.records.length === 0 && this.lines.length === 0) return;
    const message: ServingToMain = { type: 'output', records: this.records, lines: this.lines };
    this.records = [];
    this.lines = [];
    this.post(message);
  }

  private schedule(): void {
    if (this.records.length + this.lines.length >= MAX_BATCH) {
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    // The worker's server keeps it alive; a pending flush alone must not.
    this.timer.unref();
  }
}
