import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { queryInvocations } from './query.ts';
import { testRecord } from './test-record.ts';
import type { InvocationRecord, LogLevel } from './types.ts';
import { uuidV7 } from './uuid-v7.ts';
import { createInvocationWriter } from './writer.ts';

let database: TestDatabase;
let pool: pg.Pool;
const app = 'app_query';
const base = Date.parse('2030-01-01T00:00:00Z');

function record(
  functionName: string,
  minute: number,
  overrides: Partial<InvocationRecord> = {},
): InvocationRecord {
  return testRecord({
    id: randomUUID(),
    appId: app,
    functionName,
    functionId: `fn_${functionName}`,
    userId: 'user-1',
    startedAt: new Date(base + minute * 60_000),
    durationMs: 2.25,
    ...overrides,
  });
}

// Three invocations of "a", one of "b", one of another app; every level on each.
const a1 = record('a', 1);
const a2 = record('a', 2, {
  outcome: 'error',
  statusCode: 500,
  errorCode: 'FUNCTION_THREW',
  errorMessage: 'boom',
});
const a3 = record('a', 3, { trigger: 'cron', method: null, path: null, statusCode: null, userId: null });
const b1 = record('b', 4);
const other = record('a', 5, { appId: 'app_other' });
const levels: LogLevel[] = ['debug', 'info', 'warn', 'error'];

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_query');
  await migrate(database.url);
  pool = createPool(database.url, { max: 2 });
  const writer = createInvocationWriter(pool);
  for (const r of [a1, a2, a3, b1, other]) {
    writer.recordInvocation(r);
    writer.appendLines(
      levels.map((level, seq) => ({
        invocationId: r.id,
        seq,
        at: r.startedAt,
        level,
        message: `${level} ${seq}`,
      })),
    );
  }
  await writer.close();
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('queryInvocations', () => {
  it('lists an app’s invocations newest first with their lines in order', async () => {
    const result = await queryInvocations(pool, { appId: app });
    expect(result.map((r) => r.id)).toEqual([b1.id, a3.id, a2.id, a1.id]);
    const [, , errored] = result;
    expect(errored).toEqual({
      ...a2,
      lines: levels.map((level, seq) => ({
        invocationId: a2.id,
        seq,
        at: a2.startedAt,
        level,
        message: `${level} ${seq}`,
      })),
    });
    expect(result[1]).toMatchObject({
      trigger: 'cron',
      method: null,
      path: null,
      statusCode: null,
      userId: null,
    });
  });

  it('filters by function, start time, invocation id and limit', async () => {
    const ids = async (query: Parameters<typeof queryInvocations>[1]) =>
      (await queryInvocations(pool, query)).map((r) => r.id);
    expect(await ids({ appId: app, functionName: 'a' })).toEqual([a3.id, a2.id, a1.id]);
    expect(await ids({ appId: app, functionName: 'a', since: a2.startedAt })).toEqual([a3.id, a2.id]);
    expect(await ids({ appId: app, invocationId: a1.id })).toEqual([a1.id]);
    expect(await ids({ appId: app, invocationId: other.id })).toEqual([]);
    expect(await ids({ appId: app, invocationId: 'not-a-uuid' })).toEqual([]);
    expect(await ids({ appId: app, limit: 2 })).toEqual([b1.id, a3.id]);
    expect(await ids({ appId: 'app_other' })).toEqual([other.id]);
    expect(await ids({ appId: 'app_none' })).toEqual([]);
  });

  it('keeps lines at or above the given level', async () => {
    const levelsOf = async (level: LogLevel) =>
      (await queryInvocations(pool, { appId: app, invocationId: a1.id, level }))[0]!.lines.map(
        (l) => l.level,
      );
    expect(await levelsOf('debug')).toEqual(['debug', 'info', 'warn', 'error']);
    expect(await levelsOf('info')).toEqual(['info', 'warn', 'error']);
    expect(await levelsOf('warn')).toEqual(['warn', 'error']);
    expect(await levelsOf('error')).toEqual(['error']);
  });

  it('reports an unreachable database as DATABASE_UNAVAILABLE', async () => {
    const down = createPool('postgres://postgres:postgres@127.0.0.1:1/postgres');
    try {
      await expect(queryInvocations(down, { appId: app })).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
      });
    } finally {
      await down.end();
    }
  });
});

