import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { DEFAULT_DATABASE_ROLES } from '../db/roles.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { type Caller, createFunctionDb, createPool } from './db.ts';

/**
 * ctx.db.query sends its settings and statement before one Sync (role-statement.ts).
 * These tests hold that to what the explicit BEGIN … COMMIT gave: the role and claims
 * apply, a failure rolls back everything, and the connection is clean afterwards.
 * Pools of one connection, so the next caller gets the very same connection.
 */
const roles = DEFAULT_DATABASE_ROLES;
const alice: Caller = { kind: 'user', userId: 'alice', claims: { sub: 'alice' } };
const bob: Caller = { kind: 'user', userId: 'bob', claims: { sub: 'bob' } };
const service: Caller = { kind: 'service' };

let database: TestDatabase;
let admin: pg.Pool;
const pools: pg.Pool[] = [];

function singleConnection(options: { pipeline?: boolean } = {}): pg.Pool {
  const pool = createPool(database.url, { max: 1, ...options });
  pools.push(pool);
  return pool;
}

async function backendPid(pool: pg.Pool): Promise<number> {
  return (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_ctx_db_one_sync');
  await migrate(database.url);
  admin = createPool(database.url, { max: 2 });
  await admin.query(`
    CREATE TABLE notes (id serial PRIMARY KEY, owner_id text NOT NULL, body text NOT NULL);
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_notes ON notes USING (owner_id = butterbase.user_id());
    INSERT INTO notes (owner_id, body) VALUES ('alice', 'a1'), ('bob', 'b1');`);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await admin?.end();
  await database?.drop();
});

describe('ctx.db.query in one protocol cycle', () => {
  it('gets one ReadyForQuery per query, pipelining pool or not', async () => {
    for (const pipeline of [true, false]) {
      const pool = singleConnection({ pipeline });
      const db = createFunctionDb(pool, alice, roles);
      await db.query('SELECT 1');
      const client = await pool.connect();
      const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
      client.release();
      let cycles = 0;
      const count = () => {
        cycles += 1;
      };
      connection.on('readyForQuery', count);
      try {
        const { rows } = await db.query('SELECT current_user AS role, butterbase.user_id() AS id');
        expect(rows).toEqual([{ role: 'butterbase_user', id: 'alice' }]);
        expect(cycles).toBe(1);
      } finally {
        connection.removeListener('readyForQuery', count);
      }
    }
  });

  it('never shows one user the rows of another, with their queries interleaved on one connection', async () => {
    const pool = singleConnection();
    const asAlice = createFunctionDb(pool, alice, roles);
    const asBob = createFunctionDb(pool, bob, roles);
    const read = (db: typeof asAlice) =>
      db
        .query<{ body: string }>('SELECT body FROM notes ORDER BY body')
        .then((r) => r.rows.map((x) => x.body));
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => read(i % 2 ? asBob : asAlice)));
    answers.forEach((bodies, i) => {
      expect(bodies).toEqual(i % 2 ? ['b1'] : ['a1']);
    });
  });

  it('rolls a failed statement back, and serves the next caller on the same connection as its own role', async () => {
    const pool = singleConnection();
    const pid = await backendPid(pool);
    const failed = await createFunctionDb(pool, alice, roles)
      .query("INSERT INTO notes (owner_id, body) VALUES ('alice', 'half done') RETURNING 1/0")
      .catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: '22012' });
    const next = await createFunctionDb(pool, bob, roles).query(
      `SELECT current_user AS role, butterbase.user_id() AS id, count(*)::int AS n FROM notes`,
    );
    expect(next.rows).toEqual([{ role: 'butterbase_user', id: 'bob', n: 1 }]);
    expect(await backendPid(pool)).toBe(pid);
    const all = await admin.query("SELECT count(*)::int AS n FROM notes WHERE body = 'half done'");
    expect(all.rows[0]).toEqual({ n: 0 });
    // Outside ctx.db the connection is the login's again, with no claims left behind.
    const plain = await pool.query(
      "SELECT current_user AS role, current_setting('request.jwt.claims', true) AS claims",
    );
    expect(plain.rows).toEqual([{ role: 'postgres', claims: '' }]);
  });

  it('never runs the statement when a setting fails', async () => {
    const pool = singleConnection();
    const broken = createFunctionDb(pool, service, { user: 'no_such_user', service: 'no_such_service' });
    const error = await broken
      .query("INSERT INTO notes (owner_id, body) VALUES ('x', 'ran without its role')")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', cause: { code: '22023' } });
    const ran = await admin.query("SELECT count(*)::int AS n FROM notes WHERE body = 'ran without its role'");
    expect(ran.rows[0]).toEqual({ n: 0 });
    expect((await createFunctionDb(pool, alice, roles).query('SELECT body FROM notes')).rows).toEqual([
      { body: 'a1' },
    ]);
  });

  it('discards a connection a statement left inside a transaction', async () => {
    const pool = singleConnection();
    const pid = await backendPid(pool);
    await createFunctionDb(pool, alice, roles).query('BEGIN');
    expect(await backendPid(pool)).not.toBe(pid);
    const next = await createFunctionDb(pool, bob, roles).query(
      'SELECT current_user AS role, butterbase.user_id() AS id',
    );
    expect(next.rows).toEqual([{ role: 'butterbase_user', id: 'bob' }]);
    // A statement that ends the transaction itself only ends it early.
    expect((await createFunctionDb(pool, alice, roles).query('COMMIT')).command).toBe('COMMIT');
    expect(await backendPid(pool)).not.toBe(pid);
  });

  it('reports parameters pg cannot send as the handler error, and keeps the connection', async () => {
    const pool = singleConnection();
    const pid = await backendPid(pool);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(createFunctionDb(pool, alice, roles).query('SELECT $1::jsonb', [circular])).rejects.toThrow(
      TypeError,
    );
    const next = await createFunctionDb(pool, bob, roles).query('SELECT butterbase.user_id() AS id');
    expect(next.rows).toEqual([{ id: 'bob' }]);
    expect(await backendPid(pool)).toBe(pid);
  });
});

