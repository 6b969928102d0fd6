import { BbfnError, type ErrorCode, ErrorCodes } from '../runtime-image/src/errors.ts';
import type { FunctionsApi } from './functions-api.ts';
import type { LogsQuery } from './schemas.ts';

export interface ClientOptions {
  /** The API's base URL: the local platform's, or a cluster's public base URL. */
  url: string;
  /** The platform API key of the app a call names. */
  keyFor: (appId: string) => Promise<string>;
  /** Per request; deploys wait for the rollout, so this is long. */
  timeoutMs?: number;
}

const seg = encodeURIComponent;

/**
 * The management API over HTTP: what `bbfn deploy|invoke|list|get|delete|logs` and
 * `bbfn mcp` use, so they work the same against `npm start` and a cluster. Error
 * answers come back as the BbfnErrors the server threw.
 */
export function createApiClient(options: ClientOptions): FunctionsApi {
  const base = options.url.replace(/\/+$/, '');
  async function call<T>(appId: string, method: string, path: string, body?: unknown): Promise<T> {
    const key = await options.keyFor(appId);
    let response: Response;
    try {
      response = await fetch(`${base}/v1/${seg(appId)}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw new Error(`cannot reach the management API at ${base}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) throw toError(response.status, parsed);
    return parsed as T;
  }
  return {
    deploy: (input) => call(input.app_id, 'POST', '/functions', input),
    invoke: ({ app_id, name, ...request }) => call(app_id, 'POST', `/functions/${seg(name)}/invoke`, request),
    list: async (appId) => (await call<{ functions: [] }>(appId, 'GET', '/functions')).functions,
    get: (appId, name) => call(appId, 'GET', `/functions/${seg(name)}`),
    delete: async (appId, name) => {
      await call(appId, 'DELETE', `/functions/${seg(name)}`);
    },
    invocation: (appId, id) => call(appId, 'GET', `/invocations/${seg(id)}`),
    logs: (appId, name, query) => call(appId, 'GET', `/functions/${seg(name)}/logs?${queryString(query)}`),
  };
}

function queryString(query: Partial<LogsQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}

function toError(status: number, body: unknown): Error {
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
    ?.error;
  if (error?.code && error.code in ErrorCodes) {
    return new BbfnError(
      error.code as ErrorCode,
      error.message,
      error.details ? { details: error.details } : undefined,
    );
  }
  return new Error(`the management API answered ${status}: ${JSON.stringify(body)}`);
}
