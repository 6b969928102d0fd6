import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_HELLO_HANDLER } from '../../runtime-image/src/compile/seed-examples.fixture.ts';
import { DEPLOY_REFUSED_IMPORTS, KILL_ATTEMPTS, KILL_ATTEMPTS_HANDLER } from '../support/kill-attempts.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;
const limits = { timeoutSeconds: 1, memoryMb: 64 };
const open = { type: 'http' as const, config: { method: 'ANY' as const, auth: 'none' as const } };

const LOOP = `export async function handler(req, ctx) {
  if (new URL(req.url).searchParams.get('spin') === '1') { while (true) {} }
  return new Response('alive');
}`;
const BOMB = `export async function handler(req, ctx) {
  const hold = [];
  while (true) hold.push(new Array(1e6).fill(Math.random()));
}`;
const BUFFERS = `const held = [];
export async function handler(req, ctx) {
  for (let i = 0; i < 600; i++) held.push(Buffer.alloc(1 << 20, 1));
  return new Response(String(held.length));
}`;
// Past the default 6 MiB response limit: a string at once, and a stream that never ends.
const BIG = `export async function handler(req, ctx) {
  if (new URL(req.url).searchParams.get('stream') === '1') {
    const chunk = new Uint8Array(64 * 1024).fill(120);
    return new Response(new ReadableStream({ pull(controller) { controller.enqueue(chunk); } }));
  }
  return new Response('x'.repeat(7 * 1024 * 1024));
}`;
const EXIT = `export async function handler(req, ctx) { process.exit(); }`;
const PLAIN = `export async function handler(req, ctx) { return { hello: 'world' }; }`;
const REJECT = `export async function handler(req, ctx) {
  Promise.reject(new Error('nobody catches me'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return new Response('too late');
}`;
const THROW = `export async function handler(req, ctx) { throw new Error('secret detail at line'); }`;
// A Response allows a control character in a header value; HTTP/1.1 does not.
const BAD_HEADER = `export async function handler(req, ctx) {
  return new Response('x', { headers: { 'x-note': 'a\\u0001b' } });
}`;

beforeAll(async () => {
  fx = await startHostFixture();
  for (const [name, code] of [
    ['hello', SEED_HELLO_HANDLER],
    ['loop', LOOP],
    ['bomb', BOMB],
    ['exit', EXIT],
    ['plain', PLAIN],
    ['reject', REJECT],
    ['throw', THROW],
    ['bad-header', BAD_HEADER],
    ['attempts', KILL_ATTEMPTS_HANDLER],
    ['buffers', BUFFERS],
    ['big', BIG],
  ] as const) {
    // The bomb gets more time: V8 collects hard near the heap cap before it gives up.
    const own =
      name === 'bomb'
        ? { ...limits, timeoutSeconds: 10 }
        : name === 'buffers'
          ? { timeoutSeconds: 10, memoryMb: 128 }
          : limits;
    await fx.deploy({ name, code, limits: own, trigger: open });
  }
}, 60_000);
afterAll(async () => {
  await fx?.close();
});

/** bbfn_sandbox_restarts_total for one reason, from /metrics. */
async function restarts(reason: string): Promise<number> {
  const text = await (await fetch(`${fx.url}/metrics`)).text();
  const series = `bbfn_sandbox_restarts_total{reason="${reason}"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function get(path: string) {
  const res = await fetch(fx.fnUrl(path), { signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {}
  return { status: res.status, text, code };
}

describe('sandbox failures', () => {
  it('an infinite loop → 504 FUNCTION_TIMEOUT; other functions and the same one keep serving', async () => {
    const spin = get('loop?spin=1');
    const hello = await get('hello');
    expect(hello.status).toBe(200);
    const timedOut = await spin;
    expect(timedOut.status).toBe(504);
    expect(timedOut.code).toBe('FUNCTION_TIMEOUT');
    expect((await get('hello')).status).toBe(200);
    // The very next request goes to a replacement sandbox, not to the blocked one.
    const again = await get('loop');
    expect(again.status).toBe(200);
    expect(again.text).toBe('alive');
    expect(await restarts('blocked')).toBe(1);
  });

  it('an allocation bomb → 500 FUNCTION_MEMORY_LIMIT', async () => {
    const res = await get('bomb');
    expect(res.status).toBe(500);
    expect(res.code).toBe('FUNCTION_MEMORY_LIMIT');
    expect((await get('hello')).status).toBe(200);
    expect(await restarts('memory')).toBe(1);
  });

  it('600 MB of Buffers under memoryMb 128 → 500 FUNCTION_MEMORY_LIMIT; the host stays small', async () => {
    const before = await restarts('memory');
    const res = await get('buffers');
    expect(res.code).toBe('FUNCTION_MEMORY_LIMIT');
    expect(res.status).toBe(500);
    expect((await get('hello')).status).toBe(200);
    expect(await restarts('memory')).toBe(before + 1);
    expect(process.memoryUsage().external / 2 ** 20).toBeLessThan(300);
  });

  it.each(['big', 'big?stream=1'])(
    '%s: a body past the response limit → 502 FUNCTION_RESPONSE_TOO_LARGE',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(502);
      expect(res.code).toBe('FUNCTION_RESPONSE_TOO_LARGE');
      expect((await get('hello')).status).toBe(200);
    },
  );

  it('process.exit() → FUNCTION_PROCESS_EXIT', async () => {
    const res = await get('exit');
    expect(res.status).toBe(500);
    expect(res.code).toBe('FUNCTION_PROCESS_EXIT');
  });

  it.each(Object.entries(KILL_ATTEMPTS))(
    '%s fails only its invocation; the host serves on',
    async (name, { refusal }) => {
      const res = await get(`attempts/${name}`);
      expect(res.code).toBe(refusal);
      expect(await get('attempts/none')).toMatchObject({ status: 200, text: 'alive' });
      expect((await get('hello')).status).toBe(200);
    },
  );

  it.each(DEPLOY_REFUSED_IMPORTS)('a handler importing %s is refused at deploy', async (specifier) => {
    const code = `import * as m from '${specifier}';\nexport async function handler() { return new Response(String(Object.keys(m).length)); }`;
    await expect(fx.deploy({ name: 'refused', code, limits, trigger: open })).rejects.toMatchObject({
      code: 'VALIDATION_UNSUPPORTED_IMPORT',
    });
  });

  it('a plain object instead of a Response → 502 FUNCTION_INVALID_RESPONSE', async () => {
    const res = await get('plain');
    expect(res.status).toBe(502);
    expect(res.code).toBe('FUNCTION_INVALID_RESPONSE');
  });

  it('a header HTTP cannot carry → 502 FUNCTION_INVALID_RESPONSE, and the host keeps serving', async () => {
    const res = await get('bad-header');
    expect(res.status).toBe(502);
    expect(res.code).toBe('FUNCTION_INVALID_RESPONSE');
    expect(res.text).toContain('x-note');
    expect((await get('hello')).status).toBe(200);
  });

  it('an unhandled rejection → FUNCTION_UNHANDLED_REJECTION', async () => {
    const res = await get('reject');
    expect(res.status).toBe(500);
    expect(res.code).toBe('FUNCTION_UNHANDLED_REJECTION');
  });

  it('a throw → 500 FUNCTION_THREW without a stack in the body', async () => {
    const res = await get('throw');
    expect(res.status).toBe(500);
    expect(res.code).toBe('FUNCTION_THREW');
    expect(res.text).not.toMatch(/\bat .*:\d+:\d+/);
    expect(res.text).not.toContain('stack');
    expect(res.text).not.toContain('throw.ts');
  });
});