describe('queryInvocations over batches', () => {
  const overlapApp = 'app_overlap';
  const at = (minute: number) =>
    record('f', minute, { appId: overlapApp, id: uuidV7(base + minute * 60_000) });
  // Host A flushed minutes 0–9, later 20–29; host B, meanwhile, 5.5–24.5 in one batch.
  const hostA1 = Array.from({ length: 10 }, (_, i) => at(i));
  const hostA2 = Array.from({ length: 10 }, (_, i) => at(20 + i));
  const hostB = Array.from({ length: 20 }, (_, i) => at(5.5 + i));
  // Same start, different batches: the id decides, as it did in one table.
  const tieLow = record('f', 40, { appId: overlapApp, id: '00000000-0000-4000-8000-000000000001' });
  const tieHigh = record('f', 40, { appId: overlapApp, id: 'ffffffff-0000-4000-8000-000000000001' });
  const all = [...hostA1, ...hostA2, ...hostB, tieLow, tieHigh];
  const newestFirst = [...all].sort(
    (x, y) => y.startedAt.getTime() - x.startedAt.getTime() || (x.id < y.id ? -1 : 1),
  );

  beforeAll(async () => {
    const hostA = createInvocationWriter(pool);
    const hostBWriter = createInvocationWriter(pool);
    for (const r of hostA1) hostA.recordInvocation(r);
    await hostA.flush();
    for (const r of hostB) hostBWriter.recordInvocation(r);
    await hostBWriter.flush();
    for (const r of hostA2) hostA.recordInvocation(r);
    hostA.recordInvocation(tieHigh);
    await hostA.flush();
    hostBWriter.recordInvocation(tieLow);
    await Promise.all([hostA.close(), hostBWriter.close()]);
  });

  it('orders records newest first across batches that overlap in time', async () => {
    for (const limit of [1, 2, 5, 12, 25, 42, 100]) {
      const result = await queryInvocations(pool, { appId: overlapApp, limit });
      expect(result.map((r) => r.id)).toEqual(newestFirst.slice(0, limit).map((r) => r.id));
    }
    const since = new Date(base + 8 * 60_000);
    const recent = await queryInvocations(pool, { appId: overlapApp, functionName: 'f', since, limit: 20 });
    expect(recent.map((r) => r.id)).toEqual(
      newestFirst
        .filter((r) => r.startedAt >= since)
        .slice(0, 20)
        .map((r) => r.id),
    );
  });

  it('finds a record by its UUIDv7 id, and only in its app', async () => {
    const wanted = hostB[7]!;
    expect(await queryInvocations(pool, { appId: overlapApp, invocationId: wanted.id })).toEqual([
      { ...wanted, lines: [] },
    ]);
    expect(await queryInvocations(pool, { appId: app, invocationId: wanted.id })).toEqual([]);
    expect(await queryInvocations(pool, { appId: overlapApp, invocationId: uuidV7(base) })).toEqual([]);
  });

  it('pages through more batches than one round trip reads', async () => {
    const manyApp = 'app_many_batches';
    const writer = createInvocationWriter(pool, { maxBatch: 1 });
    const many = Array.from({ length: 250 }, (_, i) =>
      record(i % 2 ? 'odd' : 'even', i, { appId: manyApp, id: uuidV7(base + i * 60_000) }),
    );
    for (const r of many) writer.recordInvocation(r);
    await writer.close();
    const ids = async (query: Partial<Parameters<typeof queryInvocations>[1]>) =>
      (await queryInvocations(pool, { appId: manyApp, ...query })).map((r) => r.id);
    const reversed = [...many].reverse();
    expect(await ids({ limit: 1000 })).toEqual(reversed.map((r) => r.id));
    expect(await ids({ functionName: 'even', limit: 1000 })).toEqual(
      reversed.filter((r) => r.functionName === 'even').map((r) => r.id),
    );
    expect(await ids({ limit: 3 })).toEqual(reversed.slice(0, 3).map((r) => r.id));
  });
});
