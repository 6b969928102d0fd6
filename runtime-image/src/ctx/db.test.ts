import type { Socket } from 'node:net';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { DEFAULT_DATABASE_ROLES } from '../db/roles.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { type Caller, createFunctionDb, createPool } from './db.ts';

const roles = DEFAULT_DATABASE_ROLES;
const alice: Caller = { kind: 'user', userId: 'alice', claims: { sub: 'alice', email: 'alice@example.com' } };
const bob: Caller = { kind: 'user', userId: 'bob', claims: { sub: 'bob' } };
const service: Caller = { kind: 'service' };
const anonymous: Caller = { kind: 'anonymous' };

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_ctx_db');
  await migrate(database.url);
  pool = createPool(database.url, { max: 5 });
  await pool.query(`
    CREATE TABLE todos (id serial PRIMARY KEY, owner_id text NOT NULL, title text NOT NULL);
    ALTER TABLE todos ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_todos ON todos USING (owner_id = butterbase.user_id());
    INSERT INTO todos (owner_id, title) VALUES ('alice', 'a1'), ('alice', 'a2'), ('bob', 'b1');`);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const titles = async (caller: Caller) =>
  (
    await createFunctionDb(pool, caller, roles).query<{ title: string }>(
      'SELECT title FROM todos ORDER BY title',
    )
  ).rows.map((row) => row.title);

