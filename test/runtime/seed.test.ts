import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SEED_HELLO_HANDLER,
  SEED_WAIT_UNTIL_HANDLER,
  SEED_WEBHOOK_HANDLER,
} from '../../runtime-image/src/compile/seed-examples.fixture.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;
beforeAll(async () => {
  fx = await startHostFixture({ backgroundLimitMs: 2_000 });
  await fx.deploy({ name: 'hello', code: SEED_HELLO_HANDLER });
  await fx.deploy({ name: 'notify', code: SEED_WAIT_UNTIL_HANDLER });
  await fx.deploy({ name: 'webhook', code: SEED_WEBHOOK_HANDLER });
});
afterAll(async () => {
  await fx?.close();
});

const auth = () => ({ authorization: `Bearer ${fx.apiKey}` });

describe('seed handler examples, verbatim', () => {
  it('hello returns 200 JSON {hello: "world"}', async () => {
    const res = await fetch(fx.fnUrl('hello'), { headers: auth(), signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  it('waitUntil example answers {accepted: true} at once although its background fetch fails', async () => {
    const started = Date.now();
    const res = await fetch(fx.fnUrl('notify'), {
      method: 'POST',
      headers: auth(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: true });
    expect(Date.now() - started).toBeLessThan(1_500);
    // The function keeps serving after the background failure.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await fetch(fx.fnUrl('hello'), { headers: auth(), signal: AbortSignal.timeout(10_000) });
    expect(again.status).toBe(200);
    const notifyAgain = await fetch(fx.fnUrl('notify'), {
      method: 'POST',
      headers: auth(),
      signal: AbortSignal.timeout(10_000),
    });
    expect(notifyAgain.status).toBe(200);
  });

  it('webhook: undefined processEvent throws on the first call, the retry is a duplicate', async () => {
    const body = JSON.stringify({ id: `evt_${Date.now()}`, type: 'test' });
    const first = await fetch(fx.fnUrl('webhook'), {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    expect(first.status).toBe(500);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('FUNCTION_THREW');
    const second = await fetch(fx.fnUrl('webhook'), {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe('duplicate');
  });
});
