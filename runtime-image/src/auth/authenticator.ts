/**
 * Authenticates a function invocation and applies the trigger's `auth` mode. The
 * seed's roles follow from the result: a verified JWT is a `user` (RLS enforced,
 * ctx.user set), a platform API key is the `service` (RLS bypassed, ctx.user null),
 * and nothing at all is `anonymous`, which never gets the service role.
 */
import { BbfnError } from '../errors.ts';
import { createApiKeyMatcher, isApiKeyShaped } from './api-key.ts';
import type { Caller } from './caller.ts';
import { type Credential, type HeadersInput, readCredential } from './credentials.ts';
import { createJwtVerifier, type JwtConfig } from './jwt.ts';

export type { Caller } from './caller.ts';
export type { HeadersInput } from './credentials.ts';

export interface AuthConfig {
  jwt?: JwtConfig;
  /** Platform API keys of this app (`bb_sk_…`). */
  apiKeys: string[];
}

export type AuthResult = Caller;

/** A trigger's `config.auth`. */
export type AuthMode = 'required' | 'optional' | 'none';

export interface Authenticator {
  /** The caller the credentials prove; anonymous without any. Bad credentials throw a 401 BbfnError. */
  authenticate(headers: HeadersInput, query?: URLSearchParams): Promise<AuthResult>;
  /** `authenticate` under a trigger's auth mode. */
  authorize(mode: AuthMode, headers: HeadersInput, query?: URLSearchParams): Promise<AuthResult>;
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  const matchesApiKey = createApiKeyMatcher(config.apiKeys);
  const verifyJwt = createJwtVerifier(config.jwt);

  async function verify(credential: Credential): Promise<AuthResult> {
    if (credential.kind === 'api-key' || isApiKeyShaped(credential.value)) {
      if (matchesApiKey(credential.value)) return { kind: 'service' };
      throw new BbfnError('AUTH_INVALID_API_KEY');
    }
    return verifyJwt(credential.value);
  }

  async function authenticate(headers: HeadersInput, query?: URLSearchParams): Promise<AuthResult> {
    const credential = readCredential(headers, query);
    return credential ? verify(credential) : { kind: 'anonymous' };
  }

  async function authorize(
    mode: AuthMode,
    headers: HeadersInput,
    query?: URLSearchParams,
  ): Promise<AuthResult> {
    // `none`: credentials are not even read, so an API key sent to a public route
    // neither fails the call nor turns it into a service call.
    if (mode === 'none') return { kind: 'anonymous' };
    const credential = readCredential(headers, query);
    if (credential) return verify(credential);
    // Anything but an explicit `optional` fails closed.
    if (mode === 'optional') return { kind: 'anonymous' };
    throw new BbfnError('AUTH_REQUIRED');
  }

  return { authenticate, authorize };
}
