import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;
const open = { type: 'http' as const, config: { method: 'ANY' as const, auth: 'none' as const } };
const version = (n: number) => `export async function handler(req, ctx) { return new Response('v${n}'); }`;

beforeAll(async () => {
  fx = await startHostFixture();
  await fx.deploy({ name: 'svc', code: version(1), trigger: open });
});
afterAll(async () => {
  await fx?.close();
});

async function body(name: string) {
  const res = await fetch(fx.fnUrl(name), { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return res.text();
}

async function rejection(code: string): Promise<BbfnError> {
  const error = await fx.deploy({ name: 'svc', code, trigger: open }).then(
    () => {
      throw new Error('deploy should have failed');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BbfnError);
  return error as BbfnError;
}

describe('deploy', () => {
  it('a syntax error rejects with line/column and the previous revision keeps serving', async () => {
    const error = await rejection('export async function handler(req, ctx) {\n  return new Response(;\n}');
    expect(error.code).toBe('VALIDATION_SYNTAX_ERROR');
    expect(error.details).toMatchObject({ line: 2, column: expect.any(Number) });
    expect(await body('svc')).toBe('v1');
  });

  it('code without a handler → VALIDATION_INVALID_SCHEMA', async () => {
    const error = await rejection('export const notAHandler = 1;');
    expect(error.code).toBe('VALIDATION_INVALID_SCHEMA');
    expect(await body('svc')).toBe('v1');
  });

  it("import x from 'lodash' → VALIDATION_UNSUPPORTED_IMPORT", async () => {
    const error = await rejection(
      "import x from 'lodash';\nexport async function handler(req, ctx) { return new Response(String(x)); }",
    );
    expect(error.code).toBe('VALIDATION_UNSUPPORTED_IMPORT');
    expect(await body('svc')).toBe('v1');
  });

  it('a redeploy with new code answers with the new code', async () => {
    await fx.deploy({ name: 'svc', code: version(2), trigger: open });
    expect(await body('svc')).toBe('v2');
  });
});
