import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../runtime-image/src/db/migrate.ts';
import { createTestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';

const run = promisify(execFile);

const CLEANUP = `export async function handler(req, ctx) {
  const { rowCount } = await ctx.db.query('DELETE FROM _idempotency_keys WHERE expires_at < now()', []);
  console.log('deleted', rowCount, 'user', ctx.user);
  ctx.waitUntil(new Promise((r) => setTimeout(r, 200)).then(() => console.log('background done')));
  return new Response('ok');
}`;

describe('bbfn run-once (what a CronJob pod runs)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresUrl'), 'runonce');
    await migrate(database.url);
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-run-once-'));
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function runOnce(name: string, code: string) {
    const file = path.join(dir, `${name}.json`);
    const trigger = { type: 'cron', config: { schedule: '*/5 * * * *' } };
    await writeFile(file, JSON.stringify({ name, appId: 'demo', code, trigger }));
    const env = { ...process.env, BBFN_FUNCTION_FILE: file, DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    return await run(process.execPath, ['bin/bbfn.ts', 'run-once'], { env, timeout: 60_000 }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? -1,
    );
  }

  it('runs the handler once as the service role, waits for background work, stores the logs', async () => {
    await pool.query(
      `INSERT INTO _idempotency_keys (scope, key, expires_at) VALUES ('s', 'old', now() - interval '1 hour'), ('s', 'new', now() + interval '1 hour')`,
    );
    expect(await runOnce('cleanup', CLEANUP)).toBe(0);
    const left = await pool.query('SELECT key FROM _idempotency_keys');
    expect(left.rows.map((r) => r.key)).toEqual(['new']);
    const [invocation] = await queryInvocations(pool, { appId: 'demo', functionName: 'cleanup' });
    expect(invocation).toMatchObject({ trigger: 'cron', outcome: 'ok', statusCode: 200, userId: null });
    expect(invocation?.lines.map((l) => l.message)).toEqual(['deleted 1 user null', 'background done']);
  }, 60_000);

  it('exits non-zero when the handler fails', async () => {
    expect(await runOnce('broken', 'export async function handler() { throw new Error("nope"); }')).toBe(1);
    const [invocation] = await queryInvocations(pool, { appId: 'demo', functionName: 'broken' });
    expect(invocation).toMatchObject({ trigger: 'cron', outcome: 'error', errorCode: 'FUNCTION_THREW' });
  }, 60_000);
});
