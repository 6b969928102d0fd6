import type { CapturedLine } from '../sandbox/protocol.ts';

export type InvocationOutcome =
  | 'ok'
  | 'error'
  | 'timeout'
  | 'memory_limit'
  | 'crashed'
  | 'invalid_response'
  | 'unhandled_rejection'
  | 'process_exit'
  | 'unauthorized'
  | 'rejected';

/** What the host knows of one invocation when it has answered. */
export interface InvocationSummary {
  id: string;
  appId: string;
  functionName: string;
  functionId: string;
  revision: string;
  trigger: 'http' | 'cron' | 'websocket';
  userId: string | null;
  method: string | null;
  path: string | null;
  statusCode: number | null;
  outcome: InvocationOutcome;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: Date;
  durationMs: number;
}

/** Where invocation records and captured console lines go (Postgres, a test buffer…). */
export interface InvocationSink {
  recordInvocation(summary: InvocationSummary): void;
  appendLines(appId: string, lines: CapturedLine[]): void;
}
