import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InvocationOutcome, InvocationRecord } from '../invocations/types.ts';
import { createLogger } from '../logger.ts';
import { logInvocation } from './recording-sink.ts';

function record(outcome: InvocationOutcome): InvocationRecord {
  return {
    id: `id-${outcome}`,
    appId: 'demo',
    functionName: 'hook',
    functionId: 'fn_hook',
    revision: 'r1',
    trigger: 'webhook',
    userId: null,
    method: 'POST',
    path: '/v1/demo/fn/hook',
    statusCode: outcome === 'ok' || outcome === 'duplicate' ? 200 : 401,
    outcome,
    errorCode: outcome === 'rejected' ? 'WEBHOOK_SIGNATURE_INVALID' : null,
    errorMessage: null,
    startedAt: new Date(0),
    durationMs: 1,
  };
}

/** The outcomes logInvocation writes at the given level. */
function loggedAt(level: string, outcomes: InvocationOutcome[]): string[] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger({ name: 'test', level, destination: sink });
  for (const outcome of outcomes) logInvocation(log, record(outcome));
  return lines.map((line) => JSON.parse(line).outcome);
}

describe('logInvocation', () => {
  it('writes failures at warn, and neither a success nor an acknowledged duplicate', () => {
    expect(loggedAt('warn', ['ok', 'duplicate', 'rejected', 'error', 'timeout'])).toEqual([
      'rejected',
      'error',
      'timeout',
    ]);
  });

  it('writes every invocation at debug', () => {
    expect(loggedAt('debug', ['ok', 'duplicate', 'rejected'])).toEqual(['ok', 'duplicate', 'rejected']);
  });
});
