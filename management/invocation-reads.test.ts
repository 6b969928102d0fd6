/**
 * get_logs over many invocations, on a real Postgres written by the real writer: every
 * filter goes into the SQL, so lines of invocations older than the newest thousand are
 * found, in order, with their invocation's record.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../runtime-image/src/db/migrate.ts';
import { createPool } from '../runtime-image/src/db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../runtime-image/src/db/test-database.ts';
import { testRecord } from '../runtime-image/src/invocations/test-record.ts';
import type { InvocationRecord, LogLineInput } from '../runtime-image/src/invocations/types.ts';
import { uuidV7 } from '../runtime-image/src/invocations/uuid-v7.ts';
import { createInvocationWriter } from '../runtime-image/src/invocations/writer.ts';
import { readLogs } from './invocation-reads.ts';
import type { LogsQuery } from './schemas.ts';

const APP = 'app_many';
const COUNT = 1500;
// One batch row per this many records, so the function's history spans many rows.
const PER_BATCH = 50;
const base = Date.parse('2030-01-01T00:00:00Z');
// A background line of the oldest invocation, ten minutes after it started.
const LATE_MS = 600_000;

let database: TestDatabase;
let pool: pg.Pool;
const ids: string[] = [];

function record(functionName: string, appId: string, startedAt: number, status = 200): InvocationRecord {
  return testRecord({
    id: uuidV7(startedAt),
    appId,
    functionName,
    functionId: `fn_${functionName}`,
    method: 'POST',
    statusCode: status,
    startedAt: new Date(startedAt),
  });
}

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_logs_many');
  await migrate(database.url);
  pool = createPool(database.url, { max: 2 });
  const writer = createInvocationWriter(pool);
  // "busy": invocation i starts at base + i s and prints "tick i"; every 100th also warns
  // "Needle i"; the oldest prints once more in the background, ten minutes later.
  for (let i = 0; i < COUNT; i++) {
    const startedAt = base + i * 1000;
    const r = record('busy', APP, startedAt, 200 + (i % 3));
    ids.push(r.id);
    writer.recordInvocation(r);
    const lines: LogLineInput[] = [
      { invocationId: r.id, seq: 0, at: startedAt + 5, level: 'info', message: `tick ${i}` },
    ];
    if (i % 100 === 0)
      lines.push({ invocationId: r.id, seq: 1, at: startedAt + 6, level: 'warn', message: `Needle ${i}` });
    if (i === 0)
      lines.push({
        invocationId: r.id,
        seq: 2,
        at: startedAt + LATE_MS,
        level: 'info',
        message: 'late background',
      });
    writer.appendLines(lines);
    if (i % PER_BATCH === PER_BATCH - 1) await writer.flush();
  }
  // Needles elsewhere: another function of the app, and the same function name in another app.
  for (const [fn, app] of [
    ['quiet', APP],
    ['busy', 'app_elsewhere'],
  ] as const) {
    const r = record(fn, app, base + 5_000);
    writer.recordInvocation(r);
    writer.appendLines([
      { invocationId: r.id, seq: 0, at: base + 5_005, level: 'warn', message: 'Needle elsewhere' },
    ]);
  }
  await writer.close();
  const { rows } = await pool.query(
    "SELECT count(*)::int AS n FROM butterbase.invocation_batches WHERE function_name = 'busy' AND app_id = $1",
    [APP],
  );
  expect(rows[0].n).toBe(COUNT / PER_BATCH);
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const logs = (query: Partial<LogsQuery>) => readLogs(pool, APP, 'busy', { limit: 100, ...query });
const messages = async (query: Partial<LogsQuery>) => (await logs(query)).lines.map((l) => l.message);
const needles = (from: number) =>
  Array.from({ length: from / 100 + 1 }, (_, k) => `Needle ${from - k * 100}`);

describe(`get_logs over ${COUNT} invocations`, () => {
  it('finds text in every invocation, not only the newest thousand (case-insensitive, this function only)', async () => {
    expect(await messages({ text: 'NEEDLE' })).toEqual(needles(1400));
    expect(await messages({ level: 'warn' })).toEqual(needles(1400));
    expect(await messages({ text: 'needle', limit: 3 })).toEqual([
      'Needle 1400',
      'Needle 1300',
      'Needle 1200',
    ]);
  });

  it('returns an old time window whole, newest first', async () => {
    const lines = await messages({
      since: new Date(base + 100_000).toISOString(),
      until: new Date(base + 200_010).toISOString(),
      limit: 1000,
    });
    const ticks = Array.from({ length: 101 }, (_, k) => `tick ${200 - k}`);
    expect(lines).toEqual(['Needle 200', ...ticks.slice(0, 100), 'Needle 100', 'tick 100']);
  });

  it("returns one old invocation's lines with its record", async () => {
    const { lines } = await logs({ invocation_id: ids[0]! });
    expect(lines.map((l) => l.message)).toEqual(['late background', 'Needle 0', 'tick 0']);
    expect(lines[0]).toMatchObject({
      invocation_id: ids[0],
      function_name: 'busy',
      started_at: new Date(base).toISOString(),
      time: new Date(base + LATE_MS).toISOString(),
      status: 200,
      outcome: 'ok',
      duration_ms: 1.5,
      error: null,
    });
    expect((await logs({ invocation_id: ids[0]!, level: 'warn' })).lines.map((l) => l.message)).toEqual([
      'Needle 0',
    ]);
    expect((await logs({ invocation_id: 'not-a-uuid' })).lines).toEqual([]);
  });

  it('puts a late background line of an old invocation in its place among the newest', async () => {
    const { lines } = await logs({ limit: 1000 });
    expect(lines).toHaveLength(1000);
    const times = lines.map((l) => Date.parse(l.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(lines[0]).toMatchObject({ message: 'tick 1499', status: 200 + (1499 % 3) });
    // Newer than it: ticks 600…1499 and Needles 600…1400.
    expect(lines.findIndex((l) => l.message === 'late background')).toBe(900 + 9);
  });
});