describe('ctx.db roles and RLS', () => {
  it('shows a user only their rows, the service every row, an anonymous caller none', async () => {
    expect(await titles(alice)).toEqual(['a1', 'a2']);
    expect(await titles(bob)).toEqual(['b1']);
    expect(await titles(service)).toEqual(['a1', 'a2', 'b1']);
    expect(await titles(anonymous)).toEqual([]);
  });

  it('really sets the role and the claims', async () => {
    const sql = `SELECT current_user AS role, butterbase.user_id() AS id, butterbase.claims() ->> 'email' AS email`;
    const one = async (caller: Caller) => (await createFunctionDb(pool, caller, roles).query(sql)).rows[0];
    expect(await one(alice)).toEqual({ role: 'butterbase_user', id: 'alice', email: 'alice@example.com' });
    expect(await one(anonymous)).toEqual({ role: 'butterbase_user', id: null, email: null });
    expect(await one(service)).toEqual({ role: 'butterbase_service', id: null, email: null });
    // Quotes, backslashes and semicolons in a claim stay inside the claims' value.
    const tricky = `o'hara\\'; RESET ROLE; --"`;
    const quoted: Caller = { kind: 'user', userId: tricky, claims: { sub: tricky, email: tricky } };
    expect(await one(quoted)).toEqual({ role: 'butterbase_user', id: tricky, email: tricky });
  });

  it('returns pg-shaped results for parameterised queries', async () => {
    const result = await createFunctionDb(pool, service, roles).query(
      'SELECT $1::int + 1 AS n, $2::text AS t',
      [41, 'x'],
    );
    expect(result).toMatchObject({ command: 'SELECT', rowCount: 1, rows: [{ n: 42, t: 'x' }] });
    expect(result.fields.map((field) => field.name)).toEqual(['n', 't']);
    const insert = await createFunctionDb(pool, alice, roles).query(
      'INSERT INTO todos (owner_id, title) VALUES (butterbase.user_id(), $1) RETURNING owner_id',
      ['a3'],
    );
    expect(insert).toMatchObject({ command: 'INSERT', rowCount: 1, rows: [{ owner_id: 'alice' }] });
  });

  it('lets SQL errors, RLS violations included, reach the handler as pg errors', async () => {
    const db = createFunctionDb(pool, alice, roles);
    await expect(
      db.query("INSERT INTO todos (owner_id, title) VALUES ('bob', 'sneaky')"),
    ).rejects.toMatchObject({
      code: '42501',
    });
    await expect(db.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
    await expect(db.query('SELECT * FROM butterbase.invocations')).rejects.toMatchObject({ code: '42501' });
    await expect(
      createFunctionDb(pool, service, roles).query('SELECT * FROM butterbase.invocation_logs'),
    ).rejects.toMatchObject({ code: '42501' });
    expect(await titles(bob)).toEqual(['b1']);
  });

  it('rejects a text with several statements, with or without params', async () => {
    const db = createFunctionDb(pool, service, roles);
    await expect(db.query('SELECT 1; DELETE FROM todos')).rejects.toMatchObject({ code: '42601' });
    await expect(db.query('SELECT $1::int; DELETE FROM todos', [1])).rejects.toMatchObject({ code: '42601' });
    expect((await titles(service)).length).toBeGreaterThan(0);
  });

  it('validates its arguments before touching the database', async () => {
    const db = createFunctionDb(pool, service, roles) as unknown as {
      query: (...args: unknown[]) => Promise<unknown>;
      transaction: (fn: unknown) => Promise<unknown>;
    };
    for (const args of [[''], ['   '], [42], [undefined], ['SELECT 1', 'x'], ['SELECT 1', { a: 1 }]]) {
      await expect(db.query(...args)).rejects.toMatchObject({ code: 'DATABASE_INVALID_QUERY', status: 500 });
    }
    await expect(db.transaction('nope')).rejects.toMatchObject({ code: 'DATABASE_INVALID_QUERY' });
  });

  it('does not let one caller session-level settings leak into the next', async () => {
    const single = createPool(database.url, { max: 1 });
    try {
      await createFunctionDb(single, anonymous, roles).query(
        "SELECT set_config('search_path', 'pg_catalog', false), set_config('role', 'butterbase_service', false)",
      );
      const next = await createFunctionDb(single, alice, roles).query('SHOW search_path');
      expect(next.rows[0]).toEqual({ search_path: '"$user", public' });
      expect((await single.query('SELECT current_user AS role')).rows[0]).toEqual({ role: 'postgres' });
    } finally {
      await single.end();
    }
  });
});

describe('ctx.db on a pipelining pool', () => {
  it('writes a query with its opening and COMMIT to the server in one write', async () => {
    const single = createPool(database.url, { max: 1 });
    try {
      const db = createFunctionDb(single, alice, roles);
      await db.query('SELECT 1');
      const client = await single.connect();
      const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
      client.release();
      // Every write that reaches the kernel goes through one of these two.
      let writes = 0;
      const { _write: write, _writev: writev } = socket;
      socket._write = (...args) => {
        writes += 1;
        return write.apply(socket, args);
      };
      socket._writev = (...args) => {
        writes += 1;
        return writev!.apply(socket, args);
      };
      const answer = await db.query('SELECT current_user AS role, butterbase.user_id() AS id');
      expect(answer.rows).toEqual([{ role: 'butterbase_user', id: 'alice' }]);
      expect(writes).toBe(1);
    } finally {
      await single.end();
    }
  });
});

describe('ctx.db on a pool without pipelining', () => {
  it('gives the same answers', async () => {
    const plain = createPool(database.url, { max: 2, pipeline: false });
    try {
      const read = (caller: Caller) =>
        createFunctionDb(plain, caller, roles).query<{ role: string; n: number }>(
          'SELECT current_user AS role, count(*)::int AS n FROM todos',
        );
      expect((await read(service)).rows[0]?.role).toBe('butterbase_service');
      expect((await read(anonymous)).rows[0]).toEqual({ role: 'butterbase_user', n: 0 });
      await expect(createFunctionDb(plain, alice, roles).query('SELECT 1; SELECT 2')).rejects.toMatchObject({
        code: '42601',
      });
      await expect(
        createFunctionDb(plain, alice, { user: 'no_such_role', service: 'x' }).query('SELECT 1'),
      ).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await plain.end();
    }
  });
});

describe('ctx.db.transaction', () => {
  it('commits when the function resolves', async () => {
    const db = createFunctionDb(pool, bob, roles);
    const id = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO todos (owner_id, title) VALUES ('bob', 'b2')");
      const { rows } = await tx.query<{ id: number }>(
        "INSERT INTO todos (owner_id, title) VALUES ('bob', 'b3') RETURNING id",
      );
      // Same transaction, same role: the user sees their own uncommitted rows.
      expect((await tx.query('SELECT count(*)::int AS n FROM todos')).rows[0]).toEqual({ n: 3 });
      return rows[0]!.id;
    });
    expect(typeof id).toBe('number');
    expect(await titles(bob)).toEqual(['b1', 'b2', 'b3']);
  });

  it('rolls back when the function throws, and rethrows', async () => {
    const db = createFunctionDb(pool, bob, roles);
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO todos (owner_id, title) VALUES ('bob', 'lost')");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await titles(bob)).not.toContain('lost');
  });

  it('reports a rollback when a failed statement was caught inside', async () => {
    const db = createFunctionDb(pool, bob, roles);
    const error = await db
      .transaction(async (tx) => {
        await tx.query("INSERT INTO todos (owner_id, title) VALUES ('bob', 'also lost')");
        await tx.query('SELECT 1/0').catch(() => {});
        return 'done';
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '25P02', cause: { code: '22012' } });
    expect(await titles(bob)).not.toContain('also lost');
  });

  it('refuses queries on a finished transaction', async () => {
    const db = createFunctionDb(pool, bob, roles);
    let leaked: Parameters<Parameters<typeof db.transaction>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toMatchObject({ code: 'DATABASE_INVALID_QUERY' });
  });

  it('returns every connection to the pool', async () => {
    const db = createFunctionDb(pool, alice, roles);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? db.query('SELECT 1')
          : db.transaction((tx) => tx.query('SELECT 1/0')).catch((error: { code?: string }) => error.code),
      ),
    );
    expect(pool.waitingCount).toBe(0);
    expect(pool.totalCount).toBeLessThanOrEqual(5);
    expect(pool.idleCount).toBe(pool.totalCount);
  });
});

describe('ctx.db when the database is unreachable', () => {
  it('fails fast with DATABASE_UNAVAILABLE (503)', async () => {
    const down = createPool('postgres://postgres:postgres@127.0.0.1:1/postgres', {
      connectionTimeoutMillis: 2_000,
    });
    try {
      const db = createFunctionDb(down, alice, roles);
      const error = await db.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'BbfnError', code: 'DATABASE_UNAVAILABLE', status: 503 });
      expect((error as Error).cause).toBeInstanceOf(Error);
      await expect(db.transaction(async () => 1)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await down.end();
    }
  });

  it('reports a database that migrate() never prepared as DATABASE_UNAVAILABLE', async () => {
    const db = createFunctionDb(pool, alice, { user: 'no_such_role', service: 'no_such_service' });
    const error = await db.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', cause: { code: '22023' } });
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('maps a connection killed mid-transaction to DATABASE_UNAVAILABLE and keeps serving', async () => {
    const db = createFunctionDb(pool, service, roles);
    const error = await db
      .transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        // The handler awaits something else while the server closes the connection.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await tx.query('SELECT 1');
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
    expect((await db.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });
});
