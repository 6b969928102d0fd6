import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

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
