import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { authenticatorRole, ensureAuthenticatorLogin } from './authenticator.ts';
import { databaseUnavailable, isConnectionError } from './connection-errors.ts';
import { loadMigrations, type Migration } from './migration-files.ts';
import { type DatabaseRoles, resolveDatabaseRoles } from './roles.ts';

export interface MigrateOptions {
  /** Names of the function roles; defaults in roles.ts. */
  roles?: Partial<DatabaseRoles>;
  /** How long connecting may take (default: pg's, no limit); the operator must not hang on a dead host. */
  connectionTimeoutMillis?: number;
}

export interface MigrateResult {
  /** Versions applied by this call; empty when the database was already up to date. */
  applied: string[];
}

// One key for "butterbase migrations" among the app's own advisory locks ('bbfn' in ASCII).
const LOCK_KEY = 0x6262666e;

const BOOTSTRAP_SQL = `
  CREATE SCHEMA IF NOT EXISTS butterbase;
  CREATE TABLE IF NOT EXISTS butterbase.schema_migrations (
    version text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  );`;

const MAX_ATTEMPTS = 5;

/**
 * Brings an app database to the schema this runtime needs: the function roles and
 * their grants, `_idempotency_keys`, the `butterbase` schema. Every runtime pod calls
 * it on start: an up-to-date database costs one read, and concurrent callers queue on
 * a transaction-scoped advisory lock, so exactly one applies each migration and the
 * others find it recorded in `butterbase.schema_migrations`.
 */
export async function migrate(adminUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const roles = resolveDatabaseRoles(options.roles);
  const client = new pg.Client({
    connectionString: adminUrl,
    application_name: 'butterbase-functions migrate',
    ...(options.connectionTimeoutMillis ? { connectionTimeoutMillis: options.connectionTimeoutMillis } : {}),
  });
  // A dead connection also fails the pending query; the event must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw databaseUnavailable(error);
  }
  try {
    const { rows } = await client.query<{ admin: string }>('SELECT current_user AS admin');
    const migrations = await loadMigrations(roles, rows[0]!.admin, authenticatorRole(adminUrl));
    if (pendingMigrations(migrations, await readApplied(client)).length === 0) {
      await withRaceRetries(client, () => ensureAuthenticatorLogin(client, adminUrl));
      return { applied: [] };
    }
    const applied = await withRaceRetries(client, () => applyLocked(client, migrations));
    await withRaceRetries(client, () => ensureAuthenticatorLogin(client, adminUrl));
    return { applied };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs `step` again (a few times, after a short random wait) when it lost a race on shared catalogs. */
async function withRaceRetries<T>(client: pg.ClientBase, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      if (isConnectionError(error)) throw databaseUnavailable(error);
      if (attempt >= MAX_ATTEMPTS || !lostRace(error)) throw error;
      await sleep(20 * attempt + Math.random() * 50);
    }
  }
}

type Applied = Map<string, string>;

/** version → checksum of what is recorded; empty when the bootstrap never ran. */
async function readApplied(client: pg.ClientBase): Promise<Applied> {
  try {
    const { rows } = await client.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM butterbase.schema_migrations',
    );
    return new Map(rows.map((row) => [row.version, row.checksum]));
  } catch (error) {
    // 3F000 invalid_schema_name, 42P01 undefined_table: a fresh database.
    const code = (error as { code?: string }).code;
    if (code === '3F000' || code === '42P01') return new Map();
    throw error;
  }
}

function pendingMigrations(migrations: Migration[], applied: Applied): Migration[] {
  return migrations.filter((migration) => {
    const recorded = applied.get(migration.version);
    return recorded === undefined || (migration.repeatable && recorded !== migration.checksum);
  });
}

async function applyLocked(client: pg.ClientBase, migrations: Migration[]): Promise<string[]> {
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
  await client.query(BOOTSTRAP_SQL);
  // Read again under the lock: another pod may have finished while we waited.
  const pending = pendingMigrations(migrations, await readApplied(client));
  for (const migration of pending) {
    try {
      await client.query(migration.sql);
    } catch (error) {
      if (isConnectionError(error) || lostRace(error)) throw error;
      throw new Error(`Database migration ${migration.version} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await client.query(
      `INSERT INTO butterbase.schema_migrations (version, checksum) VALUES ($1, $2)
       ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
      [migration.version, migration.checksum],
    );
  }
  await client.query('COMMIT');
  return pending.map((migration) => migration.version);
}

/**
 * Roles and memberships live in shared catalogs, beyond this database's advisory
 * lock: a migration of another database in the same cluster can win a race on them.
 * Running the whole transaction again then finds the work done.
 */
function lostRace(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (
    code === '40001' || // serialization_failure
    code === '40P01' || // deadlock_detected
    code === '23505' || // unique_violation (pg_authid, pg_auth_members)
    code === '42710' || // duplicate_object
    (code === 'XX000' && message === 'tuple concurrently updated')
  );
}
