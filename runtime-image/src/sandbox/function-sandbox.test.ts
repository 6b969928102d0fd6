import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileHandler } from '../compile/compile.ts';
import { FunctionSandbox } from './function-sandbox.ts';

// Counts the handler module's load attempts across worker threads (a handler has no
// filesystem: compile/builtin-policy.ts), on loopback.
let attempts = 0;
let server: Server;
let counter: string;
beforeAll(async () => {
  server = createServer((_req, res) => res.end(String(++attempts)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  counter = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A handler whose module loads once, then throws at load (counting every attempt). */
function loadsOnce(url: string): string {
  return `const attempt = Number(await (await fetch(${JSON.stringify(url)})).text());
if (attempt > 1) throw new Error('cannot load, attempt ' + attempt);
export async function handler() { return new Response('still serving'); }`;
}

describe('FunctionSandbox', () => {
  it('retries a worker whose handler fails to load with a backoff, and keeps serving from the one that loaded', async () => {
    const { code } = await compileHandler(loadsOnce(counter));
    const sandbox = new FunctionSandbox({
      bootstrap: { code, env: {}, database: null, backgroundLimitMs: 1000 },
      workers: 2,
      memoryMb: 64,
      timeoutMs: 5000,
      onLines: () => {},
    });
    await sandbox.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1600));
      // 1 load, then failures at about 0, 100, 300, 700 and 1500 ms: a handful, not a busy loop.
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect(attempts).toBeLessThanOrEqual(8);
      const result = await sandbox.invoke({
        id: crypto.randomUUID(),
        method: 'GET',
        url: 'http://localhost/',
        headers: [],
        body: null,
        caller: { kind: 'anonymous' },
      });
      expect(result).toMatchObject({ ok: true, status: 200, body: 'still serving' });
    } finally {
      await sandbox.close();
    }
  });
});
