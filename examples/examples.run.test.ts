import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadManifests } from '../local/manifests/load-manifests.ts';
import { compileHandler } from '../runtime-image/src/compile/compile.ts';
import type { Handler } from '../runtime-image/src/compile/handler-export.ts';
import { loadHandlerModule } from '../runtime-image/src/compile/load.ts';
import { type Caller, createFunctionDb, createPool } from '../runtime-image/src/ctx/db.ts';
import { createIdempotency } from '../runtime-image/src/ctx/idempotency.ts';
import { migrate } from '../runtime-image/src/db/migrate.ts';
import { resolveDatabaseRoles } from '../runtime-image/src/db/roles.ts';
import { createTestDatabase, type TestDatabase } from '../runtime-image/src/db/test-database.ts';

/**
 * The examples' handlers, run for real: compiled and loaded as the runtime does, with
 * a `ctx` built from the runtime's own `ctx.db` and `ctx.idempotency` on a fresh
 * database that has the platform's migrations and then the demo App's. No HTTP host:
 * routing, auth and the sandbox are tested where they live; this checks the example
 * code and its SQL (RLS included) against real Postgres.
 */

const examplesDir = path.dirname(fileURLToPath(import.meta.url));
const roles = resolveDatabaseRoles();
const alice: Caller = { kind: 'user', userId: 'alice', claims: { sub: 'alice' } };
const bob: Caller = { kind: 'user', userId: 'bob', claims: { sub: 'bob' } };
const service: Caller = { kind: 'service' };
const anonymous: Caller = { kind: 'anonymous' };

let database: TestDatabase;
let admin: pg.Client;
let pool: pg.Pool;
const handlers = new Map<string, { handler: Handler; env: Record<string, string> }>();

beforeAll(async () => {
  const set = await loadManifests(examplesDir);
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_examples');
  await migrate(database.url);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  // What the platform does with spec.database.migrations: each script once, in order, as the owner.
  for (const sql of set.apps[0]?.resource.spec.database.migrations ?? []) await admin.query(sql);
  pool = createPool(database.url, { max: 4 });
  for (const fn of set.functions) {
    const { code } = await compileHandler(fn.resource.spec.code, {
      filename: `${fn.resource.metadata.name}.ts`,
    });
    handlers.set(fn.resource.metadata.name, {
      handler: await loadHandlerModule(code),
      env: fn.resource.spec.envVars,
    });
  }
});

afterAll(async () => {
  await pool?.end();
  await admin?.end();
  await database?.drop();
});

/** Calls a handler as the host would, and waits for its `ctx.waitUntil` work too. */
async function invoke(name: string, caller: Caller, request: Request, webhook?: unknown) {
  const fn = handlers.get(name);
  if (!fn) throw new Error(`no example named ${name}`);
  const background: Promise<unknown>[] = [];
  const ctx = {
    db: createFunctionDb(pool, caller, roles),
    env: fn.env,
    user: caller.kind === 'user' ? { id: caller.userId } : null,
    waitUntil: (promise: Promise<unknown>) => void background.push(promise),
    idempotency: createIdempotency(pool, roles),
    ...(webhook ? { webhook } : {}),
  };
  const response = await fn.handler(request, ctx);
  await Promise.all(background);
  return response;
}

