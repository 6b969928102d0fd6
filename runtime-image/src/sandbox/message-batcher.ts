/**
 * Collects the messages one side of a worker sends during an event-loop turn and
 * posts them as one array. Under load a turn carries many invocations; one
 * postMessage each would cost a structured clone and a wake-up of the other thread
 * apiece, which measured as most of a worker round trip.
 */
export class MessageBatcher<T> {
  private readonly post: (batch: T[], transfer: ArrayBuffer[]) => void;
  private messages: T[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(post: (batch: T[], transfer: ArrayBuffer[]) => void) {
    this.post = post;
  }

  send(message: T, transfer?: readonly ArrayBuffer[]): void {
    this.messages.push(message);
    if (transfer) for (const buffer of transfer) this.transfer.push(buffer);
    // After the poll phase: every request read in this turn goes in the same batch.
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Posts what is collected now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.messages.length === 0) return;
    const messages = this.messages;
    const transfer = this.transfer;
    this.messages = [];
    this.transfer = [];
    this.post(messages, transfer);
  }
}
