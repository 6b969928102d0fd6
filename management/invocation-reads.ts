/**
 * get_invocation and get_logs over an app's database (the invocation records and console
 * lines the hosts write): the same reads locally and in a cluster.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { BbfnError } from '../runtime-image/src/errors.ts';
import { queryLines } from '../runtime-image/src/invocations/line-reads.ts';
import { queryInvocations } from '../runtime-image/src/invocations/query.ts';
import type { InvocationRecord, InvocationWithLines } from '../runtime-image/src/invocations/types.ts';
import type { Invocation, LogLineOut, LogsOutput, LogsQuery } from './schemas.ts';

function errorOf(record: InvocationRecord): Invocation['error'] {
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

/** A function's console lines, newest first, each with its invocation's outcome: every filter in SQL (line-reads.ts). */
export async function readLogs(
  pool: pg.Pool,
  appId: string,
  name: string,
  query: LogsQuery,
): Promise<LogsOutput> {
  const found = await queryLines(pool, {
    appId,
    functionName: name,
    ...(query.since ? { since: new Date(query.since) } : {}),
    ...(query.until ? { until: new Date(query.until) } : {}),
    ...(query.invocation_id ? { invocationId: query.invocation_id } : {}),
    ...(query.level ? { level: query.level } : {}),
    ...(query.text ? { text: query.text } : {}),
    limit: query.limit,
  });
  return {
    lines: found.map(
      ({ line, record }): LogLineOut => ({
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
      }),
    ),
  };
}
