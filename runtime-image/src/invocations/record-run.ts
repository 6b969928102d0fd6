import { encodeRecordJson } from './record-codec.ts';
import { cleanField } from './sanitize.ts';
import type { InvocationRecord } from './types.ts';

/**
 * Invocation records of one revision of an app's function, already in the form they are stored in:
 * their EncodedRecord JSON arrays joined by commas, as a batch row's `records` holds
 * them between its brackets. A serving worker hands records to the main thread this
 * way, so the main thread's share of a record is little more than writing it: when it
 * decoded and re-encoded each record, its work came to ~8–10 µs a record, on the
 * cores the serving threads need; now ~3–5 µs.
 */
export interface RecordRun {
  appId: string;
  functionName: string;
  functionId: string;
  revision: string;
  /** The records' EncodedRecord JSON arrays, comma-separated, without the brackets. */
  json: string;
  count: number;
  firstStartedAtMs: number;
  lastStartedAtMs: number;
}

/** Gathers records of one revision of an app's function into a RecordRun. */
export class RecordRunBuilder {
  readonly appId: string;
  readonly functionName: string;
  readonly functionId: string;
  readonly revision: string;
  #json = '';
  #count = 0;
  #first = Number.POSITIVE_INFINITY;
  #last = Number.NEGATIVE_INFINITY;

  constructor(record: Pick<InvocationRecord, 'appId' | 'functionName' | 'functionId' | 'revision'>) {
    this.appId = record.appId;
    this.functionName = record.functionName;
    this.functionId = record.functionId;
    this.revision = record.revision;
  }

  /** Whether the record belongs in this run. */
  holds(record: InvocationRecord): boolean {
    return (
      record.revision === this.revision &&
      record.functionName === this.functionName &&
      record.appId === this.appId &&
      record.functionId === this.functionId
    );
  }

  get count(): number {
    return this.#count;
  }

  /** Adds a record this run `holds`, cleaned; false when it cannot be stored. */
  add(record: InvocationRecord): boolean {
    const json = encodeRecordJson(record);
    if (json === null) return false;
    this.#json = this.#count === 0 ? json : `${this.#json},${json}`;
    this.#count += 1;
    const startedAtMs = record.startedAt.getTime();
    if (startedAtMs < this.#first) this.#first = startedAtMs;
    if (startedAtMs > this.#last) this.#last = startedAtMs;
    return true;
  }

  build(): RecordRun {
    return {
      appId: cleanField(this.appId),
      functionName: cleanField(this.functionName),
      functionId: cleanField(this.functionId),
      revision: cleanField(this.revision),
      json: this.#json,
      count: this.#count,
      firstStartedAtMs: this.#first,
      lastStartedAtMs: this.#last,
    };
  }
}
