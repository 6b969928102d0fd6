/**
 * A warm pool process (runtime-image/src/pool/): the pod's entry started before its
 * function exists, given it later by a specialize request, then serving it as a pod
 * started with it mounted would: the app's database and JWT secret arrive in the
 * request, invocations are recorded, and bbfn_inflight_invocations counts a request
 * while it is in flight.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { compileHandler } from '../../runtime-image/src/compile/compile.ts';
import { migrate } from '../../runtime-image/src/db/migrate.ts';
import { createTestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
const APP_ID = 'warm';
const POOL_TOKEN = 'pool-token-never-to-be-seen-0123456789';
const JWT_SECRET = 'warm-jwt-secret-never-to-be-seen-0123456789';

const HANDLER = `let release;
const gate = new Promise((resolve) => { release = resolve; });
export async function handler(req, ctx) {
  const route = new URL(req.url).pathname.split('/').pop();
  console.log('route', route);
  if (route === 'hold') { await gate; return new Response('held'); }
  if (route === 'release') { release(); return new Response('released'); }
  const { rows } = await ctx.db.query('SELECT current_user AS role', []);
  return Response.json({ user: ctx.user, role: rows[0].role });
}`;

const FUNCTION = {
  name: 'late',
  appId: APP_ID,
  code: HANDLER,
  trigger: { type: 'http', config: { method: 'GET', auth: 'required' } },
  limits: { timeoutSeconds: 10, memoryMb: 128 },
};

/** The pool's URL from its `warm` line. */
function warmUrl(pod: PodProcess): Promise<string> {
  return waitFor('the warm line', 30_000, async () => {
    const line = pod.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('warm'));
    return typeof line?.url === 'string' ? line.url : undefined;
  });
}

function specialize(url: string, body: unknown, token = POOL_TOKEN): Promise<Response> {
  return fetch(`${url}/v1/specialize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** The value of one series in Prometheus text format, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('warm pool process', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let dir: string;
  let pod: PodProcess;
  let poolUrl: string;
  let bundle: string;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresUrl'), 'warm');
    await migrate(database.url);
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-warm-'));
    bundle = (await compileHandler(HANDLER, { filename: 'late.ts' })).code;
    pod = launchPod(POD_ENTRY, {
      BBFN_POOL_PORT: '0',
      BBFN_POOL_TOKEN: POOL_TOKEN,
      BBFN_SPOOL_DIR: path.join(dir, 'spool'),
      BBFN_WORKERS: '1',
    });
    poolUrl = await warmUrl(pod);
  }, 60_000);

  afterAll(async () => {
    await pod?.stop();
    await pool?.end();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('says it is warm, and refuses a request without the pool token or with settings that are not a function’s', async () => {
    expect(await (await fetch(`${poolUrl}/readyz`)).json()).toEqual({ status: 'warm' });
    const body = { function: FUNCTION, bundle, env: {} };
    const wrongToken = await specialize(poolUrl, body, 'not-the-pool-token-0123456789');
    expect(wrongToken.status).toBe(401);
    expect(await codeOf(wrongToken)).toBe('POOL_UNAUTHORIZED');
    const processSetting = await specialize(poolUrl, { ...body, env: { PORT: '9999' } });
    expect(processSetting.status).toBe(400);
    expect(await codeOf(processSetting)).toBe('VALIDATION_INVALID_REQUEST');
    const noBundle = await specialize(poolUrl, { function: FUNCTION, env: {} });
    expect(await codeOf(noBundle)).toBe('VALIDATION_INVALID_REQUEST');
  });

  it('becomes the function’s pod: the app’s settings from the request, records stored, its door refusing a second function', async () => {
    const response = await specialize(poolUrl, {
      function: FUNCTION,
      bundle,
      env: { DATABASE_URL: database.url, BBFN_JWT_SECRET: JWT_SECRET, BBFN_MIGRATE: 'false' },
    });
    expect(response.status).toBe(200);
    const served = (await response.json()) as { functionId: string; port: number; revision: string };
    expect(served.revision).toMatch(/^[0-9a-f]{12}$/);
    expect(served.functionId).toMatch(/^fn_/);
    const base = `http://127.0.0.1:${served.port}/v1/${APP_ID}/fn/late`;
    expect((await fetch(base)).status).toBe(401);
    const token = await signUserToken({ secret: JWT_SECRET, userId: 'alice' });
    const called = await fetch(base, { headers: { authorization: `Bearer ${token}` } });
    expect(await called.json()).toEqual({ user: { id: 'alice' }, role: 'butterbase_user' });
    const invocationId = called.headers.get(INVOCATION_ID_HEADER)!;
    const record = await waitFor('the invocation record', 10_000, async () => {
      const [found] = await queryInvocations(pool, { appId: APP_ID, invocationId });
      return found;
    });
    expect(record).toMatchObject({ functionName: 'late', outcome: 'ok', statusCode: 200 });
    // One function in its life; the port answers the readiness probe, now for the function.
    expect(await (await fetch(`${poolUrl}/readyz`)).json()).toEqual({ status: 'serving' });
    const again = await specialize(poolUrl, { function: FUNCTION, bundle, env: {} });
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe('POOL_ALREADY_SPECIALIZED');
  });

  it('counts a request in flight in bbfn_inflight_invocations while it is, and 0 once answered', async () => {
    const served = pod.lines.find((line) => line.msg === 'serving');
    const origin = String(served?.url);
    const headers = { authorization: `Bearer ${await signUserToken({ secret: JWT_SECRET, userId: 'bob' })}` };
    const series = `bbfn_inflight_invocations{app="${APP_ID}",function="late"}`;
    const inflight = async () => sample(await (await fetch(`${origin}/metrics`)).text(), series);
    expect(await inflight()).toBe(0);
    const held = fetch(`${origin}/v1/${APP_ID}/fn/late/hold`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    await waitFor('the held request to be counted', 10_000, async () => (await inflight()) === 1);
    const released = await fetch(`${origin}/v1/${APP_ID}/fn/late/release`, { headers });
    expect(await released.text()).toBe('released');
    expect(await (await held).text()).toBe('held');
    expect(await inflight()).toBe(0);
  });
});
