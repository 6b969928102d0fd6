import { createHmac } from 'node:crypto';
/**
 * A runtime pod as the image runs it (runtime-image/src/main.ts in its own process):
 * serving workers own the connections and run the handler in their own thread, the
 * main thread stores the records and stops a handler that blocks its thread or
 * outgrows the heap, and the pod keeps serving through all of it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { compileHandler } from '../../runtime-image/src/compile/compile.ts';
import { migrate } from '../../runtime-image/src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import type { InvocationWithLines } from '../../runtime-image/src/invocations/types.ts';
import { KILL_ATTEMPTS, KILL_ATTEMPTS_HANDLER } from '../support/kill-attempts.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';
import { exchangeMessages } from '../support/websocket.ts';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
const APP_ID = 'pod';
const POD_JWT_SECRET = 'pod-jwt-secret-never-to-be-seen-0123456789';
const POD_API_KEY = 'bb_sk_podkeynevertobeseen0123456789abcdef';

const HANDLER = `export async function handler(req, ctx) {
  const route = new URL(req.url).pathname.split('/').pop();
  console.log('route', route);
  if (route === 'slow') {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return new Response('slow done');
  }
  if (route === 'loop') { while (true) {} }
  if (route === 'bomb') { const kept = []; while (true) kept.push(new Array(100000).fill(route)); }
  if (route === 'exit') process.exit(3);
  if (route === 'buffers') {
    const held = [];
    for (let i = 0; i < 600; i++) held.push(Buffer.alloc(1 << 20, 1));
    return new Response(String(held.length));
  }
  if (route === 'secrets') {
    // A computed specifier gets past the deploy-time import policy; the loader hooks and
    // the permission model are what is left to refuse it.
    const fs = await import(['node', 'fs'].join(':')).catch((error) => ({ readFileSync: () => { throw error; } }));
    const found = {};
    const attempt = (name, read) => { try { found[name] = String(read()); } catch (error) { found[name] = 'refused: ' + (error.code ?? error.message); } };
    attempt('environ', () => fs.readFileSync('/proc/self/environ', 'latin1'));
    attempt('parentEnviron', () => fs.readFileSync('/proc/' + process.ppid + '/environ', 'latin1'));
    attempt('pid1Environ', () => fs.readFileSync('/proc/1/environ', 'latin1'));
    attempt('cmdline', () => fs.readFileSync('/proc/self/cmdline', 'latin1'));
    attempt('report', () => JSON.stringify(process.report.getReport()));
    attempt('env', () => JSON.stringify(process.env));
    attempt('execArgv', () => JSON.stringify(process.execArgv));
    return Response.json(found);
  }
  if (route === 'db') {
    const { rows } = await ctx.db.query('SELECT current_user AS role', []);
    return Response.json(rows[0]);
  }
  if (route === 'background') {
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 500)).then(() => console.log('background done')));
    return new Response(null, { status: 202 });
  }
  return Response.json({ hello: 'world' });
}`;

async function writeFunction(
  dir: string,
  name: string,
  code: string,
  trigger: object = { type: 'http', config: { method: 'GET', auth: 'none' } },
): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  const limits = { timeoutSeconds: 1, memoryMb: 64 };
  await writeFile(file, JSON.stringify({ name, appId: APP_ID, code, trigger, limits }));
  return file;
}

/** A process's resident memory, MiB, from /proc. */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

async function errorOf(response: Response): Promise<{ code: string; invocationId: string }> {
  return ((await response.json()) as { error: { code: string; invocationId: string } }).error;
}

/** The record of an invocation, once the pod has written it (records are written after the response). */
function stored(pool: pg.Pool, invocationId: string): Promise<InvocationWithLines> {
  return waitFor('the invocation record', 10_000, async () => {
    const [found] = await queryInvocations(pool, { appId: APP_ID, invocationId });
    return found;
  });
}

/** Runs `use` against a pod started with `env` once it serves; then stops it, and it must exit 0. */
async function whileServing(
  env: Record<string, string>,
  use: (origin: string, pod: PodProcess) => Promise<void>,
): Promise<void> {
  const pod = launchPod(POD_ENTRY, env);
  try {
    await use(await pod.serving, pod);
  } finally {
    expect(await pod.stop()).toBe(0);
  }
}

