/**
 * get_invocation and get_logs over an app's database (the invocation records and console
 * lines the hosts write): the same reads locally and in a cluster.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { BbfnError } from '../runtime-image/src/errors.ts';
import { queryInvocations } from '../runtime-image/src/invocations/query.ts';
import type { InvocationWithLines } from '../runtime-image/src/invocations/types.ts';
import type { Invocation, LogLineOut, LogsOutput, LogsQuery } from './schemas.ts';

/**
 * get_logs looks at the newest invocations of the window (`since` …), at most this many:
 * the records are read from their batches newest first (batch-reads.ts), then their lines.
 */
export const LOGS_INVOCATION_WINDOW = 1000;

function errorOf(record: InvocationWithLines): Invocation['error'] {
  return record.errorCode ? { code: record.errorCode, message: record.errorMessage } : null;
}

export function toInvocation(record: InvocationWithLines): Invocation {
  return {
    invocation_id: record.id,
    function_name: record.functionName,
    function_id: record.functionId,
    revision: record.revision,
    trigger: record.trigger,
    user_id: record.userId,
    method: record.method,
    path: record.path,
    status: record.statusCode,
    outcome: record.outcome,
    error: errorOf(record),
    started_at: record.startedAt.toISOString(),
    duration_ms: record.durationMs,
    logs: record.lines.map((line) => ({
      time: line.at.toISOString(),
      level: line.level,
      message: line.message,
    })),
  };
}

export async function readInvocation(
  pool: pg.Pool,
  appId: string,
  invocationId: string,
): Promise<Invocation> {
  const [record] = await queryInvocations(pool, { appId, invocationId });
  if (!record) throw new BbfnError('RESOURCE_NOT_FOUND', `No invocation "${invocationId}" in app "${appId}"`);
  return toInvocation(record);
}

/**
 * An invocation's record as soon as it is stored: hosts write records off the request
 * path, in batches (every 50–200 ms), so right after a response it may not be there yet.
 * Polls at most `attempts` times, `intervalMs` apart; null if it never came.
 */
export async function awaitInvocation(
  pool: pg.Pool,
  appId: string,
  invocationId: string,
  options: { attempts: number; intervalMs: number; beforeEach?: () => Promise<void> },
): Promise<Invocation | null> {
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    await options.beforeEach?.();
    const [record] = await queryInvocations(pool, { appId, invocationId });
    if (record) return toInvocation(record);
    await sleep(options.intervalMs);
  }
  return null;
}

/** A function's console lines, newest first, each with its invocation's outcome. */
export async function readLogs(
  pool: pg.Pool,
  appId: string,
  name: string,
  query: LogsQuery,
): Promise<LogsOutput> {
  const records = await queryInvocations(pool, {
    appId,
    functionName: name,
    ...(query.since ? { since: new Date(query.since) } : {}),
    ...(query.invocation_id ? { invocationId: query.invocation_id } : {}),
    ...(query.level ? { level: query.level } : {}),
    limit: LOGS_INVOCATION_WINDOW,
  });
  const since = query.since ? Date.parse(query.since) : -Infinity;
  const until = query.until ? Date.parse(query.until) : Infinity;
  const text = query.text?.toLowerCase();
  const lines: (LogLineOut & { seq: number; at: number })[] = [];
  for (const record of records) {
    for (const line of record.lines) {
      const at = line.at.getTime();
      if (at < since || at > until) continue;
      if (text !== undefined && !line.message.toLowerCase().includes(text)) continue;
      lines.push({
        at,
        seq: line.seq,
        time: line.at.toISOString(),
        level: line.level,
        message: line.message,
        invocation_id: record.id,
        function_name: record.functionName,
        started_at: record.startedAt.toISOString(),
        status: record.statusCode,
        outcome: record.outcome,
        duration_ms: record.durationMs,
        error: errorOf(record),
      });
    }
  }
  // Newest first; lines of one invocation at the same millisecond by their order.
  lines.sort((a, b) => b.at - a.at || (a.invocation_id === b.invocation_id ? b.seq - a.seq : 0));
  return { lines: lines.slice(0, query.limit).map(({ at: _at, seq: _seq, ...line }) => line) };
}
