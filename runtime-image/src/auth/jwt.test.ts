import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BbfnError } from '../errors.ts';
import { type JwksServer, startJwksServer } from './jwks-server.fixture.ts';
import { createJwtVerifier, signUserToken } from './jwt.ts';

const secret = 'test-secret-0123456789-0123456789-abcdef';
const issuer = 'https://auth.example.test';
const audience = 'app_abc123';

async function failure(promise: Promise<unknown>): Promise<BbfnError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BbfnError);
  return error as BbfnError;
}

describe('HS256', () => {
  const verify = createJwtVerifier({ secret, issuer, audience });
  const good = { secret, userId: 'user_1', issuer, audience };

  it('verifies a good token into a user with its claims', async () => {
    const token = await signUserToken({ ...good, claims: { role: 'editor' } });
    const caller = await verify(token);
    expect(caller).toMatchObject({
      kind: 'user',
      userId: 'user_1',
      claims: { sub: 'user_1', role: 'editor', iss: issuer, aud: audience },
    });
  });

  const missingSub = () =>
    new SignJWT({ name: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
  const hs512 = () =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));

  it.each([
    ['expired', () => signUserToken({ ...good, expiresIn: -120 }), 'token expired'],
    [
      'signed with another secret',
      () => signUserToken({ ...good, secret: `${secret}-other` }),
      'token signature is invalid',
    ],
    [
      'from another issuer',
      () => signUserToken({ ...good, issuer: 'https://evil.test' }),
      'token "iss" claim check failed',
    ],
    [
      'for another audience',
      () => signUserToken({ ...good, audience: 'app_other' }),
      'token "aud" claim check failed',
    ],
    [
      'without an issuer',
      () => signUserToken({ secret, userId: 'u', audience }),
      'token "iss" claim is missing',
    ],
    ['without a sub', missingSub, 'token has no "sub" claim'],
    ['with a disallowed algorithm', hs512, 'token algorithm is not accepted'],
    ['garbage', async () => 'not-a-jwt', 'token is malformed'],
    ['three garbage parts', async () => 'aaa.bbb.ccc', 'token is malformed'],
    [
      'unsigned (alg none)',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u"}').toString('base64url')}.`,
      'token algorithm is not accepted',
    ],
  ])('rejects a token %s with AUTH_INVALID_TOKEN', async (_name, makeToken, message) => {
    const token = await makeToken();
    const error = await failure(verify(token));
    expect(error.code).toBe('AUTH_INVALID_TOKEN');
    expect(error.status).toBe(401);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error.toJSON())).not.toContain(token);
  });

  it('refuses a token without "exp" (AUTH_TOKEN_WITHOUT_EXPIRY), unless told to accept it', async () => {
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user_1')
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(new TextEncoder().encode(secret));
    const error = await failure(verify(forever));
    expect(error.code).toBe('AUTH_TOKEN_WITHOUT_EXPIRY');
    expect(error.status).toBe(401);
    const lenient = createJwtVerifier({ secret, issuer, audience, requireExp: false });
    await expect(lenient(forever)).resolves.toMatchObject({ kind: 'user', userId: 'user_1' });
  });

  it('accepts a token a few seconds past expiry (clock skew)', async () => {
    await expect(verify(await signUserToken({ ...good, expiresIn: -2 }))).resolves.toMatchObject({
      kind: 'user',
    });
  });

  it('rejects every token when nothing is configured', async () => {
    const error = await failure(createJwtVerifier(undefined)(await signUserToken(good)));
    expect(error.code).toBe('AUTH_INVALID_TOKEN');
  });
});

describe('JWKS', () => {
  let rsa: JwksServer;
  let ec: JwksServer;
  beforeAll(async () => {
    rsa = await startJwksServer('RS256');
    ec = await startJwksServer('ES256');
  });
  afterAll(async () => {
    await rsa.close();
    await ec.close();
  });

  it('verifies an RS256 token from the key set, fetching the keys once', async () => {
    const verify = createJwtVerifier({ jwksUrl: rsa.url, issuer, audience });
    const before = rsa.requests;
    for (const userId of ['user_a', 'user_b', 'user_c']) {
      const caller = await verify(await rsa.sign({ sub: userId, iss: issuer, aud: audience }));
      expect(caller).toMatchObject({ kind: 'user', userId });
    }
    expect(rsa.requests - before).toBe(1);
  });

  it('verifies an ES256 token', async () => {
    const verify = createJwtVerifier({ jwksUrl: ec.url });
    await expect(verify(await ec.sign({ sub: 'user_es' }))).resolves.toMatchObject({
      kind: 'user',
      userId: 'user_es',
    });
  });

  it('verifies EdDSA', async () => {
    const ed = await startJwksServer('EdDSA');
    try {
      const verify = createJwtVerifier({ jwksUrl: ed.url });
      await expect(verify(await ed.sign({ sub: 'user_ed' }))).resolves.toMatchObject({ userId: 'user_ed' });
    } finally {
      await ed.close();
    }
  });

  it('rejects an unknown kid with 401', async () => {
    const verify = createJwtVerifier({ jwksUrl: rsa.url });
    const error = await failure(verify(await rsa.sign({ sub: 'u' }, { kid: 'rotated-away' })));
    expect(error.code).toBe('AUTH_INVALID_TOKEN');
    expect(error.message).toBe('token signing key is not known');
  });

  it('rejects a token signed by a key that is not in the set', async () => {
    const verify = createJwtVerifier({ jwksUrl: rsa.url });
    const impostor = await startJwksServer('RS256'); // same kid, different key
    try {
      const error = await failure(verify(await impostor.sign({ sub: 'u' })));
      expect(error.code).toBe('AUTH_INVALID_TOKEN');
      expect(error.message).toBe('token signature is invalid');
    } finally {
      await impostor.close();
    }
  });

  it('enforces issuer and audience on JWKS tokens too', async () => {
    const verify = createJwtVerifier({ jwksUrl: rsa.url, issuer, audience });
    const error = await failure(verify(await rsa.sign({ sub: 'u', iss: issuer, aud: 'someone-else' })));
    expect(error.message).toBe('token "aud" claim check failed');
  });

  it('answers 503 AUTH_PROVIDER_UNAVAILABLE when the key set cannot be fetched', async () => {
    const gone = await startJwksServer('RS256');
    await gone.close();
    const error = await failure(createJwtVerifier({ jwksUrl: gone.url })(await gone.sign({ sub: 'u' })));
    expect(error.code).toBe('AUTH_PROVIDER_UNAVAILABLE');
    expect(error.status).toBe(503);
  });

  it('does not verify an HS256 token against the key set, nor an RS256 token against the secret', async () => {
    const verify = createJwtVerifier({ secret, jwksUrl: rsa.url });
    await expect(verify(await signUserToken({ secret, userId: 'hs' }))).resolves.toMatchObject({
      userId: 'hs',
    });
    await expect(verify(await rsa.sign({ sub: 'rs' }))).resolves.toMatchObject({ userId: 'rs' });
    const hsOnly = createJwtVerifier({ secret });
    expect((await failure(hsOnly(await rsa.sign({ sub: 'rs' })))).message).toBe(
      'token algorithm is not accepted',
    );
  });
});
