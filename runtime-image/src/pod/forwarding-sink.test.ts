import { Writable } from 'node:stream';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { createLogPool } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { createInvocationStore, type InvocationStore } from '../host/invocation-store.ts';
import { testRecord } from '../invocations/test-record.ts';
import type { InvocationRecord } from '../invocations/types.ts';
import { ForwardingSink } from './forwarding-sink.ts';
import type { ServingToMain } from './serving-protocol.ts';

const APP = 'app_forward';
let database: TestDatabase;
let store: InvocationStore;
let reader: pg.Pool;

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_forward');
  await migrate(database.url);
  reader = createLogPool(database.url);
  store = createInvocationStore(pino({ level: 'silent' }), { [APP]: createLogPool(database.url) });
});

afterAll(async () => {
  await store?.close();
  await reader?.end();
  await database?.drop();
});

function record(overrides: Partial<InvocationRecord> = {}): InvocationRecord {
  return testRecord({
    appId: APP,
    functionName: 'orders',
    functionId: 'fn_orders',
    revision: 'r7',
    path: '/v1/app_forward/fn/orders',
    durationMs: 2.25,
    ...overrides,
  });
}

/** A worker's sink whose posts reach the store as they would across threads. */
function workerSink() {
  const { log, lines } = capturingLogger();
  const posted: ServingToMain[] = [];
  const sink = new ForwardingSink((message) => {
    posted.push(message);
    if (message.type === 'output') store.acceptForwarded(structuredClone(message.output));
  }, log);
  return { sink, posted, logged: lines };
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('a serving worker forwarding its output to the main thread', () => {
  it('stores each record, counts it in the metrics, and logs the ones that failed', async () => {
    const { sink, posted, logged } = workerSink();
    const ok = [record(), record(), record()];
    const timedOut = record({
      statusCode: 504,
      outcome: 'timeout',
      errorCode: 'FUNCTION_TIMEOUT',
      errorMessage: 'ran past 1 s',
      durationMs: 1000.5,
    });
    const other = [record({ functionName: 'refunds' }), record({ functionName: 'refunds' })];
    for (const r of [ok[0]!, other[0]!, ok[1]!, timedOut, other[1]!, ok[2]!]) sink.recordInvocation(r);
    sink.recordInvocation(record({ id: 'not-a-uuid' }));
    sink.appendLines(APP, [
      { invocationId: ok[0]!.id, seq: 0, at: Date.now(), level: 'info', message: 'hello' },
    ]);
    expect(posted).toHaveLength(0);
    sink.flush();
    expect(posted).toHaveLength(1);
    await store.writers.get(APP)!.flush();

    const { rows } = await reader.query(
      `SELECT id, function_name, function_id, revision, outcome, status_code, error_code, duration_ms, started_at
       FROM butterbase.invocations WHERE app_id = $1`,
      [APP],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.size).toBe(6);
    expect(byId.get(timedOut.id)).toMatchObject({
      function_name: 'orders',
      function_id: 'fn_orders',
      revision: 'r7',
      outcome: 'timeout',
      status_code: 504,
      error_code: 'FUNCTION_TIMEOUT',
      duration_ms: 1000.5,
      started_at: timedOut.startedAt,
    });
    expect(byId.get(other[1]!.id)).toMatchObject({ function_name: 'refunds', outcome: 'ok' });
    const { rows: lines } = await reader.query(
      'SELECT message FROM butterbase.invocation_logs WHERE invocation_id = $1',
      [ok[0]!.id],
    );
    expect(lines).toEqual([{ message: 'hello' }]);

    // Every invocation counts, the one that could not be stored too.
    const text = await store.metrics.registry.metrics();
    const orders = `app="${APP}",function="orders",trigger="http"`;
    expect(sample(text, `bbfn_invocations_total{${orders},outcome="ok"}`)).toBe(4);
    expect(sample(text, `bbfn_invocations_total{${orders},outcome="timeout"}`)).toBe(1);
    expect(sample(text, `bbfn_invocation_duration_seconds_count{${orders}}`)).toBe(5);
    expect(sample(text, `bbfn_invocation_duration_seconds_bucket{le="0.005",${orders}}`)).toBe(4);
    const refunds = `app="${APP}",function="refunds",trigger="http"`;
    expect(sample(text, `bbfn_invocations_total{${refunds},outcome="ok"}`)).toBe(2);

    // At info, the worker logs the failure and the record it could not store; not the successes.
    expect(logged.map((l) => [l.msg, l.invocationId])).toEqual([
      ['invocation', timedOut.id],
      ['invocation record cannot be stored', 'not-a-uuid'],
    ]);
  });

  it('posts a full batch at once, and nothing when there is nothing', () => {
    const { sink, posted } = workerSink();
    sink.flush();
    expect(posted).toHaveLength(0);
    for (let i = 0; i < 499; i++) sink.recordInvocation(record({ functionName: 'burst' }));
    expect(posted).toHaveLength(0);
    sink.recordInvocation(record({ functionName: 'burst' }));
    expect(posted).toHaveLength(1);
    const message = posted[0]!;
    expect(message.type === 'output' && message.output.runs.map((run) => run.count)).toEqual([500]);
  });
});
