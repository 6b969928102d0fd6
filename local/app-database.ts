import { databaseUrl } from '../runtime-image/src/db/database-url.ts';
import { migrate } from '../runtime-image/src/db/migrate.ts';
import { withClient } from '../runtime-image/src/db/with-client.ts';

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
  await withClient(serverUrl, async (admin) => {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  });
  const url = databaseUrl(serverUrl, name);
  await migrate(url, { roles });
  if (migrations.length > 0) {
    await withClient(url, async (client) => {
      // App migrations are written to be re-runnable (IF NOT EXISTS, DROP POLICY IF EXISTS).
      for (const sql of migrations) await client.query(sql);
    });
  }
  return url;
}
