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

/** A pod serves one app: its database, roles and auth all come from the pod's settings. */
export function appFromSettings(settings: HostSettings, appId: string): AppRuntimeConfig {
  return {
    appId,
    sandboxDatabaseUrl: settings.databaseUrl ? authenticatorUrl(settings.databaseUrl) : null,
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
