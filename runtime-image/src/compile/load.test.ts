import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BbfnError } from '../errors.ts';
import { compileHandler } from './compile.ts';
import { assertHandlerExport } from './handler-export.ts';
import { loadHandlerModule } from './load.ts';
import { SEED_HELLO_HANDLER, SEED_WEBHOOK_HANDLER } from './seed-examples.fixture.ts';

async function load(source: string) {
  return loadHandlerModule((await compileHandler(source)).code);
}

async function rejection(promise: Promise<unknown>): Promise<BbfnError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BbfnError);
  return error as BbfnError;
}

describe('assertHandlerExport', () => {
  it.each([
    ['a missing handler', {}, /must export a function named "handler"/],
    ['a number', { handler: 42 }, /must be a function, got number/],
    ['null', { handler: null }, /must be a function, got null/],
    ['not a module', null, /must export a function named "handler"/],
  ])('rejects %s with VALIDATION_INVALID_SCHEMA', (_name, namespace, message) => {
    expect(() => assertHandlerExport(namespace)).toThrow(message);
    try {
      assertHandlerExport(namespace);
    } catch (error) {
      expect((error as BbfnError).code).toBe('VALIDATION_INVALID_SCHEMA');
    }
  });

  it('returns the function', () => {
    const handler = async () => new Response('x');
    expect(assertHandlerExport({ handler })).toBe(handler);
  });
});

describe('loadHandlerModule', () => {
  it('runs a handler that returns a Response', async () => {
    const handler = await load(`export async function handler(req: Request) { return new Response('hi'); }`);
    const response = await handler(new Request('http://localhost/'), {});
    expect(await response.text()).toBe('hi');
  });

  it('runs the seed hello-world example unchanged', async () => {
    const handler = await load(SEED_HELLO_HANDLER);
    const response = await handler(new Request('http://localhost/'), {});
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('runs the seed webhook example until its free variable is reached', async () => {
    const handler = await load(SEED_WEBHOOK_HANDLER);
    const request = () =>
      new Request('http://localhost/', { method: 'POST', body: JSON.stringify({ id: 'evt_1' }) });
    const duplicate = await handler(request(), { idempotency: { claim: async () => false } });
    expect(await duplicate.text()).toBe('duplicate');
    await expect(handler(request(), { idempotency: { claim: async () => true } })).rejects.toThrow(
      /processEvent is not defined/,
    );
  });

  it('gives built-ins to import, bare import and require', async () => {
    const handler = await load(`
      import { createHash } from 'node:crypto';
      import util from 'util';
      const path = require('path');
      export async function handler() {
        const os = await import('node:os');
        return new Response([createHash('sha256').update('').digest('hex').slice(0, 4), typeof util.format, path.sep, typeof os.cpus].join(' '));
      }`);
    expect(await (await handler(new Request('http://localhost/'), {})).text()).toBe(
      'e3b0 function / function',
    );
  });

  it('rejects a non-function handler with VALIDATION_INVALID_SCHEMA', async () => {
    const error = await rejection(load('export const handler = 42;'));
    expect(error.code).toBe('VALIDATION_INVALID_SCHEMA');
  });

  it('reports a top-level throw as FUNCTION_LOAD_FAILED', async () => {
    const error = await rejection(
      load(`throw new TypeError('no config');\nexport const handler = () => new Response();`),
    );
    expect(error.code).toBe('FUNCTION_LOAD_FAILED');
    expect(error.message).toBe('The handler module failed to load: TypeError: no config');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('holds a computed import() to built-ins only at run time', async () => {
    const handler = await load(`export async function handler(req: Request) {
      const name = new URL(req.url).searchParams.get('m') ?? '';
      const mod = await import(name);
      return new Response(typeof mod);
    }`);
    expect(await (await handler(new Request('http://localhost/?m=node:os'), {})).text()).toBe('object');
    const error = await rejection(handler(new Request('http://localhost/?m=vitest'), {}));
    expect(error.code).toBe('VALIDATION_UNSUPPORTED_IMPORT');
    // The built-ins that reach files, processes, threads or the loader, too (builtin-policy.ts).
    for (const denied of ['node:fs', 'fs', 'child_process', 'node:module', 'worker_threads']) {
      const refused = await rejection(handler(new Request(`http://localhost/?m=${denied}`), {}));
      expect(refused.code).toBe('VALIDATION_UNSUPPORTED_IMPORT');
    }
    expect(error.details).toEqual({ specifier: 'vitest' });
  });

  // In a real worker thread, as in production: vitest's own Error.prepareStackTrace
  // would stand in for Node's source-map-aware one in this thread.
  it("maps stack traces to the user's own lines", async () => {
    const source = [
      'interface Input {',
      '  n: number;',
      '}',
      '',
      'export async function handler(req: Request) {',
      "  throw new Error('boom');",
      '}',
    ].join('\n');
    const compileUrl = new URL('./compile.ts', import.meta.url).href;
    const loadUrl = new URL('./load.ts', import.meta.url).href;
    const script = `
      import { parentPort } from 'node:worker_threads';
      import { compileHandler } from ${JSON.stringify(compileUrl)};
      import { loadHandlerModule } from ${JSON.stringify(loadUrl)};
      const { code } = await compileHandler(${JSON.stringify(source)}, { filename: 'stack-check.ts' });
      const handler = await loadHandlerModule(code);
      await handler(new Request('http://localhost/'), {}).catch((error) => parentPort.postMessage(error.stack));`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(script)}`));
    try {
      const [stack] = (await once(worker, 'message')) as [string];
      expect(stack).toMatch(/at handler \(\/stack-check\.ts:6:9\)/);
      expect(stack).not.toContain('base64');
    } finally {
      await worker.terminate();
    }
  });

  it('loads the same code twice as the same module', async () => {
    const { code } = await compileHandler(
      `let n = 0;\nexport const handler = async () => new Response(String(++n));`,
    );
    const a = await loadHandlerModule(code);
    const b = await loadHandlerModule(code);
    expect(a).toBe(b);
  });
});
