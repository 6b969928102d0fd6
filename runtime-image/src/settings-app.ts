import type { HostSettings } from './config.ts';
import type { AppRuntimeConfig } from './host/host.ts';

export function rolesFromSettings(settings: HostSettings): { user: string; service: string } {
  return { user: settings.userRole, service: settings.serviceRole };
}

/** A pod serves one app: its database, roles and auth all come from the pod's settings. */
export function appFromSettings(settings: HostSettings, appId: string): AppRuntimeConfig {
  return {
    appId,
    databaseUrl: settings.databaseUrl ?? null,
    roles: rolesFromSettings(settings),
    auth: {
      apiKeys: settings.apiKeys,
      jwt: {
        ...(settings.jwtSecret ? { secret: settings.jwtSecret } : {}),
        ...(settings.jwksUrl ? { jwksUrl: settings.jwksUrl } : {}),
        ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
        ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
      },
    },
  };
}
