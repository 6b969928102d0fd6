import type { InvocationRecord } from '../invocations/types.ts';

/**
 * An invocation record as it crosses from a serving worker to the main thread: a
 * tuple of primitives. Structured clone of an object writes every property name and
 * a Date apiece; under load this form halved the worker's cost of forwarding.
 */
export type WireRecord = [
  id: string,
  appId: string,
  functionName: string,
  functionId: string,
  revision: string,
  trigger: InvocationRecord['trigger'],
  userId: string | null,
  method: string | null,
  path: string | null,
  statusCode: number | null,
  outcome: InvocationRecord['outcome'],
  errorCode: string | null,
  errorMessage: string | null,
  startedAtMs: number,
  durationMs: number,
];

export function toWire(r: InvocationRecord): WireRecord {
  return [
    r.id,
    r.appId,
    r.functionName,
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
    r.startedAt.getTime(),
    r.durationMs,
  ];
}

export function fromWire(w: WireRecord): InvocationRecord {
  const [id, appId, functionName, functionId, revision, trigger, userId, method, path] = w;
  const [, , , , , , , , , statusCode, outcome, errorCode, errorMessage, startedAtMs, durationMs] = w;
  return {
    id,
    appId,
    functionName,
    functionId,
    revision,
    trigger,
    userId,
    method,
    path,
    statusCode,
    outcome,
    errorCode,
    errorMessage,
    startedAt: new Date(startedAtMs),
    durationMs,
  };
}
