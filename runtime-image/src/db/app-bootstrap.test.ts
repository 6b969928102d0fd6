/**
 * An App's database as the operator and `npm start` bootstrap it, on the real test
 * Postgres: App migrations run once each, in order; a refused one is named by index
 * with Postgres's message and stops the rest; and two apps on one server each get a
 * login that reaches only their own database.
 */
import type pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bootstrapAppDatabase } from './app-bootstrap.ts';
import { failedMigrationOf } from './app-migrations.ts';
import { authenticatorRole, authenticatorUrl } from './authenticator.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { withClient } from './with-client.ts';

const serverUrl = inject('postgresUrl');
const databases: TestDatabase[] = [];

async function fresh(): Promise<TestDatabase> {
  const db = await createTestDatabase(serverUrl, 'bbfn_app');
  databases.push(db);
  return db;
}

async function rows<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  return await withClient(url, async (client) => (await client.query<R>(text)).rows);
}

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

const COUNTER = 'CREATE TABLE counter (n int); INSERT INTO counter VALUES (1)';
const BUMP = 'UPDATE counter SET n = n + 1';

describe('bootstrapAppDatabase', () => {
  it('runs each App migration once, in order, and only the new ones later', async () => {
    const db = await fresh();
    const first = await bootstrapAppDatabase(db.url, { migrations: [COUNTER, BUMP] });
    expect(first.bootstrapped).toContain('V006__app_migrations');
    expect(first.migrations).toEqual({ applied: 2, ranNow: [0, 1] });
    const again = await bootstrapAppDatabase(db.url, { migrations: [COUNTER, BUMP] });
    expect(again).toEqual({ bootstrapped: [], migrations: { applied: 2, ranNow: [] } });
    const more = await bootstrapAppDatabase(db.url, { migrations: [COUNTER, BUMP, BUMP] });
    expect(more.migrations).toEqual({ applied: 3, ranNow: [2] });
    expect(await rows(db.url, 'SELECT n FROM counter')).toEqual([{ n: 3 }]);
  });

  it('names a refused migration by index with the Postgres message, and runs none after it', async () => {
    const db = await fresh();
    const error = await bootstrapAppDatabase(db.url, {
      migrations: [COUNTER, 'SELECT * FROM no_such_table', BUMP],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_MIGRATION_FAILED' });
    expect(failedMigrationOf(error)).toEqual({
      index: 1,
      message: 'relation "no_such_table" does not exist',
      applied: 1,
    });
    expect(await rows(db.url, 'SELECT n FROM counter')).toEqual([{ n: 1 }]);
    const fixed = await bootstrapAppDatabase(db.url, { migrations: [COUNTER, 'SELECT 1', BUMP] });
    expect(fixed.migrations).toEqual({ applied: 3, ranNow: [1, 2] });
  });

  it('reports an unreachable server as DATABASE_UNAVAILABLE', async () => {
    const error = await bootstrapAppDatabase('postgres://postgres:postgres@127.0.0.1:1/app', {
      connectionTimeoutMillis: 2_000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
  });

  it("gives two apps on one server logins that cannot reach each other's database", async () => {
    const [a, b] = [await fresh(), await fresh()];
    const secret = 'CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ($$only mine$$)';
    await bootstrapAppDatabase(a.url, { migrations: [secret] });
    await bootstrapAppDatabase(b.url, { migrations: [secret] });
    expect(authenticatorRole(a.url)).not.toBe(authenticatorRole(b.url));
    for (const [own, other] of [
      [a, b],
      [b, a],
    ] as const) {
      // Its own database: the login connects and, as the service role, reads the rows.
      const mine = await withClient(authenticatorUrl(own.url), async (client) => {
        await client.query('BEGIN');
        await client.query('SET LOCAL ROLE butterbase_service');
        return (await client.query('SELECT v FROM secrets')).rows;
      });
      expect(mine).toEqual([{ v: 'only mine' }]);
      // The same login pointed at the other app's database is refused at the door.
      const crossing = new URL(authenticatorUrl(own.url));
      crossing.pathname = `/${other.name}`;
      const refused = await withClient(crossing.toString(), async () => 'connected').catch(
        (e: { code?: string }) => e.code,
      );
      expect(refused).toBe('42501'); // insufficient_privilege: permission denied for database
    }
    const [grants] = await rows<{ public_connect: boolean }>(
      a.url,
      "SELECT has_database_privilege('public', current_database(), 'CONNECT') AS public_connect",
    );
    expect(grants).toEqual({ public_connect: false });
  });
});
