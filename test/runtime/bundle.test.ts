/**
 * The bundled runtime (what the image runs) serves like the source does: it migrates
 * a fresh database, finds its worker bundle, compiles the handler, reaches Postgres
 * through ctx.db and records the invocation.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildRuntime } from '../../runtime-image/build.ts';
import { createTestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';

// Inside the repository, so the bundle resolves its one external package (esbuild).
const OUTDIR = path.join(import.meta.dirname, '../../runtime-image/.dist-test');

const HANDLER = `export async function handler(req, ctx) {
  const { rows } = await ctx.db.query('SELECT 41 + $1::int AS answer', [1]);
  console.log('answered', rows[0].answer);
  return Response.json({ answer: rows[0].answer, method: req.method, envKeys: Object.keys(process.env) });
}`;

describe('bundled runtime', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let pod: PodProcess | undefined;
  let url: string;
  let runOnceEntry: string;

  beforeAll(async () => {
    // Not migrated here: the bundle migrates it on start, as a pod does.
    database = await createTestDatabase(inject('postgresUrl'), 'bundle');
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-bundle-'));
    const file = path.join(dir, 'answer.json');
    const trigger = { type: 'http', config: { method: 'ANY', auth: 'none' } };
    await writeFile(file, JSON.stringify({ name: 'answer', appId: 'bundle', code: HANDLER, trigger }));
    const bundle = await buildRuntime(OUTDIR);
    runOnceEntry = bundle.runOnce;
    const { main } = bundle;
    pod = launchPod(
      main,
      {
        BBFN_FUNCTION_FILE: file,
        DATABASE_URL: database.url,
        // As an image runs it; the worker thread gets this one variable to boot with, then drops it.
        NODE_COMPILE_CACHE: path.join(dir, 'compile-cache'),
      },
      20_000,
    );
    url = await pod.serving;
  }, 60_000);

  afterAll(async () => {
    await pod?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
    await rm(OUTDIR, { recursive: true, force: true });
  });

  it('serves a handler that queries Postgres with an empty process.env, and records the invocation', async () => {
    const res = await fetch(`${url}/v1/bundle/fn/answer`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ answer: 42, method: 'POST', envKeys: [] });
    const id = res.headers.get(INVOCATION_ID_HEADER);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const stored = await waitFor('the invocation record', 5_000, async () => {
        const { rows } = await pool.query(
          `SELECT i.outcome, l.message FROM butterbase.invocations i
           JOIN butterbase.invocation_logs l ON l.invocation_id = i.id WHERE i.id = $1`,
          [id],
        );
        return rows.length > 0 ? rows : undefined;
      });
      expect(stored).toEqual([{ outcome: 'ok', message: 'answered 42' }]);
    } finally {
      await pool.end();
    }
  });

  it('runs a cron function once through the CronJob entry, as the service role', async () => {
    const file = path.join(dir, 'tick.json');
    const code = `export async function handler(req, ctx) {
      const { rows } = await ctx.db.query('SELECT current_user AS role', []);
      console.log('ran as', rows[0].role, ctx.user);
      return new Response('done');
    }`;
    const trigger = { type: 'cron', config: { schedule: '*/5 * * * *' } };
    await writeFile(file, JSON.stringify({ name: 'tick', appId: 'bundle', code, trigger }));
    const exitCode = await new Promise<number | null>((resolve) => {
      const run = spawn(process.execPath, [runOnceEntry], {
        env: { PATH: process.env.PATH ?? '', BBFN_FUNCTION_FILE: file, DATABASE_URL: database.url },
        stdio: 'ignore',
      });
      run.once('exit', resolve);
    });
    expect(exitCode).toBe(0);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const { rows } = await pool.query(
        `SELECT i.trigger, i.outcome, l.message FROM butterbase.invocations i
         JOIN butterbase.invocation_logs l ON l.invocation_id = i.id WHERE i.function_name = 'tick'`,
      );
      expect(rows).toEqual([{ trigger: 'cron', outcome: 'ok', message: 'ran as butterbase_service null' }]);
    } finally {
      await pool.end();
    }
  });
});
