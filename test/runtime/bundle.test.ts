/**
 * The bundled runtime (what the image runs) serves like the source does: it migrates
 * a fresh database, finds its worker bundle, compiles the handler, reaches Postgres
 * through ctx.db and records the invocation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildRuntime } from '../../runtime-image/build.ts';
import { createTestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
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
  let child: ChildProcess | undefined;
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
    child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        BBFN_LISTEN_ADDRESS: '127.0.0.1',
        BBFN_FUNCTION_FILE: file,
        DATABASE_URL: database.url,
        // As an image runs it; the sandbox thread gets this one variable to boot with, then drops it.
        NODE_COMPILE_CACHE: path.join(dir, 'compile-cache'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the bundle did not start in 20 s')), 20_000);
      child!.once('exit', (code) => reject(new Error(`the bundle exited with ${code}`)));
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'serving' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      });
    });
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
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