/**
 * For a describe block: a pod serving one function with one serving worker (so a test's
 * requests land beside each other), on a migrated test database of its own, with a pool
 * to read its records; all of it removed after the block.
 */
function podOnTestDatabase(name: string, code: string, env: Record<string, string> = {}) {
  const running = {} as { database: TestDatabase; pool: pg.Pool; pod: PodProcess; origin: string };
  let dir: string | undefined;
  beforeAll(async () => {
    running.database = await createTestDatabase(inject('postgresUrl'), `pod${name}`);
    await migrate(running.database.url);
    running.pool = new pg.Pool({ connectionString: running.database.url, max: 2 });
    dir = await mkdtemp(path.join(tmpdir(), `bbfn-pod-${name}-`));
    running.pod = launchPod(POD_ENTRY, {
      BBFN_FUNCTION_FILE: await writeFunction(dir, name, code),
      DATABASE_URL: running.database.url,
      BBFN_MIGRATE: 'false',
      BBFN_WORKERS: '1',
      ...env,
    });
    running.origin = await running.pod.serving;
  }, 60_000);
  afterAll(async () => {
    await running.pod?.stop();
    await running.pool?.end();
    await running.database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return running;
}

describe('runtime pod', () => {
  const probe = podOnTestDatabase('probe', HANDLER, {
    BBFN_JWT_SECRET: POD_JWT_SECRET,
    BBFN_API_KEYS: POD_API_KEY,
  });
  let base: string;
  beforeAll(() => {
    base = `${probe.origin}/v1/${APP_ID}/fn/probe`;
  });

  /** Waits until the worker a test made retire has ended, so its closed connections don't leak into the next test. */
  async function retired(count: number): Promise<void> {
    await waitFor(
      `${count} retired serving workers`,
      10_000,
      async () => probe.pod.lines.filter((line) => line.msg === 'serving worker retired').length >= count,
    );
  }

  it('serves the handler, records each invocation with its lines, and has health and metrics', async () => {
    const response = await fetch(`${base}/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'world' });
    const record = await stored(probe.pool, response.headers.get(INVOCATION_ID_HEADER)!);
    expect(record).toMatchObject({
      functionName: 'probe',
      outcome: 'ok',
      statusCode: 200,
      path: '/v1/pod/fn/probe/hello',
    });
    expect(record.lines.map((line) => line.message)).toEqual(['route hello']);

    const origin = new URL(base).origin;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(
      /bbfn_invocations_total\{app="pod",function="probe",trigger="http",outcome="ok"\} [1-9]/,
    );
  });

  it("keeps the database URL, the JWT secret and the API keys out of the handler's reach", async () => {
    const found = (await (await fetch(`${base}/secrets`)).json()) as Record<string, string>;
    const secrets = [probe.database.url, new URL(probe.database.url).password, POD_JWT_SECRET, POD_API_KEY];
    for (const [how, text] of Object.entries(found))
      for (const secret of secrets) expect(text, how).not.toContain(secret);
    // Refused outright, not merely empty.
    // The loader refuses the computed import of node:fs; behind it, the permission model would.
    expect(found.environ).toMatch(/^refused: (VALIDATION_UNSUPPORTED_IMPORT|ERR_ACCESS_DENIED)/);
    expect(found.pid1Environ).toMatch(/^refused/);
    // process.report is gone from the sandbox (builtin-guard.ts): it listed the environment.
    expect(found.report).toMatch(/^refused/);
  });

  it('gives ctx.db the caller role, never the admin', async () => {
    const response = await fetch(`${base}/db`);
    expect(await response.json()).toEqual({ role: 'butterbase_user' });
  });

  it('answers a handler that blocks its thread with a 504, serves the request that came while it blocked, and keeps serving', async () => {
    // The request beside it arrives while the thread is blocked: an invocation already in
    // flight there would be past the same 1 s limit by the time the thread is freed.
    const looping = fetch(`${base}/loop`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const slow = fetch(`${base}/slow`);
    const loop = await looping;
    expect(loop.status).toBe(504);
    const error = await errorOf(loop);
    expect(error.code).toBe('FUNCTION_TIMEOUT');
    const beside = await slow;
    expect(beside.status).toBe(200);
    expect(await beside.text()).toBe('slow done');
    // The blocked worker retires meanwhile: requests on the connections kept alive to it
    // are answered (http/connection-drain.ts; pod-handover.test.ts puts load across it).
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/again`)).status).toBe(200);
    expect(await stored(probe.pool, error.invocationId)).toMatchObject({
      outcome: 'timeout',
      statusCode: 504,
    });
    await retired(1);
  });

  it('fails an allocation bomb with FUNCTION_MEMORY_LIMIT and keeps serving', async () => {
    const bomb = await fetch(`${base}/bomb`);
    expect(bomb.status).toBe(500);
    const error = await errorOf(bomb);
    expect(error.code).toBe('FUNCTION_MEMORY_LIMIT');
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/again`)).status).toBe(200);
    expect(await stored(probe.pool, error.invocationId)).toMatchObject({ outcome: 'memory_limit' });
    await retired(2);
    const metrics = await (await fetch(`${new URL(base).origin}/metrics`)).text();
    expect(metrics).toContain('bbfn_sandbox_restarts_total{reason="blocked"} 1');
    expect(metrics).toContain('bbfn_sandbox_restarts_total{reason="memory"} 1');
    // Counted once each had ended, as the log line was: what a test outside the pod waits on.
    expect(metrics).toContain('bbfn_serving_workers_retired_total{reason="blocked"} 1');
    expect(metrics).toContain('bbfn_serving_workers_retired_total{reason="memory"} 1');
  }, 30_000);

  it('refuses process.exit() in the handler as an error of that invocation', async () => {
    const exit = await fetch(`${base}/exit`);
    expect(exit.status).toBe(500);
    expect((await errorOf(exit)).code).toBe('FUNCTION_PROCESS_EXIT');
    expect((await fetch(`${base}/again`)).status).toBe(200);
  });

  it('counts Buffers against the memory limit: 600 MB of them fail with FUNCTION_MEMORY_LIMIT, and the pod stays small', async () => {
    const retiredBefore = probe.pod.lines.filter((line) => line.msg === 'serving worker retired').length;
    const buffers = await fetch(`${base}/buffers`);
    expect(buffers.status).toBe(500);
    const error = await errorOf(buffers);
    expect(error.code).toBe('FUNCTION_MEMORY_LIMIT');
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/again`)).status).toBe(200);
    expect(await stored(probe.pool, error.invocationId)).toMatchObject({ outcome: 'memory_limit' });
    await retired(retiredBefore + 1);
    expect(residentMb(probe.pod.child.pid!)).toBeLessThan(400);
  });
});

