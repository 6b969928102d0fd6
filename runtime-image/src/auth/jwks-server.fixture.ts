/**
 * A real JWKS endpoint on 127.0.0.1 for tests: a freshly generated key pair whose
 * public half is served as `{ keys: [...] }`, and a signer for its private half.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface JwksServer {
  url: string;
  /** Requests served so far (to see the key set being cached). */
  requests: number;
  sign(payload: JWTPayload, options?: { kid?: string; expiresIn?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startJwksServer(
  alg: 'RS256' | 'ES256' | 'EdDSA',
  kid = 'test-key-1',
): Promise<JwksServer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  const state = { requests: 0 };
  const server = createServer((_request, response) => {
    state.requests += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return state.requests;
    },
    async sign(payload, options = {}) {
      return new SignJWT(payload)
        .setProtectedHeader({ alg, kid: options.kid ?? kid })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
