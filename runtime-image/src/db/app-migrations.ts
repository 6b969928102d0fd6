import { createHash } from 'node:crypto';
import type pg from 'pg';
import { BbfnError } from '../errors.ts';
import { isConnectionError } from './connection-errors.ts';

/**
 * An App's own migrations (App.spec.database.migrations): tables, RLS policies. Each
 * runs once, in list order, as the connection's role (the database owner), in a
 * transaction of its own together with its record in `butterbase.app_migrations`
 * (V006), so a failed entry leaves nothing behind and the entries after it wait.
 * An entry that already ran is never run again, even if its text changed: the App's
 * documented contract is "append, don't edit". The operator and `npm start` both
 * come through here, so they agree on what "applied" means.
 */
export interface AppMigrationsResult {
  /** How many of the list's entries are recorded as applied (the count in App status). */
  applied: number;
  /** Positions (0-based) run by this call. */
  ranNow: number[];
}

/** What the status shows for a failed entry: its position and Postgres's own words. */
export interface FailedMigration {
  index: number;
  message: string;
}

// Session-level advisory lock of "an App's migrations" ('bbfa'): the operator's replicas
// and a local platform may run them at once, and exactly one must run each entry.
const LOCK_KEY = 0x62626661;

export async function runAppMigrations(
  client: pg.ClientBase,
  scripts: readonly string[],
): Promise<AppMigrationsResult> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    const { rows } = await client.query<{ position: number }>(
      'SELECT position FROM butterbase.app_migrations',
    );
    const done = new Set(rows.map((row) => row.position));
    const ranNow: number[] = [];
    for (const [index, sql] of scripts.entries()) {
      if (done.has(index)) continue;
      await runOne(client, index, sql, countApplied(scripts, done));
      done.add(index);
      ranNow.push(index);
    }
    return { applied: countApplied(scripts, done), ranNow };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
  }
}

function countApplied(scripts: readonly string[], done: ReadonlySet<number>): number {
  return scripts.filter((_, index) => done.has(index)).length;
}

async function runOne(client: pg.ClientBase, index: number, sql: string, applied: number): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    await client.query('INSERT INTO butterbase.app_migrations (position, checksum) VALUES ($1, $2)', [
      index,
      createHash('sha256').update(sql).digest('hex'),
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (isConnectionError(error)) throw error;
    const message = (error as Error).message;
    throw new BbfnError('DATABASE_MIGRATION_FAILED', `Migration ${index} failed: ${message}`, {
      cause: error,
      details: { index, message, sqlState: (error as { code?: string }).code, applied },
    });
  }
}

/** The failed entry an error names, and how many entries had run, when it is a failed App migration. */
export function failedMigrationOf(error: unknown): (FailedMigration & { applied: number }) | undefined {
  if (!(error instanceof BbfnError) || error.code !== 'DATABASE_MIGRATION_FAILED') return undefined;
  const { index, message, applied } = error.details as unknown as FailedMigration & { applied: number };
  return { index, message, applied };
}
