import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authenticatorRole, authenticatorUrl } from './authenticator.ts';
import { migrate } from './migrate.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { withClient } from './with-client.ts';

const serverUrl = inject('postgresUrl');
/** Every migration, in the order they are applied: versioned first, then repeatable. */
const ALL_MIGRATIONS = [
  'V001__idempotency_keys',
  'V002__invocations',
  'V003__auth_helpers',
  'V004__invocation_batches',
  'V005__invocation_batch_layout',
  'V006__app_migrations',
  'R__roles_and_grants',
];
const databases: TestDatabase[] = [];
const extraRoles: string[] = [];

async function fresh(): Promise<TestDatabase> {
  const db = await createTestDatabase(serverUrl, 'bbfn_migrate');
  databases.push(db);
  return db;
}

async function sql<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  return await withClient(url, async (client) => (await client.query<R>(text, params)).rows);
}

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  for (const role of extraRoles) await sql(serverUrl, `DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
});

describe('migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await fresh();
  });

  it('applies every migration once, then is a no-op', async () => {
    const first = await migrate(db.url);
    expect(first.applied).toEqual(ALL_MIGRATIONS);
    const recorded = await sql<{ version: string }>(
      db.url,
      'SELECT version FROM butterbase.schema_migrations',
    );
    expect(recorded).toHaveLength(7);
    expect((await migrate(db.url)).applied).toEqual([]);
    const after = await sql<{ applied_at: Date }>(
      db.url,
      'SELECT applied_at FROM butterbase.schema_migrations',
    );
    expect(after).toHaveLength(7);
  });

  it('creates the function roles with the attributes RLS relies on', async () => {
    const roles = await sql<{ rolname: string; rolcanlogin: boolean; rolbypassrls: boolean }>(
      db.url,
      `SELECT rolname, rolcanlogin, rolbypassrls FROM pg_roles
       WHERE rolname IN ('butterbase_user', 'butterbase_service') ORDER BY rolname`,
    );
    expect(roles).toEqual([
      { rolname: 'butterbase_service', rolcanlogin: false, rolbypassrls: true },
      { rolname: 'butterbase_user', rolcanlogin: false, rolbypassrls: false },
    ]);
    const [membership] = await sql<{ user_member: boolean; service_member: boolean }>(
      db.url,
      `SELECT pg_has_role(current_user, 'butterbase_user', 'MEMBER') AS user_member,
              pg_has_role(current_user, 'butterbase_service', 'MEMBER') AS service_member`,
    );
    expect(membership).toEqual({ user_member: true, service_member: true });
  });

  it('creates the sandbox login: member of both roles, nothing of its own, password from the admin', async () => {
    const [login] = await sql<Record<string, boolean>>(
      db.url,
      `SELECT rolcanlogin, rolinherit, rolsuper, rolbypassrls,
              pg_has_role(rolname, 'butterbase_user', 'MEMBER') AS user_member,
              pg_has_role(rolname, 'butterbase_service', 'MEMBER') AS service_member
       FROM pg_roles WHERE rolname = '${authenticatorRole(db.url)}'`,
    );
    expect(login).toEqual({
      rolcanlogin: true,
      rolinherit: false,
      rolsuper: false,
      rolbypassrls: false,
      user_member: true,
      service_member: true,
    });
    const [session] = await sql<{ role: string }>(authenticatorUrl(db.url), 'SELECT current_user AS role');
    expect(session).toEqual({ role: authenticatorRole(db.url) });
    expect(authenticatorRole(db.url)).toMatch(/^butterbase_authenticator_[0-9a-f]{16}$/);
  });

  it('keeps the platform tables away from the function roles and PUBLIC', async () => {
    const rows = await sql<{ role: string; readable: boolean }>(
      db.url,
      `SELECT r AS role, has_table_privilege(r, t, 'SELECT') AS readable
       FROM unnest(ARRAY['butterbase_user', 'butterbase_service', 'public']) AS r,
            unnest(ARRAY['butterbase.invocations', 'butterbase.invocation_batches', 'butterbase.invocation_logs']) AS t`,
    );
    expect(rows).toHaveLength(9);
    expect(rows.every((row) => !row.readable)).toBe(true);
    const error = await sql(
      db.url,
      `BEGIN; SET LOCAL ROLE butterbase_user; SELECT * FROM butterbase.invocations; COMMIT;`,
    ).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('42501');
  });

  it('grants the roles the app tables, present and future, and the helper functions', async () => {
    await sql(db.url, 'CREATE TABLE public.later_table (id serial PRIMARY KEY, note text)');
    const [row] = await sql<Record<string, boolean>>(
      db.url,
      `SELECT has_table_privilege('butterbase_user', 'public.later_table', 'SELECT, INSERT, UPDATE, DELETE') AS user_dml,
              has_table_privilege('butterbase_service', 'public._idempotency_keys', 'SELECT, INSERT, UPDATE, DELETE') AS service_keys,
              has_sequence_privilege('butterbase_user', 'public.later_table_id_seq', 'USAGE') AS user_seq,
              has_function_privilege('butterbase_user', 'butterbase.user_id()', 'EXECUTE') AS user_fn`,
    );
    expect(row).toEqual({ user_dml: true, service_keys: true, user_seq: true, user_fn: true });
  });

  it('reads the JWT sub through butterbase.user_id(), null when unset or empty', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const read = async (claims: string | null) => {
      if (claims !== null) await client.query(`SELECT set_config('request.jwt.claims', $1, false)`, [claims]);
      return (await client.query('SELECT butterbase.user_id() AS id, butterbase.claims() AS claims')).rows[0];
    };
    try {
      expect(await read(null)).toEqual({ id: null, claims: {} });
      expect(await read('')).toEqual({ id: null, claims: {} });
      expect(await read('{"sub":""}')).toEqual({ id: null, claims: { sub: '' } });
      expect(await read('{"sub":"user-1","role":"x"}')).toEqual({
        id: 'user-1',
        claims: { sub: 'user-1', role: 'x' },
      });
    } finally {
      await client.end();
    }
  });

  it('lets three pods migrate one fresh database at once', async () => {
    const target = await fresh();
    const results = await Promise.all([migrate(target.url), migrate(target.url), migrate(target.url)]);
    const applied = results.flatMap((result) => result.applied).sort();
    expect(applied).toEqual([...ALL_MIGRATIONS].sort());
  });

  it('creates configured role names, racing across databases of one cluster', async () => {
    const suffix = randomBytes(4).toString('hex');
    const roles = { user: `app_user_${suffix}`, service: `app_service_${suffix}` };
    extraRoles.push(roles.user, roles.service);
    const targets = await Promise.all([fresh(), fresh(), fresh()]);
    await Promise.all(targets.map((target) => migrate(target.url, { roles })));
    const [row] = await sql<Record<string, boolean>>(
      targets[0]!.url,
      `SELECT has_table_privilege($1, 'public._idempotency_keys', 'INSERT') AS user_ok,
              (SELECT rolbypassrls FROM pg_roles WHERE rolname = $2) AS service_bypass`,
      [roles.user, roles.service],
    );
    expect(row).toEqual({ user_ok: true, service_bypass: true });
    // Changing the role names later re-runs only the repeatable grants.
    const again = await migrate(targets[0]!.url);
    expect(again.applied).toEqual(['R__roles_and_grants']);
    // The roles hold privileges in these databases: drop them before the roles.
    await Promise.all(targets.map((target) => target.drop()));
  });

  it('gives each app database its own sandbox login, so apps sharing a cluster keep theirs working', async () => {
    const suffix = randomBytes(4).toString('hex');
    const owner = `owner_${suffix}`;
    const database = `bbfn_owned_${suffix}`;
    // A non-superuser owner (as on RDS or CloudNativePG; BYPASSRLS to make the service
    // role) needs role names of its own.
    const roles = { user: `u_${suffix}`, service: `s_${suffix}` };
    await sql(serverUrl, `CREATE ROLE ${owner} LOGIN CREATEROLE BYPASSRLS PASSWORD 'owner-password'`);
    await sql(serverUrl, `CREATE DATABASE ${database} OWNER ${owner}`);
    const ownerUrl = new URL(serverUrl);
    ownerUrl.username = owner;
    ownerUrl.password = 'owner-password';
    ownerUrl.pathname = `/${database}`;
    try {
      await migrate(ownerUrl.toString(), { roles });
      expect(authenticatorRole(ownerUrl.toString())).not.toBe(authenticatorRole(db.url));
      // Each migration sets its own login's password; neither undoes the other's.
      await migrate(db.url);
      for (const url of [ownerUrl.toString(), db.url]) {
        const [session] = await sql<{ role: string }>(authenticatorUrl(url), 'SELECT current_user AS role');
        expect(session).toEqual({ role: authenticatorRole(url) });
      }
    } finally {
      await sql(serverUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      for (const role of [authenticatorRole(ownerUrl.toString()), roles.user, roles.service, owner])
        await sql(serverUrl, `DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    }
  });

  it('reports an unreachable server as DATABASE_UNAVAILABLE', async () => {
    const error = await migrate('postgres://postgres:postgres@127.0.0.1:1/postgres').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
  });

  it('rejects role names that are not plain identifiers', async () => {
    await expect(migrate(db.url, { roles: { user: 'bad"name' } })).rejects.toThrow(/must match/);
  });
});
