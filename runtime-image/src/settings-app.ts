import type { Logger } from 'pino';
import {
  ConfigError,
  type HostSettings,
  loadHostSettings,
  loadMountedFunction,
  type MountedFunction,
  RUNTIME_ENV,
} from './config.ts';
import { authenticatorUrl } from './db/authenticator.ts';
import { migrate } from './db/migrate.ts';
import type { AppRuntimeConfig } from './host/host.ts';

/**
 * What a runtime pod and a CronJob pod both start from: the settings, the mounted
 * function, and the app database migrated when BBFN_MIGRATE allows.
 */
export async function preparePod(log: Logger): Promise<{ settings: HostSettings; fn: MountedFunction }> {
  const settings = loadHostSettings();
  const file = process.env[RUNTIME_ENV.functionFile];
  if (!file) throw new ConfigError(`${RUNTIME_ENV.functionFile} must name the mounted function definition`);
  const fn = loadMountedFunction(file);
  if (settings.databaseUrl && settings.migrate) {
    const result = await migrate(settings.databaseUrl, { roles: rolesFromSettings(settings) });
    if (result.applied.length > 0) log.info({ applied: result.applied }, 'database migrated');
  }
  return { settings, fn };
}

export function rolesFromSettings(settings: HostSettings): { user: string; service: string } {
  return { user: settings.userRole, service: settings.serviceRole };
}

/**
 * The login of the app's handlers: the authenticator the operator gave the pod, else
 * the one derived from an admin URL (a pod run by hand); null without a database.
 */
export function sandboxDatabaseUrl(settings: HostSettings): string | null {
  if (settings.sandboxDatabaseUrl) return settings.sandboxDatabaseUrl;
  return settings.databaseUrl ? authenticatorUrl(settings.databaseUrl) : null;
}

/**
 * The login the host's own invocation writer uses: the admin when the pod has it, else
 * the authenticator (granted INSERT on the log tables, R__roles_and_grants.sql).
 */
export function invocationLogUrl(settings: HostSettings): string | null {
  return settings.databaseUrl ?? settings.sandboxDatabaseUrl ?? null;
}

/** A pod serves one app: its database, roles and auth all come from the pod's settings. */
export function appFromSettings(settings: HostSettings, appId: string): AppRuntimeConfig {
  return {
    appId,
    sandboxDatabaseUrl: sandboxDatabaseUrl(settings),
    roles: rolesFromSettings(settings),
    auth: {
      apiKeys: settings.apiKeys,
      jwt: {
        requireExp: settings.jwtRequireExp,
        ...(settings.jwtSecret ? { secret: settings.jwtSecret } : {}),
        ...(settings.jwksUrl ? { jwksUrl: settings.jwksUrl } : {}),
        ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
        ...(settings.jwtAudience?.length
          ? { audience: settings.jwtAudience.length === 1 ? settings.jwtAudience[0]! : settings.jwtAudience }
          : {}),
      },
    },
  };
}
