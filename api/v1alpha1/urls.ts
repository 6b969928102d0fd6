import { createHash } from 'node:crypto';
import type { Trigger } from './function.types.ts';

/** The one home of the function URL format: `{base}/v1/{appId}/fn/{name}`. */
export function functionPath(appId: string, name: string): string {
  return `/v1/${encodeURIComponent(appId)}/fn/${encodeURIComponent(name)}`;
}

export function functionUrl(publicBaseUrl: string, appId: string, name: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${functionPath(appId, name)}`;
}

/**
 * The management API's routes under `/v1/{appId}` (beside `/openapi.json` and `/mcp` at
 * the root): no Function's `config.path` may claim them.
 */
export const MANAGEMENT_APP_PATHS = ['/functions', '/invocations'] as const;

/** The optional `config.path` route lives beside the canonical one: `/v1/{appId}{path}`. */
export function extraRoutePath(appId: string, path: string): string {
  return `/v1/${encodeURIComponent(appId)}${path}`;
}

/** The `config.path` of the triggers that may claim one (http, webhook). */
export function triggerExtraPath(trigger: Trigger): string | undefined {
  return trigger.type === 'http' || trigger.type === 'webhook' ? trigger.config.path : undefined;
}

/**
 * `fn_` + a short id derived from (appId, name): stable across updates of the same
 * name without any stored state, so the deploy API, the operator and the local
 * platform all agree on it.
 */
export function functionId(appId: string, name: string): string {
  const digest = createHash('sha256').update(`${appId}/${name}`).digest('base64url');
  return `fn_${digest.replace(/[-_]/g, '').slice(0, 12).toLowerCase()}`;
}
