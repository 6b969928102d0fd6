import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPostgres, startEmbeddedPostgres } from '../../../local/postgres/embedded-postgres.ts';
import { migrate } from '../db/migrate.ts';
import { DEFAULT_DATABASE_ROLES } from '../db/roles.ts';
import { queryInvocations } from '../invocations/query.ts';
import { testRecord } from '../invocations/test-record.ts';
import { createInvocationWriter } from '../invocations/writer.ts';
import { createFunctionDb, createPool } from './db.ts';
import { createIdempotency } from './idempotency.ts';

// A Postgres server of its own, stopped and started again on the same port and data
// directory: the pools must report the outage as 503 and recover by themselves.
let root: string;
let dataDir: string;
let server: RunningPostgres | undefined;
let pool: pg.Pool;
const poolErrors: Error[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bbfn-recovery-'));
  dataDir = path.join(root, 'data');
  server = await startEmbeddedPostgres({ dataDir, persistent: true });
  await migrate(server.url);
  pool = createPool(server.url, {
    max: 3,
    connectionTimeoutMillis: 2_000,
    onError: (e) => poolErrors.push(e),
  });
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('when the database goes away and comes back', () => {
  it('fails with DATABASE_UNAVAILABLE while down and serves again once it is back', {
    timeout: 90_000,
  }, async () => {
    const roles = DEFAULT_DATABASE_ROLES;
    const db = createFunctionDb(pool, { kind: 'service' }, roles);
    const idempotency = createIdempotency(pool, roles);
    const writer = createInvocationWriter(pool, { flushIntervalMs: 50 });

    // Warm the pool so idle connections exist when the server stops.
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 1'), idempotency.claim('before')]);
    expect(pool.totalCount).toBeGreaterThan(0);

    const port = server!.port;
    await server!.stop();
    server = undefined;

    const unavailable = { code: 'DATABASE_UNAVAILABLE', status: 503 };
    await expect(db.query('SELECT 1')).rejects.toMatchObject(unavailable);
    await expect(db.transaction((tx) => tx.query('SELECT 1'))).rejects.toMatchObject(unavailable);
    await expect(idempotency.claim('during')).rejects.toMatchObject(unavailable);
    const id = randomUUID();
    writer.recordInvocation(
      testRecord({
        id,
        appId: 'app_recovery',
        functionName: 'f',
        functionId: 'fn_f',
        trigger: 'cron',
        method: null,
        path: null,
        statusCode: null,
        durationMs: 3,
      }),
    );
    writer.appendLines([
      { invocationId: id, seq: 0, at: Date.now(), level: 'info', message: 'kept while down' },
    ]);
    await expect(writer.flush()).rejects.toMatchObject(unavailable);
    expect(writer.stats()).toMatchObject({ pending: 2, written: 0 });

    server = await startEmbeddedPostgres({ dataDir, port, persistent: true });

    // No query fails once the server is back: connections that died with the old
    // server were dropped, a stale one is replaced before any SQL of the caller runs.
    expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    expect(await idempotency.claim('after')).toBe(true);
    expect(await idempotency.claim('before')).toBe(false);
    await expect.poll(() => writer.stats().pending, { timeout: 10_000 }).toBe(0);
    await writer.close();
    const [stored] = await queryInvocations(pool, { appId: 'app_recovery' });
    expect(stored?.lines.map((l) => l.message)).toEqual(['kept while down']);
  });
});
