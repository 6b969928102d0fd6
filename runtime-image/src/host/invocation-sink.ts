import type { RecordRun } from '../invocations/record-run.ts';
import type { InvocationRecord } from '../invocations/types.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';
import type { InvocationTally } from './invocation-tally.ts';

/** Where invocation records and captured console lines go (Postgres and the log, a test buffer…). */
export interface InvocationSink {
  recordInvocation(record: InvocationRecord): void;
  appendLines(appId: string, lines: CapturedLine[]): void;
}

/** Console lines of one app's handler. */
export interface AppLines {
  appId: string;
  lines: CapturedLine[];
}

/**
 * What a serving worker hands the main thread in one message: its records already
 * encoded for storage, what the metrics need of them, and console lines. The worker
 * has logged the records that get a line on stdout.
 */
export interface ForwardedOutput {
  runs: RecordRun[];
  tallies: InvocationTally[];
  lines: AppLines[];
}
