import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { createLogPool, createPool } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { RecordRunBuilder } from './record-run.ts';
import { MAX_MESSAGE_LENGTH } from './sanitize.ts';
import { testRecord } from './test-record.ts';
import type { InvocationRecord, LogLineInput } from './types.ts';
import { createInvocationWriter } from './writer.ts';

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_writer');
  await migrate(database.url);
  pool = createLogPool(database.url);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

function record(overrides: Partial<InvocationRecord> = {}): InvocationRecord {
  return testRecord({
    id: randomUUID(),
    appId: 'app_writer',
    functionName: 'send-welcome-email',
    functionId: 'fn_abc',
    method: 'POST',
    path: '/welcome',
    ...overrides,
  });
}

function line(invocationId: string, seq: number, overrides: Partial<LogLineInput> = {}): LogLineInput {
  return { invocationId, seq, at: Date.now(), level: 'info', message: `line ${seq}`, ...overrides };
}

async function count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM butterbase.${table} WHERE ${where}`,
    params,
  );
  return rows[0].n;
}

/** The same pool, counting the statements the writer sends. */
/** Counts batches: each one checks out a connection for its transaction. */
function countingPool(): { pool: pg.Pool; batches: () => number } {
  let batches = 0;
  const counted = Object.create(pool) as pg.Pool;
  counted.connect = ((...args: unknown[]) => {
    batches += 1;
    return (pool.connect as (...a: unknown[]) => unknown)(...args);
  }) as pg.Pool['connect'];
  return { pool: counted, batches: () => batches };
}

describe('invocation writer', () => {
  it('writes records and lines in batches', async () => {
    const counted = countingPool();
    const writer = createInvocationWriter(counted.pool, { flushIntervalMs: 60_000, maxBatch: 10 });
    const app = `app_${randomUUID().slice(0, 8)}`;
    const records = Array.from({ length: 25 }, () => record({ appId: app }));
    for (const r of records) writer.recordInvocation(r);
    writer.appendLines(records.flatMap((r) => [line(r.id, 0), line(r.id, 1), line(r.id, 2), line(r.id, 3)]));
    await writer.flush();
    expect(writer.stats()).toEqual({ written: 125, dropped: 0, pending: 0 });
    expect(await count('invocations', 'app_id = $1', [app])).toBe(25);
    expect(
      await count('invocation_logs', 'invocation_id = ANY($1::uuid[])', [records.map((r) => r.id)]),
    ).toBe(100);
    // 100 lines at 10 per batch, records riding along in the same transactions.
    expect(counted.batches()).toBe(10);
    await writer.close();
  });

  it("writes on sessions that don't wait for the WAL flush", async () => {
    const { rows } = await pool.query('SHOW synchronous_commit');
    expect(rows).toEqual([{ synchronous_commit: 'off' }]);
  });

  it('writes on its timer and as soon as a batch is full, off the caller path', async () => {
    const writer = createInvocationWriter(pool, { flushIntervalMs: 50, maxBatch: 1_000 });
    const r = record();
    writer.recordInvocation(r);
    expect(writer.stats().pending).toBe(1);
    await expect.poll(() => count('invocations', 'id = $1', [r.id]), { timeout: 2_000 }).toBe(1);

    const eager = createInvocationWriter(pool, { flushIntervalMs: 60_000, maxBatch: 5 });
    const burst = Array.from({ length: 5 }, () => record());
    for (const b of burst) eager.recordInvocation(b);
    await expect
      .poll(() => count('invocations', 'id = ANY($1::uuid[])', [burst.map((b) => b.id)]), { timeout: 2_000 })
      .toBe(5);
    await Promise.all([writer.close(), eager.close()]);
  });

  it('accepts lines before their record and ignores rows it already wrote', async () => {
    const writer = createInvocationWriter(pool, { flushIntervalMs: 60_000 });
    const r = record();
    writer.appendLines([line(r.id, 0, { level: 'warn', message: 'background work' })]);
    await writer.flush();
    writer.recordInvocation(r);
    writer.recordInvocation(r);
    writer.appendLines([line(r.id, 0)]);
    await writer.close();
    expect(await count('invocations', 'id = $1', [r.id])).toBe(1);
    const { rows } = await pool.query(
      'SELECT level, message FROM butterbase.invocation_logs WHERE invocation_id = $1',
      [r.id],
    );
    expect(rows).toEqual([{ level: 'warn', message: 'background work' }]);
  });

  it('drops rows it cannot store and cleans text it can', async () => {
    const writer = createInvocationWriter(pool, { flushIntervalMs: 60_000 });
    const r = record({ errorMessage: 'nul\u0000inside' });
    writer.recordInvocation(r);
    writer.recordInvocation(record({ id: 'not-a-uuid' }));
    writer.recordInvocation(record({ startedAt: new Date(Number.NaN) }));
    writer.appendLines([
      line(r.id, 0, { message: 'x'.repeat(MAX_MESSAGE_LENGTH + 100) }),
      line(r.id, 1, { message: 'a\u0000b' }),
      line(r.id, 2, { level: 'trace' as never }),
      line(r.id, 4, { message: 'half \uD83D pair' }),
      line(r.id, -1),
      { ...line(r.id, 3), invocationId: null as never },
    ]);
    await writer.close();
    expect(writer.stats()).toEqual({ written: 4, dropped: 5, pending: 0 });
    const { rows } = await pool.query(
      'SELECT seq, length(message) AS len, message FROM butterbase.invocation_logs WHERE invocation_id = $1 ORDER BY seq',
      [r.id],
    );
    expect(rows[0].len).toBeLessThan(MAX_MESSAGE_LENGTH + 100);
    expect(rows[0].message).toMatch(/truncated 100 characters\]$/);
    expect(rows[1].message).toBe('a\uFFFDb');
    expect(rows[2].message).toBe('half \uFFFD pair');
  });

  it('retries a batch whose commit went through unanswered without storing it twice', async () => {
    // The first COMMIT runs, then its answer is "lost" with the connection.
    let lost = false;
    const lossy = Object.create(pool) as pg.Pool;
    lossy.connect = (async () => {
      const client = await pool.connect();
      if (!lost) {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        // Synchronous for everything else: a COPY returns its stream, not a promise.
        client.query = ((...args: unknown[]) => {
          if (lost || args[0] !== 'COMMIT') return query(...args);
          lost = true;
          return (query('COMMIT') as Promise<unknown>).then(() => {
            throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
          });
        }) as never;
      }
      return client;
    }) as never;
    const writer = createInvocationWriter(lossy, { flushIntervalMs: 60_000 });
    const records = [record(), record(), record({ functionName: 'other' })];
    for (const r of records) writer.recordInvocation(r);
    writer.appendLines(records.map((r) => line(r.id, 0)));
    await expect(writer.flush()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(writer.stats()).toEqual({ written: 0, dropped: 0, pending: 6 });
    await writer.flush();
    expect(writer.stats()).toEqual({ written: 6, dropped: 0, pending: 0 });
    const ids = records.map((r) => r.id);
    expect(await count('invocations', 'id = ANY($1::uuid[])', [ids])).toBe(3);
    expect(await count('invocation_logs', 'invocation_id = ANY($1::uuid[])', [ids])).toBe(3);
    await writer.close();
  });

  it('drops a batch Postgres refuses and goes on with the rest', async () => {
    await pool.query(
      "ALTER TABLE butterbase.invocation_batches ADD CONSTRAINT test_no_poison CHECK (function_name <> 'poison')",
    );
    try {
      const writer = createInvocationWriter(pool, { flushIntervalMs: 60_000, maxBatch: 1 });
      const good = [record(), record()];
      writer.recordInvocation(good[0]!);
      writer.recordInvocation(record({ functionName: 'poison' }));
      writer.recordInvocation(good[1]!);
      await expect(writer.flush()).rejects.toThrow(/Dropped 1 invocation records/);
      expect(writer.stats()).toEqual({ written: 2, dropped: 1, pending: 0 });
      expect(await count('invocations', 'id = ANY($1::uuid[])', [good.map((r) => r.id)])).toBe(2);
      await writer.close();
    } finally {
      await pool.query('ALTER TABLE butterbase.invocation_batches DROP CONSTRAINT test_no_poison');
    }
  });

  it('keeps rows while the database is down, up to maxBuffered, dropping the oldest lines first', async () => {
    const down = createPool('postgres://postgres:postgres@127.0.0.1:1/postgres', {
      connectionTimeoutMillis: 1_000,
    });
    const errors: Error[] = [];
    const writer = createInvocationWriter(down, {
      flushIntervalMs: 20,
      maxBuffered: 10,
      onError: (e) => errors.push(e),
    });
    const r = record();
    writer.recordInvocation(r);
    writer.appendLines(Array.from({ length: 12 }, (_, i) => line(r.id, i)));
    expect(writer.stats()).toEqual({ written: 0, dropped: 3, pending: 10 });
    await expect(writer.flush()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(writer.stats().pending).toBe(10);
    await expect.poll(() => errors.length, { timeout: 2_000 }).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    // Closing with the database still down gives up on what is left, and says so.
    await expect(writer.close()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(writer.stats()).toEqual({ written: 0, dropped: 13, pending: 0 });
    writer.recordInvocation(record());
    expect(writer.stats().dropped).toBe(14);
    await down.end();
  });

  it('takes runs a serving worker encoded, and past maxBuffered drops whole runs, oldest first', async () => {
    const runOf = (records: InvocationRecord[]) => {
      const builder = new RecordRunBuilder(records[0]!);
      for (const r of records) builder.add(r);
      return builder.build();
    };
    const app = `app_${randomUUID().slice(0, 8)}`;
    const oldest = Array.from({ length: 4 }, () => record({ appId: app }));
    const newer = Array.from({ length: 3 }, () => record({ appId: app, functionName: 'other' }));
    const newest = Array.from({ length: 2 }, () => record({ appId: app }));
    const writer = createInvocationWriter(pool, { flushIntervalMs: 60_000, maxBuffered: 6 });
    writer.recordRun(runOf(oldest));
    writer.recordRun(runOf(newer));
    expect(writer.stats()).toEqual({ written: 0, dropped: 4, pending: 3 });
    writer.recordInvocation(newest[0]!);
    writer.recordRun(runOf([newest[1]!]));
    await writer.close();
    expect(writer.stats()).toEqual({ written: 5, dropped: 4, pending: 0 });
    const { rows } = await pool.query('SELECT id FROM butterbase.invocations WHERE app_id = $1', [app]);
    expect(rows.map((r) => r.id).sort()).toEqual([...newer, ...newest].map((r) => r.id).sort());
  });
});
