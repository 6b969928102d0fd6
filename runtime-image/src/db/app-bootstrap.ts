import pg from 'pg';
import { type AppMigrationsResult, runAppMigrations } from './app-migrations.ts';
import { databaseUnavailable, isConnectionError } from './connection-errors.ts';
import { migrate } from './migrate.ts';
import type { DatabaseRoles } from './roles.ts';

export interface AppBootstrapOptions {
  roles?: Partial<DatabaseRoles>;
  /** App.spec.database.migrations, in order. */
  migrations?: readonly string[];
  connectionTimeoutMillis?: number;
}

export interface AppBootstrapResult {
  /** The platform's own migrations this call applied (migrate.ts). */
  bootstrapped: string[];
  migrations: AppMigrationsResult;
}

/**
 * Makes an app database ready for its functions, with its admin (owner) connection:
 * the platform's schema, roles, grants and the app's authenticator login (migrate.ts),
 * then the App's own migrations (app-migrations.ts). What the operator's App
 * reconciler and `npm start` both run. Throws DATABASE_UNAVAILABLE when the server
 * cannot be reached, DATABASE_MIGRATION_FAILED (with the entry's index) when an App
 * migration is refused.
 */
export async function bootstrapAppDatabase(
  adminUrl: string,
  options: AppBootstrapOptions = {},
): Promise<AppBootstrapResult> {
  const timeout = options.connectionTimeoutMillis;
  const { applied } = await migrate(adminUrl, {
    ...(options.roles ? { roles: options.roles } : {}),
    ...(timeout ? { connectionTimeoutMillis: timeout } : {}),
  });
  const client = new pg.Client({
    connectionString: adminUrl,
    application_name: 'butterbase-functions app migrations',
    ...(timeout ? { connectionTimeoutMillis: timeout } : {}),
  });
  // A dead connection also fails the pending query; the event must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    const migrations = await runAppMigrations(client, options.migrations ?? []);
    return { bootstrapped: applied, migrations };
  } catch (error) {
    throw isConnectionError(error) ? databaseUnavailable(error) : error;
  } finally {
    await client.end().catch(() => {});
  }
}
