import { describe, expect, it } from 'vitest';
import { BbfnError } from '../errors.ts';
import { compileHandler } from './compile.ts';
import {
  SEED_HELLO_HANDLER,
  SEED_WAIT_UNTIL_HANDLER,
  SEED_WEBHOOK_HANDLER,
} from './seed-examples.fixture.ts';

async function compileError(source: string, filename?: string): Promise<BbfnError> {
  const error = await compileHandler(source, filename ? { filename } : {}).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BbfnError);
  return error as BbfnError;
}

describe('compileHandler: accepted code', () => {
  it.each([
    ['the seed webhook example (free variable processEvent)', SEED_WEBHOOK_HANDLER],
    ['the seed waitUntil example', SEED_WAIT_UNTIL_HANDLER],
    ['the seed hello-world example', SEED_HELLO_HANDLER],
    [
      'TypeScript: types, interfaces, as, generics, satisfies',
      `interface Body { name: string }
       type Reply<T> = { data: T };
       export async function handler(req: Request, ctx: unknown): Promise<Response> {
         const body = (await req.json()) as Body;
         const reply = { data: body.name } satisfies Reply<string>;
         return new Response(JSON.stringify(reply));
       }`,
    ],
    [
      'import type from a package (erased)',
      `import type { Ctx } from 'butterbase-functions';\nexport const handler = async (r: Request, c: Ctx) => new Response('x');`,
    ],
    [
      'node: built-in',
      `import { createHash } from 'node:crypto';\nexport async function handler() { return new Response(createHash('sha256').update('x').digest('hex')); }`,
    ],
    [
      'bare built-in',
      `import os from 'os';\nexport async function handler() { return new Response(String(typeof os.cpus)); }`,
    ],
    [
      'prefix-only built-in',
      `import sea from 'node:sea';\nexport async function handler() { return new Response(typeof sea); }`,
    ],
    [
      'require() of a built-in',
      `const path = require('path');\nexport async function handler() { return new Response(path.sep); }`,
    ],
    [
      'renamed export and top-level await',
      `const h = async () => new Response(String(await Promise.resolve(1)));\nawait 0;\nexport { h as handler };`,
    ],
    ['a non-function handler (checked at load time)', 'export const handler = 42;'],
  ])('%s', async (_name, source) => {
    const compiled = await compileHandler(source);
    expect(compiled.code).toContain('handler');
    expect(compiled.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(compiled.shortHash).toBe(compiled.hash.slice(0, 12));
    expect(compiled.warnings).toEqual([]);
  });

  it('rewrites bare built-ins to node: specifiers and keeps them external', async () => {
    const { code } = await compileHandler(
      `import os from 'os';\nimport { join } from 'node:path';\nexport const handler = async () => new Response(join(os.EOL, 'x'));`,
    );
    expect(code).toMatch(/from "node:os"/);
    expect(code).toMatch(/from "node:path"/);
  });

  it.each([
    [
      'node:fs',
      `import { readFileSync } from 'node:fs';\nexport const handler = async () => new Response(readFileSync('/etc/hostname'));`,
    ],
    [
      'fs/promises',
      `import fs from 'fs/promises';\nexport const handler = async () => new Response(await fs.readFile('x'));`,
    ],
    [
      'child_process',
      `const cp = require('child_process');\nexport const handler = async () => new Response(cp.execSync('id'));`,
    ],
    [
      'node:module',
      `import { createRequire } from 'node:module';\nexport const handler = async () => new Response(typeof createRequire(process.cwd() + '/'));`,
    ],
    [
      'worker_threads',
      `import { Worker } from 'worker_threads';\nexport const handler = async () => new Response(typeof Worker);`,
    ],
  ])(
    'refuses %s: no filesystem, processes, threads or module loader for a handler',
    async (specifier, source) => {
      const error = (await compileHandler(source).catch((e: unknown) => e)) as BbfnError;
      expect(error.code).toBe('VALIDATION_UNSUPPORTED_IMPORT');
      expect(error.message).toContain(`Cannot import "${specifier}": a function cannot reach the filesystem`);
    },
  );

  it('is deterministic: same source, same hash', async () => {
    const a = await compileHandler(SEED_HELLO_HANDLER);
    const b = await compileHandler(SEED_HELLO_HANDLER);
    expect(a.hash).toBe(b.hash);
  });

  it('adds an inline source map unless turned off', async () => {
    const withMap = await compileHandler(SEED_HELLO_HANDLER);
    const without = await compileHandler(SEED_HELLO_HANDLER, { sourcemap: false });
    expect(withMap.code).toContain('//# sourceMappingURL=data:application/json;base64,');
    expect(without.code).not.toContain('sourceMappingURL');
    expect(without.hash).not.toBe(withMap.hash);
  });
});

describe('compileHandler: syntax errors', () => {
  const unexpected = 'export async function handler(req) {\n  const x = ;\n  return new Response(x);\n}';

  it('reports file, 1-based line and column, and the line text', async () => {
    const error = await compileError(unexpected);
    expect(error.code).toBe('VALIDATION_SYNTAX_ERROR');
    expect(error.status).toBe(400);
    expect(error.message).toBe('handler.ts:2:13: Unexpected ";"');
    expect(error.details).toMatchObject({
      file: 'handler.ts',
      line: 2,
      column: 13,
      lineText: '  const x = ;',
    });
  });

  it('uses the filename it is given', async () => {
    const error = await compileError(unexpected, 'send-welcome-email.ts');
    expect(error.message).toMatch(/^send-welcome-email\.ts:2:13: /);
  });

  it('counts columns in characters, not UTF-8 bytes', async () => {
    const source = "const s = 'héllo wörld'; const x = ;";
    const error = await compileError(source);
    expect(error.details).toMatchObject({ line: 1, column: source.indexOf(' ;') + 2 });
  });

  it('lists every error and takes the message from the first', async () => {
    const error = await compileError(
      'let a = 1; let a = 2;\nlet b = 1; let b = 2;\nexport const handler = 1;',
    );
    expect(error.code).toBe('VALIDATION_SYNTAX_ERROR');
    const errors = error.details?.errors as Array<{ line: number; message: string }>;
    expect(errors.map((e) => e.line)).toEqual([1, 2]);
    expect(error.message).toBe(errors[0]?.message);
  });

  it('erases types without checking them', async () => {
    await expect(
      compileHandler('export const handler = async (): Promise<number> => "not a number";'),
    ).resolves.toBeDefined();
  });
});

describe('compileHandler: missing handler', () => {
  it.each([
    ['no exports', 'const x = 1;'],
    ['a different name', 'export async function handle() { return new Response(); }'],
    ['a default export only', 'export default async function handler() { return new Response(); }'],
  ])('%s → VALIDATION_INVALID_SCHEMA', async (_name, source) => {
    const error = await compileError(source);
    expect(error.code).toBe('VALIDATION_INVALID_SCHEMA');
    expect(error.message).toMatch(/^Code must export a function named "handler"/);
  });
});

describe('compileHandler: imports other than Node built-ins', () => {
  it.each([
    [
      'a package',
      `import x from 'lodash';\nexport const handler = async () => new Response(x);`,
      'lodash',
      1,
      15,
    ],
    [
      'an unused package import',
      `import x from 'lodash';\nexport const handler = async () => new Response();`,
      'lodash',
      1,
      15,
    ],
    [
      'a named value import',
      `import { z } from 'zod';\nexport const handler = async () => new Response();`,
      'zod',
      1,
      19,
    ],
    [
      'a relative file',
      `import './other';\nexport const handler = async () => new Response();`,
      './other',
      1,
      8,
    ],
    [
      'dynamic import()',
      `export async function handler() {\n  const pad = await import('left-pad');\n  return new Response(pad);\n}`,
      'left-pad',
      2,
      28,
    ],
    [
      'require()',
      `const express = require('express');\nexport const handler = async () => new Response(express);`,
      'express',
      1,
      25,
    ],
    ['a re-export', `export { handler } from 'elsewhere';`, 'elsewhere', 1, 25],
    [
      'a URL',
      `import x from 'https://esm.sh/lodash';\nexport const handler = async () => new Response(x);`,
      'https://esm.sh/lodash',
      1,
      15,
    ],
    [
      'an unknown node: module',
      `import x from 'node:nope';\nexport const handler = async () => new Response(x);`,
      'node:nope',
      1,
      15,
    ],
  ])('%s → VALIDATION_UNSUPPORTED_IMPORT', async (_name, source, specifier, line, column) => {
    const error = await compileError(source);
    expect(error.code).toBe('VALIDATION_UNSUPPORTED_IMPORT');
    expect(error.status).toBe(400);
    expect(error.details).toMatchObject({ specifier, line, column, file: 'handler.ts' });
    expect(error.message).toContain(`"${specifier}"`);
  });

  it('reports every rejected import', async () => {
    const error = await compileError(
      `import a from 'a';\nimport b from 'b';\nexport const handler = () => new Response(a + b);`,
    );
    const errors = error.details?.errors as Array<{ specifier: string }>;
    expect(errors.map((e) => e.specifier)).toEqual(['a', 'b']);
  });
});
