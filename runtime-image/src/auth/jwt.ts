/**
 * End-user JWTs: HS256 with the app's shared secret, and/or RS256/ES256/EdDSA against
 * the identity provider's JWKS. The token's `alg` picks the key source, so a token is
 * verified once, against the one key source that may have signed it, and a public key
 * can never be mistaken for an HMAC secret. Messages name what failed, never the token.
 */
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { BbfnError } from '../errors.ts';
import type { UserCaller } from './caller.ts';
import { createVerifiedTokenCache } from './verified-token-cache.ts';

export interface JwtConfig {
  /** HS256 shared secret. */
  secret?: string;
  /** JWKS of the identity provider (RS256/ES256/EdDSA). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string | string[];
  /** Refuse tokens without an `exp` claim, which would be valid forever (default true). */
  requireExp?: boolean;
}

const SYMMETRIC_ALGORITHMS = ['HS256'];
// 'Ed25519' is the fully-specified name (RFC 9864) of what 'EdDSA' names in JOSE.
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];
/** Tolerated clock skew between the identity provider and this pod. */
const CLOCK_TOLERANCE_SECONDS = 5;

function invalid(message: string, cause?: unknown): BbfnError {
  return new BbfnError('AUTH_INVALID_TOKEN', message, cause === undefined ? undefined : { cause });
}

/** Token faults are 401; a JWKS that cannot be fetched or read is the provider's fault, 503. */
function toAuthError(error: unknown, viaJwks: boolean): BbfnError {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return invalid('token expired', error);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as { claim?: string; reason?: string };
      if (claim === 'exp' && reason === 'missing')
        return new BbfnError(
          'AUTH_TOKEN_WITHOUT_EXPIRY',
          'token has no "exp" claim; tokens must expire (BBFN_JWT_REQUIRE_EXP)',
          { cause: error },
        );
      return invalid(`token "${claim}" claim ${reason === 'missing' ? 'is missing' : 'check failed'}`, error);
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalid('token signature is invalid', error);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return invalid('token signing key is not known', error);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return invalid('token algorithm is not accepted', error);
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return invalid('token is malformed', error);
  }
  if (viaJwks) {
    return new BbfnError(
      'AUTH_PROVIDER_UNAVAILABLE',
      "The identity provider's signing keys could not be fetched",
      {
        cause: error,
      },
    );
  }
  return invalid('token could not be verified', error);
}

export type JwtVerifier = (token: string) => Promise<UserCaller>;

/**
 * jose, loaded when a token is first verified or signed: loading it takes ~30 ms, which
 * a pod would otherwise spend before it serves its first request, token or not.
 */
let joseModule: Promise<typeof import('jose')> | undefined;
const jose = () => (joseModule ??= import('jose'));

export function createJwtVerifier(config: JwtConfig | undefined): JwtVerifier {
  const secret = config?.secret ? new TextEncoder().encode(config.secret) : undefined;
  const jwksUrl = config?.jwksUrl ? new URL(config.jwksUrl) : undefined;
  // Created once per app: the key set caches keys, refetches on an unknown `kid`
  // (at most every 30 s) and shares one in-flight fetch between concurrent requests.
  let jwks: Promise<JWTVerifyGetKey> | undefined;
  const jwksKeys = (url: URL) => (jwks ??= jose().then(({ createRemoteJWKSet }) => createRemoteJWKSet(url)));
  const claimChecks: JWTVerifyOptions = {
    ...(config?.issuer ? { issuer: config.issuer } : {}),
    ...(config?.audience ? { audience: config.audience } : {}),
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(config?.requireExp === false ? {} : { requiredClaims: ['exp'] }),
  };

  async function verifyPayload(token: string): Promise<JWTPayload> {
    const { decodeProtectedHeader, jwtVerify } = await jose();
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw invalid('token is malformed', error);
    }
    if (secret && alg !== undefined && SYMMETRIC_ALGORITHMS.includes(alg)) {
      try {
        return (await jwtVerify(token, secret, { ...claimChecks, algorithms: SYMMETRIC_ALGORITHMS })).payload;
      } catch (error) {
        throw toAuthError(error, false);
      }
    }
    if (jwksUrl && alg !== undefined && ASYMMETRIC_ALGORITHMS.includes(alg)) {
      const keys = await jwksKeys(jwksUrl);
      try {
        return (await jwtVerify(token, keys, { ...claimChecks, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
      } catch (error) {
        throw toAuthError(error, true);
      }
    }
    throw invalid(
      secret || jwksUrl
        ? 'token algorithm is not accepted'
        : 'tokens are not accepted: no JWT secret or JWKS is configured',
    );
  }

  const verified = createVerifiedTokenCache();
  return async (token) => {
    const cached = verified.get(token);
    if (cached) return cached;
    const payload = await verifyPayload(token);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw invalid('token has no "sub" claim');
    const caller: UserCaller = {
      kind: 'user',
      userId: payload.sub,
      claims: payload as Record<string, unknown>,
    };
    verified.set(token, caller, typeof payload.exp === 'number' ? payload.exp : undefined);
    return caller;
  };
}

export interface SignUserTokenOptions {
  secret: string;
  userId: string;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now (may be negative, for tests) or a jose duration such as '1h'. Default '1h'. */
  expiresIn?: number | string;
  /** Extra claims, e.g. a role an RLS policy reads. */
  claims?: Record<string, unknown>;
}

/** Signs an HS256 end-user token (for `bbfn token` and tests). */
export async function signUserToken(options: SignUserTokenOptions): Promise<string> {
  const { SignJWT } = await jose();
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? '1h';
  let jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuedAt(now)
    // A number given to jose is an absolute time; ours is relative to now.
    .setExpirationTime(typeof expiresIn === 'number' ? now + expiresIn : expiresIn);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
