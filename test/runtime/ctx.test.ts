import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticatorRole } from '../../runtime-image/src/db/authenticator.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;

const CTX_HANDLER = `export async function handler(req, ctx) {
  return Response.json({
    envKeys: Object.keys(ctx.env),
    env: ctx.env,
    processEnvKeys: Object.keys(process.env),
    user: ctx.user,
  });
}`;

const NOTES_HANDLER = `export async function handler(req, ctx) {
  const { rows } = await ctx.db.query('SELECT owner_id, body FROM notes ORDER BY id');
  return Response.json({ user: ctx.user, rows });
}`;

// Tries to leave the caller's role from inside its own transaction.
const ESCAPE_HANDLER = `export async function handler(req, ctx) {
  const attempt = async (steps) => {
    try {
      return await ctx.db.transaction(async (tx) => {
        let last;
        for (const sql of steps) last = await tx.query(sql);
        return { ok: last.rows };
      });
    } catch (error) {
      return { code: error.code };
    }
  };
  const admin = new URL(req.url).searchParams.get('admin');
  return Response.json({
    reset: await attempt(['RESET ROLE', 'SELECT current_user AS role']),
    readAfterReset: await attempt(['RESET ROLE', 'SELECT count(*)::int AS n FROM notes']),
    setAdmin: await attempt(['SET ROLE "' + admin + '"', 'SELECT current_user AS role']),
  });
}`;

beforeAll(async () => {
  fx = await startHostFixture();
  await fx.pool.query(`
    CREATE TABLE notes (id serial PRIMARY KEY, owner_id text NOT NULL, body text NOT NULL);
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_notes ON notes USING (owner_id = butterbase.user_id());
    GRANT SELECT, INSERT ON notes TO butterbase_user, butterbase_service;
    GRANT USAGE ON SEQUENCE notes_id_seq TO butterbase_user, butterbase_service;
    INSERT INTO notes (owner_id, body) VALUES ('user-a', 'a1'), ('user-b', 'b1'), ('user-a', 'a2');
  `);
  await fx.deploy({
    name: 'ctx',
    code: CTX_HANDLER,
    envVars: { GREETING: 'hi', API_URL: 'https://example.test' },
  });
  await fx.deploy({ name: 'notes', code: NOTES_HANDLER });
  await fx.deploy({ name: 'escape', code: ESCAPE_HANDLER });
});
afterAll(async () => {
  await fx?.close();
});

async function call(name: string, authorization: string) {
  const res = await fetch(fx.fnUrl(name), {
    headers: { authorization },
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('ctx', () => {
  it('env is exactly envVars and process.env is empty', async () => {
    const body = await call('ctx', `Bearer ${fx.apiKey}`);
    expect([...(body.envKeys as string[])].sort()).toEqual(['API_URL', 'GREETING']);
    expect(body.env).toEqual({ GREETING: 'hi', API_URL: 'https://example.test' });
    expect(body.processEnvKeys).toEqual([]);
  });

  it('ctx.user is {id} with a JWT and null with the API key', async () => {
    const withJwt = await call('ctx', `Bearer ${await fx.token('user-a')}`);
    expect(withJwt.user).toEqual({ id: 'user-a' });
    const withKey = await call('ctx', `Bearer ${fx.apiKey}`);
    expect(withKey.user).toBeNull();
  });
});

describe('RLS through ctx.db', () => {
  it('a JWT user sees only their own rows', async () => {
    const a = await call('notes', `Bearer ${await fx.token('user-a')}`);
    expect(a.rows).toEqual([
      { owner_id: 'user-a', body: 'a1' },
      { owner_id: 'user-a', body: 'a2' },
    ]);
    const b = await call('notes', `Bearer ${await fx.token('user-b')}`);
    expect(b.rows).toEqual([{ owner_id: 'user-b', body: 'b1' }]);
    const nobody = await call('notes', `Bearer ${await fx.token('user-z')}`);
    expect(nobody.rows).toEqual([]);
  });

  it('the API key (service role) sees every row', async () => {
    const all = await call('notes', `Bearer ${fx.apiKey}`);
    expect(all.user).toBeNull();
    expect((all.rows as unknown[]).length).toBe(3);
  });

  it('a handler cannot leave its role for more privileges: RESET ROLE reaches a login that can read nothing', async () => {
    const { rows } = await fx.pool.query<{ admin: string }>('SELECT current_user AS admin');
    const res = await fetch(`${fx.fnUrl('escape')}?admin=${rows[0]!.admin}`, {
      headers: { authorization: `Bearer ${await fx.token('user-a')}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(await res.json()).toEqual({
      reset: { ok: [{ role: authenticatorRole(fx.dbUrl) }] },
      // 42501 insufficient_privilege
      readAfterReset: { code: '42501' },
      setAdmin: { code: '42501' },
    });
  });
});
