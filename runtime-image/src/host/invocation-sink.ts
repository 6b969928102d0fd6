import type { InvocationRecord } from '../invocations/types.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';

/** Where invocation records and captured console lines go (Postgres and the log, a test buffer…). */
export interface InvocationSink {
  recordInvocation(record: InvocationRecord): void;
  appendLines(appId: string, lines: CapturedLine[]): void;
}
