import { randomUUID } from 'node:crypto';
import { appendFile, copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../../../local/postgres/embedded-postgres.ts';
import { migrate } from '../db/migrate.ts';
import { createLogPool } from '../db/pool.ts';
import { Spool } from './spool.ts';
import { testRecord } from './test-record.ts';
import type { InvocationRecord, LogLineInput } from './types.ts';
import { createInvocationWriter, type DroppedRows, type DropReason } from './writer.ts';

// A Postgres of this suite's own, so that it can be stopped and started again.
let root: string;
let port: number;
let postgres: RunningPostgres | null = null;
let url: string;

async function startPostgres(): Promise<void> {
  postgres = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg', 'data'), port, persistent: true });
  url = postgres.url;
}

async function stopPostgres(): Promise<void> {
  await postgres?.stop();
  postgres = null;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bbfn-spool-'));
  port = await freePort();
  await startPostgres();
  await migrate(url);
}, 60_000);

afterAll(async () => {
  await stopPostgres();
  await rm(root, { recursive: true, force: true });
});

function record(appId: string, functionName = 'fn'): InvocationRecord {
  return testRecord({ id: randomUUID(), appId, functionName, functionId: 'fn_abc', durationMs: 1 });
}

function linesOf(r: InvocationRecord, n: number): LogLineInput[] {
  return Array.from({ length: n }, (_, seq) => ({
    invocationId: r.id,
    seq,
    at: Date.now(),
    level: 'info' as const,
    message: `line ${seq}\ttab "quoted"`,
  }));
}

async function stored(pool: pg.Pool, appId: string): Promise<{ records: number; lines: number }> {
  const records = await pool.query(
    'SELECT count(*)::int AS n FROM butterbase.invocations WHERE app_id = $1',
    [appId],
  );
  const lines = await pool.query(
    `SELECT count(*)::int AS n FROM butterbase.invocation_logs
     WHERE invocation_id IN (SELECT id FROM butterbase.invocations WHERE app_id = $1)`,
    [appId],
  );
  return { records: records.rows[0].n, lines: lines.rows[0].n };
}

const spoolFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.spool'));

describe('the invocation spool', () => {
  it('keeps what was acknowledged while Postgres is down at shutdown, and the next start stores it once', async () => {
    const dir = path.join(root, 'spool-shutdown');
    const app = `app_${randomUUID().slice(0, 8)}`;
    const drops: [DropReason, DroppedRows][] = [];
    const down = createLogPool(url);
    const writer = createInvocationWriter(down, {
      spool: new Spool(dir),
      flushIntervalMs: 50,
      onDrop: (reason, rows) => drops.push([reason, rows]),
    });
    await stopPostgres();
    for (let i = 0; i < 1_000; i++) {
      const r = record(app, i % 2 ? 'a' : 'b');
      writer.recordInvocation(r);
      writer.appendLines(linesOf(r, 3));
      // Requests come over many turns of the event loop, as in a host.
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    await down.end().catch(() => {});
    expect(drops).toEqual([]);
    const files = await spoolFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    // Kept aside to replay a second time below.
    await copyFile(path.join(dir, files[0]!), path.join(root, 'again.spool'));

    await startPostgres();
    const pool = createLogPool(url);
    const replays: number[] = [];
    const next = createInvocationWriter(pool, {
      spool: new Spool(dir),
      flushIntervalMs: 20,
      onReplay: (result) => replays.push(result.records + result.lines),
    });
    await expect.poll(() => next.replayBacklog(), { timeout: 20_000 }).toBe(0);
    expect(await stored(pool, app)).toEqual({ records: 1_000, lines: 3_000 });
    expect(replays.reduce((a, b) => a + b, 0)).toBe(4_000);
    expect(await spoolFiles(dir)).toEqual([]);
    await next.close();

    // A file replayed again (a crash between storing it and deleting it) stores nothing twice.
    await copyFile(path.join(root, 'again.spool'), path.join(dir, '1-999999-1.spool'));
    const again = createInvocationWriter(pool, { spool: new Spool(dir), flushIntervalMs: 20 });
    await expect.poll(() => again.replayBacklog(), { timeout: 20_000 }).toBe(0);
    expect(await stored(pool, app)).toEqual({ records: 1_000, lines: 3_000 });
    await again.close();
    await pool.end();
  }, 60_000);

  it('spills past the memory cap while Postgres is down, and stores it all once Postgres is back', async () => {
    const dir = path.join(root, 'spool-spill');
    const app = `app_${randomUUID().slice(0, 8)}`;
    const drops: [DropReason, DroppedRows][] = [];
    const pool = createLogPool(url);
    const writer = createInvocationWriter(pool, {
      spool: new Spool(dir, { segmentAgeMs: 50 }),
      flushIntervalMs: 20,
      maxBuffered: 100,
      onDrop: (reason, rows) => drops.push([reason, rows]),
    });
    await stopPostgres();
    for (let i = 0; i < 500; i++) {
      const r = record(app);
      writer.recordInvocation(r);
      writer.appendLines(linesOf(r, 2));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(writer.stats().pending).toBeLessThanOrEqual(100);
    await startPostgres();
    await expect
      .poll(async () => (writer.stats().pending === 0 && writer.replayBacklog() === 0 ? 'done' : 'busy'), {
        timeout: 30_000,
      })
      .toBe('done');
    await writer.close();
    expect(drops).toEqual([]);
    const check = createLogPool(url);
    expect(await stored(check, app)).toEqual({ records: 500, lines: 1_000 });
    await check.end();
    await pool.end();
  }, 60_000);

  it('replays around an entry cut short by a crash mid-write, and counts it', async () => {
    const dir = path.join(root, 'spool-torn');
    const app = `app_${randomUUID().slice(0, 8)}`;
    const pool = createLogPool(url);
    const first = createInvocationWriter(pool, { spool: new Spool(dir), flushIntervalMs: 60_000 });
    const r = record(app);
    first.recordInvocation(r);
    first.appendLines(linesOf(r, 2));
    await new Promise((resolve) => setImmediate(resolve));
    const [file] = await spoolFiles(dir);
    // What a SIGKILL in the middle of a write would leave: no close, a torn last entry.
    await appendFile(path.join(dir, file!), 'L\t[["');
    const drops: [DropReason, DroppedRows][] = [];
    const next = createInvocationWriter(pool, {
      spool: new Spool(dir),
      flushIntervalMs: 20,
      onDrop: (reason, rows) => drops.push([reason, rows]),
    });
    await expect.poll(() => next.replayBacklog(), { timeout: 10_000 }).toBe(0);
    expect(drops).toEqual([['spool_corrupt', { records: 0, lines: 1 }]]);
    expect(await stored(pool, app)).toEqual({ records: 1, lines: 2 });
    await next.close();
    // The first writer's rows were stored by the replay; its own write conflicts, adding nothing.
    await first.close();
    expect(await stored(pool, app)).toEqual({ records: 1, lines: 2 });
    await pool.end();
  }, 30_000);
});