describe('ctx.db.query with statements prepared per connection', () => {
  const prepared = async (pool: pg.Pool) =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0]!.n;

  it('prepares a text on its first success and keeps each caller to their role and rows', async () => {
    const pool = singleConnection();
    const sql = 'SELECT current_user AS role, body FROM notes ORDER BY body';
    const as = (caller: Caller) =>
      createFunctionDb(pool, caller, roles)
        .query(sql)
        .then((r) => r.rows);
    expect(await as(alice)).toEqual([{ role: 'butterbase_user', body: 'a1' }]);
    expect(await prepared(pool)).toBe(1);
    // Past the 5 custom plans after which Postgres may switch to its generic plan.
    for (let i = 0; i < 8; i++) {
      expect(await as(i % 2 ? bob : alice)).toEqual([{ role: 'butterbase_user', body: i % 2 ? 'b1' : 'a1' }]);
    }
    expect(await as(service)).toEqual([
      { role: 'butterbase_service', body: 'a1' },
      { role: 'butterbase_service', body: 'b1' },
    ]);
    expect(await as(alice)).toEqual([{ role: 'butterbase_user', body: 'a1' }]);
    expect(await prepared(pool)).toBe(1);
  });

  it('sends a statement again when a handler deallocated it, DDL changed its columns or a handler took its name', async () => {
    const pool = singleConnection();
    await admin.query(
      'CREATE TABLE shapes (id int PRIMARY KEY); GRANT SELECT ON shapes TO butterbase_service',
    );
    await admin.query('INSERT INTO shapes VALUES (1)');
    const db = createFunctionDb(pool, service, roles);
    const shapes = async () => (await db.query('SELECT * FROM shapes')).rows;
    // Names in order: bbfn_1 (the SELECT), bbfn_2 (DEALLOCATE ALL), bbfn_3 (the SELECT
    // again), bbfn_4 (the PREPARE), and the SELECT's next would be bbfn_5.
    expect(await shapes()).toEqual([{ id: 1 }]);
    expect(await shapes()).toEqual([{ id: 1 }]);
    await db.query('DEALLOCATE ALL');
    expect(await prepared(pool)).toBe(0);
    expect(await shapes()).toEqual([{ id: 1 }]);
    expect(await shapes()).toEqual([{ id: 1 }]);
    expect(await prepared(pool)).toBe(1);
    await admin.query("ALTER TABLE shapes ADD COLUMN name text NOT NULL DEFAULT 'one'");
    expect(await shapes()).toEqual([{ id: 1, name: 'one' }]);
    // A handler's own statement under the name the next new text gets.
    await db.query('PREPARE bbfn_5 AS SELECT 1');
    expect(await shapes()).toEqual([{ id: 1, name: 'one' }]);
    expect(await shapes()).toEqual([{ id: 1, name: 'one' }]);
  });

  it('prepares at most 100 statements a connection, and a failed first use never leaves one in use', async () => {
    const pool = singleConnection();
    const db = createFunctionDb(pool, alice, roles);
    await expect(db.query('SELECT no_such_column FROM notes')).rejects.toMatchObject({ code: '42703' });
    await expect(db.query('SELECT no_such_column FROM notes')).rejects.toMatchObject({ code: '42703' });
    for (let i = 0; i < 120; i++) {
      expect((await db.query(`SELECT ${i} AS n`)).rows).toEqual([{ n: i }]);
    }
    expect(await prepared(pool)).toBeLessThanOrEqual(100);
    expect((await db.query('SELECT 119 AS n')).rows).toEqual([{ n: 119 }]);
  });
});
