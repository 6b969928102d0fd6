import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../errors.ts';
import { BbfnError } from '../errors.ts';
import { generateApiKey } from './api-key.ts';
import { type AuthMode, type AuthResult, createAuthenticator, type HeadersInput } from './authenticator.ts';
import { startJwksServer } from './jwks-server.fixture.ts';
import { signUserToken } from './jwt.ts';

const secret = 'authenticator-test-secret-0123456789abcdef';
const apiKey = generateApiKey();
const otherKey = generateApiKey();
const authenticator = createAuthenticator({ jwt: { secret }, apiKeys: [apiKey] });

const userToken = await signUserToken({ secret, userId: 'user_42' });
const expiredToken = await signUserToken({ secret, userId: 'user_42', expiresIn: -600 });

async function outcome(promise: Promise<AuthResult>): Promise<AuthResult['kind'] | ErrorCode> {
  try {
    return (await promise).kind;
  } catch (error) {
    if (error instanceof BbfnError) return error.code;
    throw error;
  }
}

describe('authenticate: where credentials come from', () => {
  it.each<[string, HeadersInput, URLSearchParams | undefined, AuthResult['kind'] | ErrorCode]>([
    ['no credentials', {}, undefined, 'anonymous'],
    ['a user JWT in Authorization', { authorization: `Bearer ${userToken}` }, undefined, 'user'],
    ['the bearer scheme in any case', { authorization: `bearer ${userToken}` }, undefined, 'user'],
    ['an API key in Authorization', { authorization: `Bearer ${apiKey}` }, undefined, 'service'],
    ['an API key in x-api-key', { 'x-api-key': apiKey }, undefined, 'service'],
    ['an API key in apikey', { apikey: apiKey }, undefined, 'service'],
    ['a user JWT in access_token', {}, new URLSearchParams({ access_token: userToken }), 'user'],
    ['an API key in access_token', {}, new URLSearchParams({ access_token: apiKey }), 'service'],
    [
      'a wrong API key in Authorization',
      { authorization: `Bearer ${otherKey}` },
      undefined,
      'AUTH_INVALID_API_KEY',
    ],
    ['a wrong API key in x-api-key', { 'x-api-key': otherKey }, undefined, 'AUTH_INVALID_API_KEY'],
    ['a wrong API key in apikey', { apikey: otherKey }, undefined, 'AUTH_INVALID_API_KEY'],
    ['a JWT where an API key belongs', { 'x-api-key': userToken }, undefined, 'AUTH_INVALID_API_KEY'],
    [
      'a wrong API key in access_token',
      {},
      new URLSearchParams({ access_token: otherKey }),
      'AUTH_INVALID_API_KEY',
    ],
    ['an expired JWT', { authorization: `Bearer ${expiredToken}` }, undefined, 'AUTH_INVALID_TOKEN'],
    [
      'a Basic Authorization header',
      { authorization: 'Basic dXNlcjpwYXNz' },
      undefined,
      'AUTH_INVALID_TOKEN',
    ],
    ['Bearer without a token', { authorization: 'Bearer' }, undefined, 'AUTH_INVALID_TOKEN'],
    ['an empty x-api-key (absent)', { 'x-api-key': '' }, undefined, 'anonymous'],
    [
      'Authorization before x-api-key',
      { authorization: `Bearer ${expiredToken}`, 'x-api-key': apiKey },
      undefined,
      'AUTH_INVALID_TOKEN',
    ],
    [
      'headers before the query',
      { 'x-api-key': apiKey },
      new URLSearchParams({ access_token: userToken }),
      'service',
    ],
    ['a capitalised header name', { Authorization: `Bearer ${userToken}` }, undefined, 'user'],
    ['a Web Headers object', new Headers({ 'X-Api-Key': apiKey }), undefined, 'service'],
  ])('%s', async (_name, headers, query, expected) => {
    expect(await outcome(authenticator.authenticate(headers, query))).toBe(expected);
  });

  it('ignores access_token unless the query is passed', async () => {
    expect(await outcome(authenticator.authenticate({}))).toBe('anonymous');
  });

  it('returns the user id and claims of a JWT', async () => {
    const caller = await authenticator.authenticate({ authorization: `Bearer ${userToken}` });
    expect(caller).toMatchObject({ kind: 'user', userId: 'user_42', claims: { sub: 'user_42' } });
  });

  it('says "token expired" for an expired JWT and never echoes the token', async () => {
    const error = await authenticator
      .authenticate({ authorization: `Bearer ${expiredToken}` })
      .catch((e: unknown) => e as BbfnError);
    expect(error).toBeInstanceOf(BbfnError);
    expect((error as BbfnError).message).toBe('token expired');
    expect(JSON.stringify((error as BbfnError).toJSON())).not.toContain(expiredToken);
  });

  it('never echoes a wrong API key', async () => {
    const error = (await authenticator
      .authenticate({ 'x-api-key': otherKey })
      .catch((e: unknown) => e)) as BbfnError;
    expect(error.status).toBe(401);
    expect(JSON.stringify(error.toJSON())).not.toContain(otherKey);
  });

  it('gives no service role to anyone when the app has no API keys', async () => {
    const keyless = createAuthenticator({ apiKeys: [] });
    expect(await outcome(keyless.authenticate({ 'x-api-key': apiKey }))).toBe('AUTH_INVALID_API_KEY');
  });
});

