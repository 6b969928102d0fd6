import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { loadMigrations } from '../db/migration-files.ts';
import { createPool } from '../db/pool.ts';
import { DEFAULT_DATABASE_ROLES } from '../db/roles.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { withClient } from '../db/with-client.ts';
import { queryInvocations } from './query.ts';
import { testRecord } from './test-record.ts';
import { createInvocationWriter } from './writer.ts';

// A database as the runtime left it before V004: invocations one row each.
let database: TestDatabase;
let pool: pg.Pool;
const base = Date.parse('2029-06-01T00:00:00Z');

interface LegacyRow {
  id: string;
  function_name: string;
  user_id: string | null;
  status_code: number | null;
  error_message: string | null;
  started_at: string;
  duration_ms: number;
}

// 1,203 invocations of "a" (more than one batch of 500), one of "b" with awkward text,
// microsecond start times, and an ms tie broken by id.
const legacy: LegacyRow[] = [
  ...Array.from({ length: 1203 }, (_, i) => ({
    id: randomUUID(),
    function_name: 'a',
    user_id: i % 2 ? `user-${i}` : null,
    status_code: i % 3 ? 200 : null,
    error_message: null,
    started_at: new Date(base + i * 1000).toISOString().replace('Z', `${String(i % 1000).padStart(3, '0')}Z`),
    duration_ms: i / 7,
  })),
  {
    id: randomUUID(),
    function_name: 'b',
    user_id: null,
    status_code: 500,
    error_message: 'quote " backslash \\ tab \t ["00000000-0000-4000-8000-000000000000" é',
    started_at: new Date(base + 5000).toISOString(),
    duration_ms: 1.25,
  },
];

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_batches_migration');
  await withClient(database.url, async (client) => {
    await client.query(`CREATE SCHEMA butterbase;
      CREATE TABLE butterbase.schema_migrations (
        version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const migrations = await loadMigrations(DEFAULT_DATABASE_ROLES, 'postgres', 'unused');
    // A database from before V004; the repeatable grants run after every versioned
    // migration (as migrate() orders them) and name tables of later ones.
    for (const migration of migrations.filter((m) => !m.repeatable && m.version < 'V004')) {
      await client.query(migration.sql);
      await client.query('INSERT INTO butterbase.schema_migrations (version, checksum) VALUES ($1, $2)', [
        migration.version,
        migration.checksum,
      ]);
    }
    await client.query(
      `INSERT INTO butterbase.invocations
       SELECT r.id, 'app_legacy', r.function_name, 'fn_' || r.function_name, 'r1', 'http', r.user_id, 'GET', '/x',
              r.status_code, CASE WHEN r.status_code = 500 THEN 'error' ELSE 'ok' END, NULL, r.error_message,
              r.started_at, r.duration_ms
       FROM json_to_recordset($1::json) AS r(id uuid, function_name text, user_id text, status_code int,
         error_message text, started_at timestamptz, duration_ms float8)`,
      [JSON.stringify(legacy)],
    );
  });
  await migrate(database.url);
  pool = createPool(database.url, { max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('V004: invocations into batches', () => {
  it('keeps every row, value for value, behind the view of the old name', async () => {
    const { rows } = await pool.query(
      `SELECT id, function_name, user_id, status_code, error_message,
              to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS started, duration_ms,
              pg_typeof(started_at)::text AS started_type, pg_typeof(id)::text AS id_type
       FROM butterbase.invocations ORDER BY started_at, id`,
    );
    expect(rows).toHaveLength(legacy.length);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const row of legacy) {
      const stored = byId.get(row.id);
      expect(stored).toMatchObject({
        function_name: row.function_name,
        user_id: row.user_id,
        status_code: row.status_code,
        error_message: row.error_message,
        duration_ms: row.duration_ms,
        started_type: 'timestamp with time zone',
        id_type: 'uuid',
      });
      const micros = row.started_at.match(/\.(\d+)Z$/)![1]!.padEnd(6, '0');
      expect(stored.started).toBe(`${row.started_at.slice(0, 19)}.${micros}`);
    }
    const { rows: batches } = await pool.query(
      `SELECT function_name, record_count FROM butterbase.invocation_batches ORDER BY function_name, first_started_at`,
    );
    expect(batches).toEqual([
      { function_name: 'a', record_count: 500 },
      { function_name: 'a', record_count: 500 },
      { function_name: 'a', record_count: 203 },
      { function_name: 'b', record_count: 1 },
    ]);
  });

  it('finds the old invocations through queryInvocations, ids that are not UUIDv7 included', async () => {
    const newest = await queryInvocations(pool, { appId: 'app_legacy', functionName: 'a', limit: 3 });
    expect(newest.map((r) => r.id)).toEqual(
      legacy
        .slice(1200, 1203)
        .reverse()
        .map((r) => r.id),
    );
    const awkward = legacy[1203]!;
    const [found] = await queryInvocations(pool, {
      appId: 'app_legacy',
      invocationId: awkward.id.toUpperCase(),
    });
    expect(found).toMatchObject({ id: awkward.id, functionName: 'b', errorMessage: awkward.error_message });
    // Only a record's own id matches, not one mentioned in a message.
    expect(
      await queryInvocations(pool, {
        appId: 'app_legacy',
        invocationId: '00000000-0000-4000-8000-000000000000',
      }),
    ).toEqual([]);
  });
});

describe('V005: layout 2 beside layout 1', () => {
  it('reads records of both layouts the same through the view and queryInvocations', async () => {
    const writer = createInvocationWriter(pool, { flushIntervalMs: 60_000 });
    const fresh = testRecord({
      appId: 'app_legacy',
      functionName: 'a',
      functionId: 'fn_a',
      revision: 'r2',
      userId: 'user-x',
      method: 'POST',
      path: '/y',
      statusCode: 201,
      startedAt: new Date(base + 2_000_000),
      durationMs: 3.25,
    });
    writer.recordInvocation(fresh);
    await writer.close();
    const { rows } = await pool.query(
      `SELECT id, function_id, revision, trigger, user_id, method, path, status_code, outcome, started_at, duration_ms
       FROM butterbase.invocations WHERE id = ANY($1::uuid[])`,
      [[fresh.id, legacy[0]!.id]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(fresh.id)).toEqual({
      id: fresh.id,
      function_id: 'fn_a',
      revision: 'r2',
      trigger: 'http',
      user_id: 'user-x',
      method: 'POST',
      path: '/y',
      status_code: 201,
      outcome: 'ok',
      started_at: fresh.startedAt,
      duration_ms: 3.25,
    });
    expect(byId.get(legacy[0]!.id)).toMatchObject({ function_id: 'fn_a', revision: 'r1', trigger: 'http' });
    const { rows: layouts } = await pool.query(
      'SELECT layout, count(*)::int AS n FROM butterbase.invocation_batches GROUP BY layout ORDER BY layout',
    );
    expect(layouts).toEqual([
      { layout: 1, n: 4 },
      { layout: 2, n: 1 },
    ]);
    const [newest] = await queryInvocations(pool, { appId: 'app_legacy', functionName: 'a', limit: 1 });
    expect(newest).toEqual({ ...fresh, lines: [] });
  });
});
