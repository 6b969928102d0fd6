import { connect } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostFixture, JWT_SECRET, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;

const ECHO = `export async function handler(req, ctx) {
  return Response.json({ method: req.method, url: req.url, user: ctx.user });
}`;

beforeAll(async () => {
  fx = await startHostFixture();
  await fx.deploy({ name: 'private', code: ECHO });
  await fx.deploy({
    name: 'maybe',
    code: ECHO,
    trigger: { type: 'http', config: { method: 'ANY', auth: 'optional' } },
  });
  await fx.deploy({
    name: 'postonly',
    code: ECHO,
    trigger: { type: 'http', config: { method: 'POST', auth: 'none' } },
  });
  await fx.deploy({
    name: 'welcome',
    code: ECHO,
    trigger: { type: 'http', config: { method: 'ANY', auth: 'none', path: '/welcome' } },
  });
  await fx.deploy({
    name: 'x',
    code: ECHO,
    trigger: { type: 'http', config: { method: 'ANY', auth: 'none' } },
  });
});
afterAll(async () => {
  await fx?.close();
});

const timeout = () => AbortSignal.timeout(10_000);

async function errorOf(res: Response) {
  expect(res.headers.get('content-type')).toContain('application/json');
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe('auth', () => {
  it('required + no credential → 401 AUTH_REQUIRED JSON', async () => {
    const res = await fetch(fx.fnUrl('private'), { signal: timeout() });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('AUTH_REQUIRED');
  });

  it('a bad JWT → 401 AUTH_INVALID_TOKEN', async () => {
    const res = await fetch(fx.fnUrl('private'), {
      headers: { authorization: 'Bearer not.a.jwt' },
      signal: timeout(),
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('AUTH_INVALID_TOKEN');
    const forged = `${(await fx.token('user-a')).slice(0, -4)}AAAA`;
    const res2 = await fetch(fx.fnUrl('private'), {
      headers: { authorization: `Bearer ${forged}` },
      signal: timeout(),
    });
    expect(res2.status).toBe(401);
    expect((await errorOf(res2)).code).toBe('AUTH_INVALID_TOKEN');
  });

  it('optional + no credential → ctx.user null', async () => {
    const res = await fetch(fx.fnUrl('maybe'), { signal: timeout() });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: unknown }).user).toBeNull();
  });
});

describe('routing', () => {
  it('config.method POST is enforced: GET → 405 with an allow header', async () => {
    const res = await fetch(fx.fnUrl('postonly'), { signal: timeout() });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await errorOf(res)).code).toBe('HTTP_METHOD_NOT_ALLOWED');
    const ok = await fetch(fx.fnUrl('postonly'), { method: 'POST', signal: timeout() });
    expect(ok.status).toBe(200);
  });

  it('config.path /welcome is served at /v1/demo/welcome', async () => {
    const res = await fetch(`${fx.url}/v1/demo/welcome`, { signal: timeout() });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { url: string }).url).toMatch(/\/v1\/demo\/welcome$/);
  });

  it('a sub-path reaches the handler with the full URL', async () => {
    const res = await fetch(`${fx.fnUrl('x')}/a/b?q=1`, { signal: timeout() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string };
    expect(new URL(body.url).pathname).toBe('/v1/demo/fn/x/a/b');
    expect(new URL(body.url).search).toBe('?q=1');
  });

  it('an unknown function → 404 RESOURCE_NOT_FOUND', async () => {
    const res = await fetch(fx.fnUrl('nope'), { signal: timeout() });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('RESOURCE_NOT_FOUND');
  });

  it('while the first deploys run, a function not deployed yet → 503 HOST_STARTING with Retry-After', async () => {
    fx.host.starting = true;
    try {
      const res = await fetch(fx.fnUrl('nope'), { signal: timeout() });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await errorOf(res)).code).toBe('HOST_STARTING');
      // Deployed functions serve meanwhile.
      expect((await fetch(fx.fnUrl('x'), { signal: timeout() })).status).toBe(200);
    } finally {
      fx.host.starting = false;
    }
  });

  it('a body over bodyLimit → 413 HTTP_BODY_TOO_LARGE', async () => {
    const res = await fetch(fx.fnUrl('x'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(1024 * 64 + 1024),
      signal: timeout(),
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('HTTP_BODY_TOO_LARGE');
  });
});

/** Sends `head` (and `body`) on a fresh connection; resolves with the status and the JSON body. */
function rawRequest(head: string, body = ''): Promise<{ status: number; headers: string; json: unknown }> {
  const { hostname, port } = new URL(fx.url);
  return new Promise((resolve, reject) => {
    // Connection: close, and the socket left open: the server ends it once it has answered.
    const socket = connect(Number(port), hostname, () =>
      socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`),
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [headers = '', payload = ''] = text.split('\r\n\r\n');
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        json = payload;
      }
      resolve({ status: Number(headers.split(' ')[1]), headers: headers.toLowerCase(), json });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

describe('HTTP edges', () => {
  const pathOf = (name: string) => new URL(fx.fnUrl(name)).pathname;

  it('QUERY without a Content-Type → 400 HTTP_BAD_REQUEST, not 500; with one, the handler runs', async () => {
    const bare = await rawRequest(`QUERY ${pathOf('x')} HTTP/1.1\r\nHost: x\r\nContent-Length: 2`, 'hi');
    expect(bare.status).toBe(400);
    expect(bare.json).toMatchObject({ error: { code: 'HTTP_BAD_REQUEST' } });
    const typed = await rawRequest(
      `QUERY ${pathOf('x')} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2`,
      'hi',
    );
    expect(typed.status).toBe(200);
    expect(typed.json).toMatchObject({ method: 'QUERY' });
  });

  it.each(['PROPFIND', 'TRACE'])(
    '%s to a function that takes POST → 405 with Allow, not 404',
    async (method) => {
      const res = await rawRequest(`${method} ${pathOf('postonly')} HTTP/1.1\r\nHost: x`);
      expect(res.status).toBe(405);
      expect(res.headers).toContain('allow: post');
      expect(res.json).toMatchObject({ error: { code: 'HTTP_METHOD_NOT_ALLOWED' } });
      const nowhere = await rawRequest(`${method} /v1/demo/fn/absent HTTP/1.1\r\nHost: x`);
      expect(nowhere.status).toBe(404);
    },
  );

  it('a malformed request → 400 and oversized headers → 431, in the host error shape', async () => {
    const garbage = await rawRequest('NOT HTTP AT ALL');
    expect(garbage.status).toBe(400);
    expect(garbage.json).toEqual({ error: { code: 'HTTP_BAD_REQUEST', message: expect.any(String) } });
    const badUrl = await rawRequest('GET /v1/%zz HTTP/1.1\r\nHost: x');
    expect(badUrl.status).toBe(400);
    expect(badUrl.json).toMatchObject({ error: { code: 'HTTP_BAD_REQUEST' } });
    const huge = await rawRequest(`GET ${pathOf('x')} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`);
    expect(huge.status).toBe(431);
    expect(huge.json).toEqual({ error: { code: 'HTTP_HEADERS_TOO_LARGE', message: expect.any(String) } });
  });

  it('a JWT without "exp" → 401 AUTH_TOKEN_WITHOUT_EXPIRY', async () => {
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-a')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const res = await fetch(fx.fnUrl('private'), { headers: { authorization: `Bearer ${forever}` } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('AUTH_TOKEN_WITHOUT_EXPIRY');
  });
});