describe('authorize: auth modes', () => {
  const credentials: Record<string, HeadersInput> = {
    none: {},
    'user JWT': { authorization: `Bearer ${userToken}` },
    'API key': { 'x-api-key': apiKey },
    'expired JWT': { authorization: `Bearer ${expiredToken}` },
    'garbage token': { authorization: 'Bearer garbage' },
    'wrong API key': { 'x-api-key': otherKey },
  };
  const expected: Record<AuthMode, Record<string, AuthResult['kind'] | ErrorCode>> = {
    required: {
      none: 'AUTH_REQUIRED',
      'user JWT': 'user',
      'API key': 'service',
      'expired JWT': 'AUTH_INVALID_TOKEN',
      'garbage token': 'AUTH_INVALID_TOKEN',
      'wrong API key': 'AUTH_INVALID_API_KEY',
    },
    optional: {
      none: 'anonymous',
      'user JWT': 'user',
      'API key': 'service',
      'expired JWT': 'AUTH_INVALID_TOKEN',
      'garbage token': 'AUTH_INVALID_TOKEN',
      'wrong API key': 'AUTH_INVALID_API_KEY',
    },
    // Credentials are ignored entirely: never verified, never the service role.
    none: {
      none: 'anonymous',
      'user JWT': 'anonymous',
      'API key': 'anonymous',
      'expired JWT': 'anonymous',
      'garbage token': 'anonymous',
      'wrong API key': 'anonymous',
    },
  };
  const cases = Object.entries(expected).flatMap(([mode, row]) =>
    Object.entries(row).map(([credential, result]) => [mode as AuthMode, credential, result] as const),
  );

  it.each(cases)('%s + %s → %s', async (mode, credential, result) => {
    expect(await outcome(authenticator.authorize(mode, credentials[credential]!))).toBe(result);
  });

  it('AUTH_REQUIRED is a 401', async () => {
    const error = (await authenticator.authorize('required', {}).catch((e: unknown) => e)) as BbfnError;
    expect(error.status).toBe(401);
  });

  it('fails closed on an unknown mode', async () => {
    expect(await outcome(authenticator.authorize('public' as AuthMode, {}))).toBe('AUTH_REQUIRED');
  });
});

describe('authenticate with a JWKS', () => {
  it('turns an RS256 token from the identity provider into a user', async () => {
    const idp = await startJwksServer('RS256');
    try {
      const withJwks = createAuthenticator({
        jwt: { jwksUrl: idp.url, issuer: 'https://idp.test' },
        apiKeys: [],
      });
      const token = await idp.sign({ sub: 'user_rs', iss: 'https://idp.test' });
      expect(await withJwks.authorize('required', { authorization: `Bearer ${token}` })).toMatchObject({
        kind: 'user',
        userId: 'user_rs',
      });
      const unknownKid = await idp.sign({ sub: 'user_rs', iss: 'https://idp.test' }, { kid: 'other' });
      expect(await outcome(withJwks.authorize('optional', { authorization: `Bearer ${unknownKid}` }))).toBe(
        'AUTH_INVALID_TOKEN',
      );
    } finally {
      await idp.close();
    }
  });
});
