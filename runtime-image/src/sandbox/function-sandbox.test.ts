import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileHandler } from '../compile/compile.ts';
import { FunctionSandbox } from './function-sandbox.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-sandbox-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A handler whose module loads once, then throws at load (counting every attempt in a file). */
function loadsOnce(counter: string): string {
  return `import fs from 'node:fs';
const attempts = Number(fs.existsSync(${JSON.stringify(counter)}) ? fs.readFileSync(${JSON.stringify(counter)}, 'utf8') : 0) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(attempts));
if (attempts > 1) throw new Error('cannot load, attempt ' + attempts);
export async function handler() { return new Response('still serving'); }`;
}

describe('FunctionSandbox', () => {
  it('retries a worker whose handler fails to load with a backoff, and keeps serving from the one that loaded', async () => {
    const counter = path.join(dir, 'attempts');
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
      const attempts = Number(await readFile(counter, 'utf8'));
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
