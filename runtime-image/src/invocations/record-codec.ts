import type { InvocationRecord } from './types.ts';

/**
 * An invocation inside a stored batch: a JSON array by position, without the app and
 * function names its batch row holds (the layout is documented in
 * db/migrations/V004__invocation_batches.sql, whose view reads it too).
 */
export type EncodedRecord = [
  id: string,
  functionId: string,
  revision: string,
  trigger: string,
  userId: string | null,
  method: string | null,
  path: string | null,
  statusCode: number | null,
  outcome: string,
  errorCode: string | null,
  errorMessage: string | null,
  startedAt: string,
  durationMs: number,
];

export function encodeRecord(r: InvocationRecord): EncodedRecord {
  return [
    r.id,
    r.functionId,
    r.revision,
    r.trigger,
    r.userId,
    r.method,
    r.path,
    r.statusCode,
    r.outcome,
    r.errorCode,
    r.errorMessage,
    r.startedAt.toISOString(),
    r.durationMs,
  ];
}

export function decodeRecord(appId: string, functionName: string, e: EncodedRecord): InvocationRecord {
  return {
    id: e[0],
    appId,
    functionName,
    functionId: e[1],
    revision: e[2],
    trigger: e[3] as InvocationRecord['trigger'],
    userId: e[4],
    method: e[5],
    path: e[6],
    statusCode: e[7],
    outcome: e[8] as InvocationRecord['outcome'],
    errorCode: e[9],
    errorMessage: e[10],
    startedAt: new Date(e[11]),
    durationMs: e[12],
  };
}
