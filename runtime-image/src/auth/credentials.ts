/**
 * Finds the one credential a request carries. Precedence: `Authorization: Bearer`,
 * then `x-api-key`, then `apikey`, then the `access_token` query parameter (for
 * WebSocket clients, which cannot set headers; only consulted when the caller passes
 * the query). Only the first present credential is considered, so a request cannot
 * mix identities.
 */
import { BbfnError } from '../errors.ts';

/** Node's IncomingHttpHeaders, a plain record, or a Web `Headers`. */
export type HeadersInput =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | string[] | undefined>>;

export interface Credential {
  /** `bearer` may hold a JWT or an API key; `api-key` holds an API key only. */
  kind: 'bearer' | 'api-key';
  value: string;
  source: 'authorization' | 'x-api-key' | 'apikey' | 'access_token';
}

function isHeadersLike(headers: HeadersInput): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function';
}

/** Case-insensitive read; Node lowercases names, hand-written records may not. */
export function readHeader(headers: HeadersInput, name: string): string | undefined {
  let value: string | string[] | null | undefined;
  if (isHeadersLike(headers)) {
    value = headers.get(name);
  } else {
    value = headers[name];
    if (value === undefined) {
      const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
      value = key === undefined ? undefined : headers[key];
    }
  }
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  // An empty header is what some proxies forward for "none"; treat it as absent.
  return trimmed ? trimmed : undefined;
}

const BEARER = /^Bearer[ \t]+(\S+)$/i;

export function readCredential(headers: HeadersInput, query?: URLSearchParams): Credential | undefined {
  const authorization = readHeader(headers, 'authorization');
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match?.[1])
      throw new BbfnError('AUTH_INVALID_TOKEN', 'The Authorization header must be "Bearer <token>"');
    return { kind: 'bearer', value: match[1], source: 'authorization' };
  }
  const xApiKey = readHeader(headers, 'x-api-key');
  if (xApiKey !== undefined) return { kind: 'api-key', value: xApiKey, source: 'x-api-key' };
  const apikey = readHeader(headers, 'apikey');
  if (apikey !== undefined) return { kind: 'api-key', value: apikey, source: 'apikey' };
  const accessToken = query?.get('access_token')?.trim();
  if (accessToken) return { kind: 'bearer', value: accessToken, source: 'access_token' };
  return undefined;
}
