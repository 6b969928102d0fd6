/**
 * What is stored per invocation and per captured console line (the view
 * butterbase.invocations over the table butterbase.invocation_batches, and the table
 * butterbase.invocation_logs; see db/migrations/V002__invocations.sql and
 * V004__invocation_batches.sql).
 */

export const INVOCATION_TRIGGERS = ['http', 'cron', 'websocket', 'webhook'] as const;
export type InvocationTrigger = (typeof INVOCATION_TRIGGERS)[number];

/** How an invocation ended; `ok` is any Response the handler returned, whatever its status. */
export const INVOCATION_OUTCOMES = [
  'ok',
  'error',
  'timeout',
  'memory_limit',
  'crashed',
  'invalid_response',
  'unhandled_rejection',
  'process_exit',
  'unauthorized',
  'rejected',
  // A webhook delivery whose id was already claimed: acknowledged without running the handler.
  'duplicate',
] as const;
export type InvocationOutcome = (typeof INVOCATION_OUTCOMES)[number];

/** console.debug → debug; console.log and console.info → info; warn; error. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface InvocationRecord {
  /** uuid, assigned by the host when the request arrives. */
  id: string;
  appId: string;
  functionName: string;
  functionId: string;
  revision: string;
  trigger: InvocationTrigger;
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

export interface LogLine {
  invocationId: string;
  /** Order of the line within its invocation, from 0. */
  seq: number;
  at: Date;
  level: LogLevel;
  message: string;
}

/** A line as the host hands it over: the sandbox reports times as epoch milliseconds. */
export type LogLineInput = Omit<LogLine, 'at' | 'invocationId'> & {
  invocationId: string | null;
  at: Date | number;
};

export interface InvocationWithLines extends InvocationRecord {
  lines: LogLine[];
}
