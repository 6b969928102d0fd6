import { authenticatorUrl } from '../runtime-image/src/db/authenticator.ts';
import { DEFAULT_DATABASE_ROLES } from '../runtime-image/src/db/roles.ts';
import type { AppRuntimeConfig } from '../runtime-image/src/host/host.ts';
import { prepareAppDatabase } from './app-database.ts';
import type { LoadedApp } from './manifests/load-manifests.ts';
import { ensureAppSecrets, type LocalAppSecrets } from './secrets.ts';

/**
 * One App on the local platform: its database on the embedded server (created when
 * missing, then the platform's and the App's migrations), and what the host needs to
 * serve it. Run again when the App's manifest changes: migrations are re-runnable.
 */
export async function prepareLocalApp(
  postgresUrl: string,
  loaded: LoadedApp,
  secrets: LocalAppSecrets,
): Promise<{ config: AppRuntimeConfig /** The admin's URL of the app database. */; databaseUrl: string }> {
  const spec = loaded.resource.spec;
  const roles = spec.roles ?? DEFAULT_DATABASE_ROLES;
  const databaseUrl = await prepareAppDatabase(
    postgresUrl,
    spec.appId,
    spec.database.migrations ?? [],
    roles,
  );
  return {
    databaseUrl,
    config: {
      appId: spec.appId,
      sandboxDatabaseUrl: authenticatorUrl(databaseUrl),
      roles,
      auth: { apiKeys: [secrets.apiKey], jwt: { secret: secrets.jwtSecret } },
    },
  };
}

/** An App's secrets (made the first time) and its database, prepared. */
export async function prepareLocalAppWithSecrets(
  dataDir: string,
  postgresUrl: string,
  loaded: LoadedApp,
): Promise<{ secrets: LocalAppSecrets; config: AppRuntimeConfig; databaseUrl: string }> {
  const { appId } = loaded.resource.spec;
  const secrets = (await ensureAppSecrets(dataDir, [appId]))[appId]!;
  return { secrets, ...(await prepareLocalApp(postgresUrl, loaded, secrets)) };
}