const url = 'http://localhost/v1/demo/fn/example';
const post = (body: unknown) =>
  new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the examples, run against real Postgres', () => {
  it('hello answers {"hello":"world"}', async () => {
    const response = await invoke('hello', anonymous, new Request(url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('send-welcome-email accepts, then queues the mail in the background as the caller', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const response = await invoke('send-welcome-email', alice, post({ email: 'ada@example.com' }));
      expect(await response.json()).toEqual({ accepted: true });
      expect(log).toHaveBeenCalledWith('sending welcome email to ada@example.com from welcome@example.com');
    } finally {
      log.mockRestore();
    }
    const { rows } = await admin.query('SELECT requested_by, recipient, sender, template FROM outbox');
    expect(rows).toEqual([
      {
        requested_by: 'alice',
        recipient: 'ada@example.com',
        sender: 'welcome@example.com',
        template: 'welcome',
      },
    ]);
    expect((await invoke('send-welcome-email', alice, post({ nope: true }))).status).toBe(400);
  });

  it('github-webhook answers a verified event from ctx.webhook, and a ping with pong', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const payload = { action: 'opened', repository: { full_name: 'octo/hello' } };
      const event = { provider: 'github', id: 'd-1', type: 'issues', payload };
      const response = await invoke('github-webhook', { kind: 'service' }, post(payload), event);
      expect(await response.json()).toEqual({ received: 'issues', delivery: 'd-1' });
      expect(log).toHaveBeenCalledWith('github issues (opened) on octo/hello, delivery d-1');
      const ping = { provider: 'github', id: 'd-2', type: 'ping', payload: { zen: 'Keep it simple' } };
      expect(await (await invoke('github-webhook', { kind: 'service' }, post({}), ping)).text()).toBe('pong');
    } finally {
      log.mockRestore();
    }
  });

  it('stripe-webhook processes an event once and acks its retries as duplicates', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const event = { id: 'evt_123', type: 'charge.succeeded' };
      expect(await (await invoke('stripe-webhook', anonymous, post(event))).text()).toBe('ok');
      expect(await (await invoke('stripe-webhook', anonymous, post(event))).text()).toBe('duplicate');
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
    }
    const { rows } = await admin.query(
      "SELECT scope, expires_at > now() + interval '23 hours' AS day FROM _idempotency_keys WHERE key = 'evt_123'",
    );
    expect(rows).toEqual([{ scope: 'stripe', day: true }]);
    expect((await invoke('stripe-webhook', anonymous, post({}))).status).toBe(400);
  });

  it('todos: each user sees only their own, the service role sees all', async () => {
    const created = await invoke('todos', alice, post({ title: 'buy milk' }));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ title: 'buy milk', done: false });
    await invoke('todos', bob, post({ title: "bob's" }));

    const list = async (caller: Caller) =>
      (await (await invoke('todos', caller, new Request(url))).json()) as unknown[];
    expect(await list(alice)).toEqual([expect.objectContaining({ title: 'buy milk' })]);
    expect(await list(bob)).toEqual([expect.objectContaining({ title: "bob's" })]);
    expect(await list(service)).toHaveLength(2);

    expect((await invoke('todos', service, post({ title: 'ownerless' }))).status).toBe(403);
    expect((await invoke('todos', alice, post({ title: '  ' }))).status).toBe(400);
    expect((await invoke('todos', alice, new Request(url, { method: 'DELETE' }))).status).toBe(405);
    const { rows } = await admin.query('SELECT owner_id, title FROM todos ORDER BY id');
    expect(rows).toEqual([
      { owner_id: 'alice', title: 'buy milk' },
      { owner_id: 'bob', title: "bob's" },
    ]);
  });

  it("cleanup-idempotency runs the seed's DELETE as the service role", async () => {
    await admin.query(
      `INSERT INTO _idempotency_keys (scope, key, expires_at) VALUES
         ('test', 'expired-1', now() - interval '1 minute'),
         ('test', 'expired-2', now() - interval '1 day'),
         ('test', 'live', now() + interval '1 hour'),
         ('test', 'forever', NULL)`,
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const response = await invoke('cleanup-idempotency', service, new Request(url, { method: 'POST' }));
      expect(await response.json()).toEqual({ deleted: 2 });
      expect(log).toHaveBeenCalledWith('deleted 2 expired idempotency keys');
    } finally {
      log.mockRestore();
    }
    const { rows } = await admin.query("SELECT key FROM _idempotency_keys WHERE scope = 'test' ORDER BY key");
    expect(rows.map((row) => row.key)).toEqual(['forever', 'live']);
  });

  it('echo-socket echoes the message, prefixed', async () => {
    const response = await invoke(
      'echo-socket',
      anonymous,
      new Request(url, { method: 'POST', body: 'hi there' }),
    );
    expect(await response.text()).toBe('echo: hi there');
  });
});
