import { createApiKeyMatcher } from '../runtime-image/src/auth/api-key.ts';
import { BbfnError } from '../runtime-image/src/errors.ts';
import type { FunctionsApi, ManagementBackend } from './functions-api.ts';

/**
 * The backend as seen by the holder of one key: every operation names an app, and the
 * key must be one of that App's platform API keys, so one app's key never reaches
 * another app's functions or logs. An appId no App has is RESOURCE_NOT_FOUND (the seed's
 * "App doesn't exist"), a key the App does not have is AUTH_INVALID_API_KEY (401).
 */
export function authorizedApi(backend: ManagementBackend, key: string | undefined): FunctionsApi {
  async function check(appId: string): Promise<void> {
    if (!key) throw new BbfnError('AUTH_REQUIRED', "Send the app's platform API key as a Bearer token");
    const keys = await backend.apiKeys(appId);
    if (keys === null) throw new BbfnError('RESOURCE_NOT_FOUND', `App "${appId}" doesn't exist`);
    if (!createApiKeyMatcher(keys)(key)) throw new BbfnError('AUTH_INVALID_API_KEY');
  }
  const after = <T>(appId: string, run: () => Promise<T>): Promise<T> => check(appId).then(run);
  return {
    deploy: (input) => after(input.app_id, () => backend.deploy(input)),
    invoke: (input) => after(input.app_id, () => backend.invoke(input)),
    list: (appId) => after(appId, () => backend.list(appId)),
    get: (appId, name) => after(appId, () => backend.get(appId, name)),
    delete: (appId, name) => after(appId, () => backend.delete(appId, name)),
    invocation: (appId, id) => after(appId, () => backend.invocation(appId, id)),
    logs: (appId, name, query) => after(appId, () => backend.logs(appId, name, query)),
  };
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}
