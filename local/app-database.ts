import pg from 'pg';
import { databaseUrl } from '../runtime-image/src/db/database-url.ts';
import { migrate } from '../runtime-image/src/db/migrate.ts';

/** Locally each app gets its own database on the one embedded server: `app_<appId>`. */
export function appDatabaseName(appId: string): string {
  return `app_${appId.replace(/[^a-z0-9_]/g, '_')}`;
}

/** Creates the app database when missing, bootstraps it, then runs the App's own migrations. */
export async function prepareAppDatabase(
  serverUrl: string,
  appId: string,
  migrations: string[],
  roles: { user: string; service: string },
): Promise<string> {
  const name = appDatabaseName(appId);
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(serverUrl, name);
  await migrate(url, { roles });
  if (migrations.length > 0) {
    const client = new pg.Client(url);
    await client.connect();
    try {
      // App migrations are written to be re-runnable (IF NOT EXISTS, DROP POLICY IF EXISTS).
      for (const sql of migrations) await client.query(sql);
    } finally {
      await client.end();
    }
  }
  return url;
}