const POISON_HANDLER = `export async function handler(req) {
  const route = new URL(req.url).pathname.split('/').pop();
  if (route === 'merge') {
    // What a naive deep merge of request JSON does with {"__proto__": {"set-cookie": …}}.
    const merge = (target, source) => {
      for (const key in source) {
        if (typeof source[key] === 'object') merge((target[key] ??= {}), source[key]);
        else target[key] = source[key];
      }
      return target;
    };
    merge({}, JSON.parse('{"__proto__": {"set-cookie": "session=stolen", "details": "leaked"}}'));
    return new Response('merged');
  }
  if (route === 'poison') {
    Object.prototype.toJSON = function () { return 'pwned'; };
    JSON.stringify = () => '"pwned"';
    JSON.parse = () => ({ pwned: true });
    return new Response('poisoned');
  }
  if (route === 'throw') throw new Error('boom');
  return new Response('plain', { headers: { 'content-type': 'text/plain' } });
}`;

describe('runtime pod whose handler poisons the realm it shares with the host', () => {
  const poisoned = podOnTestDatabase('poison', POISON_HANDLER);

  it("leaves the host's 404 and error bodies, /readyz, later responses' headers and the records as they were", async () => {
    const { origin } = poisoned;
    const fn = `${origin}/v1/${APP_ID}/fn/poison`;
    expect(await (await fetch(`${fn}/merge`)).text()).toBe('merged');

    // Read with node:http: its headers are what was sent, set-cookie included.
    const sent = await new Promise<IncomingHttpHeaders>((resolve, reject) =>
      httpGet(`${fn}/plain`, (res) => {
        res.resume();
        resolve(res.headers);
      }).on('error', reject),
    );
    expect(sent['content-type']).toBe('text/plain');
    expect(sent['set-cookie']).toBeUndefined();
    expect(sent.details).toBeUndefined();

    expect(await (await fetch(`${fn}/poison`)).text()).toBe('poisoned');

    const missing = await fetch(`${origin}/v1/${APP_ID}/fn/absent`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'RESOURCE_NOT_FOUND', message: 'No function is deployed at /v1/pod/fn/absent' },
    });

    const ready = await fetch(`${origin}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const threw = await fetch(`${fn}/throw`);
    expect(threw.status).toBe(500);
    const body = (await threw.json()) as { error: { code: string; message: string; invocationId: string } };
    expect(body).toEqual({
      error: {
        code: 'FUNCTION_THREW',
        message: 'The handler threw an error',
        invocationId: expect.any(String),
      },
    });
    const record = await stored(poisoned.pool, body.error.invocationId);
    expect(record).toMatchObject({
      functionName: 'poison',
      outcome: 'error',
      statusCode: 500,
      errorCode: 'FUNCTION_THREW',
      path: '/v1/pod/fn/poison/throw',
    });
    expect(record.errorMessage).toContain('boom');
  });
});

describe('runtime pod against calls that would end the process', () => {
  let dir: string;
  let pod: PodProcess;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-podkill-'));
    pod = launchPod(POD_ENTRY, {
      BBFN_FUNCTION_FILE: await writeFunction(dir, 'attempts', KILL_ATTEMPTS_HANDLER),
      BBFN_WORKERS: '1',
    });
    base = `${await pod.serving}/v1/${APP_ID}/fn/attempts`;
  }, 60_000);

  afterAll(async () => {
    await pod?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.entries(KILL_ATTEMPTS))(
    '%s fails only its invocation; the pod serves on',
    async (name, { refusal }) => {
      const res = await fetch(`${base}/${name}`);
      expect((await errorOf(res)).code).toBe(refusal);
      const again = await fetch(`${base}/none`);
      expect(await again.text()).toBe('alive');
      expect(pod.child.exitCode).toBeNull();
    },
  );
});

describe('runtime pod shutdown and start', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresUrl'), 'podstop');
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-podstop-'));
  });

  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes ctx.waitUntil work across SIGTERM and flushes its lines before exiting', async () => {
    const pod = launchPod(POD_ENTRY, {
      BBFN_FUNCTION_FILE: await writeFunction(dir, 'probe', HANDLER),
      DATABASE_URL: database.url,
    });
    const response = await fetch(`${await pod.serving}/v1/${APP_ID}/fn/probe/background`);
    expect(response.status).toBe(202);
    expect(await pod.stop()).toBe(0);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const [record] = await queryInvocations(pool, {
        appId: APP_ID,
        invocationId: response.headers.get(INVOCATION_ID_HEADER)!,
      });
      expect(record?.lines.map((line) => line.message)).toEqual(['route background', 'background done']);
    } finally {
      await pool.end();
    }
  });

  it('serves a websocket function: each message is an invocation answered on the socket', async () => {
    const code = `export async function handler(req, ctx) { return new Response('echo: ' + (await req.text())); }`;
    const trigger = { type: 'websocket', config: { auth: 'none' } };
    await whileServing(
      { BBFN_FUNCTION_FILE: await writeFunction(dir, 'echo', code, trigger) },
      async (origin) => {
        const url = `${origin.replace('http', 'ws')}/v1/${APP_ID}/fn/echo`;
        const replies = await exchangeMessages(url, ['one', 'two']);
        expect(replies).toEqual(['echo: one', 'echo: two']);
      },
    );
  });

  it('serves a webhook function: verified with the secret from its environment, deduped in the app database', async () => {
    const code = `export async function handler(req, ctx) { return Response.json(ctx.webhook); }`;
    const trigger = {
      type: 'webhook',
      config: { provider: 'github', secretRef: { name: 'hook', key: 'secret' } },
    };
    const env = {
      BBFN_FUNCTION_FILE: await writeFunction(dir, 'hook', code, trigger),
      BBFN_WEBHOOK_SECRET: 'pod-secret',
      DATABASE_URL: database.url,
    };
    await whileServing(env, async (origin) => {
      const url = `${origin}/v1/${APP_ID}/fn/hook`;
      const body = JSON.stringify({ zen: 'Design for failure.' });
      const send = (secret: string) =>
        fetch(url, {
          method: 'POST',
          headers: {
            'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
            'x-github-event': 'ping',
            'x-github-delivery': 'pod-delivery-1',
          },
          body,
        });
      const first = await send('pod-secret');
      expect(await first.json()).toMatchObject({ provider: 'github', id: 'pod-delivery-1', type: 'ping' });
      expect(await (await send('pod-secret')).text()).toBe('duplicate');
      const forged = await send('not-the-secret');
      expect(forged.status).toBe(401);
      const invocationId = forged.headers.get('x-bbfn-invocation-id')!;
      const readPool = new pg.Pool({ connectionString: database.url, max: 1 });
      const record = await stored(readPool, invocationId).finally(() => readPool.end());
      expect(record).toMatchObject({
        trigger: 'webhook',
        outcome: 'rejected',
        errorCode: 'WEBHOOK_SIGNATURE_INVALID',
      });
    });
  }, 60_000);

  it('holds websocket messages sent right after open until the JWT is verified, and answers all 20', async () => {
    const code = `export async function handler(req, ctx) { return new Response(ctx.user.id + ': ' + (await req.text())); }`;
    const secret = 'pod-websocket-secret-0123456789abcdef';
    const trigger = { type: 'websocket', config: { auth: 'required' } };
    const env = {
      BBFN_FUNCTION_FILE: await writeFunction(dir, 'echo', code, trigger),
      BBFN_JWT_SECRET: secret,
    };
    await whileServing(env, async (origin) => {
      const token = await signUserToken({ secret, userId: 'alice' });
      const url = `${origin.replace('http', 'ws')}/v1/${APP_ID}/fn/echo?access_token=${token}`;
      // The pod verifies its first token here, loading jose first: the messages arrive meanwhile.
      const messages = Array.from({ length: 20 }, (_, i) => `m${i}`);
      expect(await exchangeMessages(url, messages)).toEqual(messages.map((m) => `alice: ${m}`));
    });
  }, 60_000);

  it('exits with the compile error, line and column, for a handler that does not compile', async () => {
    const pod = launchPod(POD_ENTRY, {
      BBFN_FUNCTION_FILE: await writeFunction(
        dir,
        'broken',
        'export async function handler(req) {\n  return (;\n}',
      ),
    });
    await expect(pod.serving).rejects.toThrow(/exited with 1/);
    const fatal = pod.lines.find((line) => line.level === 60) as { err?: { message?: string } } | undefined;
    expect(fatal?.err?.message).toMatch(/broken\.ts:2:\d+/);
  });

  it('serves the bundle the operator compiled and mounted, without compiling the source', async () => {
    const bundle = await compileHandler(
      `export async function handler() { return new Response('from the bundle'); }`,
      { filename: 'mounted.ts' },
    );
    const bundleFile = path.join(dir, 'mounted.mjs');
    await writeFile(bundleFile, bundle.code);
    const env = {
      // The source does not even compile: the pod must not look at it.
      BBFN_FUNCTION_FILE: await writeFunction(dir, 'mounted', 'export async function handler( {'),
      BBFN_BUNDLE_FILE: bundleFile,
    };
    await whileServing(env, async (origin, pod) => {
      const res = await fetch(`${origin}/v1/${APP_ID}/fn/mounted`);
      expect(await res.text()).toBe('from the bundle');
      expect(pod.lines.find((line) => line.msg === 'serving')).toMatchObject({ revision: bundle.shortHash });
    });

    const missing = launchPod(POD_ENTRY, {
      BBFN_FUNCTION_FILE: await writeFunction(dir, 'mounted', 'export async function handler() {}'),
      BBFN_BUNDLE_FILE: path.join(dir, 'absent.mjs'),
    });
    await expect(missing.serving).rejects.toThrow(/exited with 1/);
    const fatal = missing.lines.find((line) => line.level === 60) as { msg?: string } | undefined;
    expect(fatal?.msg).toMatch(/Cannot read the compiled handler at .*absent\.mjs/);
  }, 60_000);
});
