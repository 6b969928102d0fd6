/**
 * What a handler leaves running after its response belongs to its invocation: its
 * timers, the lines it prints late, and the reason of a rejection it left unhandled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import type { InvocationWithLines } from '../../runtime-image/src/invocations/types.ts';
import { waitFor } from '../support/wait.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;
const open = { type: 'http' as const, config: { method: 'ANY' as const, auth: 'none' as const } };

const HANDLER = `export async function handler(req, ctx) {
  const route = new URL(req.url).pathname.split('/').pop();
  if (route === 'interval') {
    let ticks = 0;
    setInterval(() => console.log('tick ' + ++ticks), 20);
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 300)).then(() => console.log('background done')));
    return new Response('started');
  }
  if (route === 'timeout') {
    setTimeout(() => console.log('from a timeout after the response'), 200);
    return new Response('scheduled');
  }
  if (route === 'late') {
    const { setTimeout: sleep } = await import('node:timers/promises');
    sleep(200).then(() => { console.log('a late line'); throw new Error('a late error'); });
    return new Response('answered');
  }
  if (route === 'reject') {
    Promise.reject(new Error('the reason is 42'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    return new Response('too late');
  }
  return new Response('?');
}`;

beforeAll(async () => {
  fx = await startHostFixture({ backgroundLimitMs: 3_000 });
  await fx.deploy({ name: 'after', code: HANDLER, trigger: open });
}, 60_000);
afterAll(async () => {
  await fx?.close();
});

async function invoke(route: string): Promise<{ status: number; id: string }> {
  const res = await fetch(fx.fnUrl(`after/${route}`), { signal: AbortSignal.timeout(10_000) });
  await res.text();
  return { status: res.status, id: res.headers.get(INVOCATION_ID_HEADER)! };
}

async function recordWith(id: string, what: string, done: (r: InvocationWithLines) => boolean) {
  return await waitFor(what, 10_000, async () => {
    await fx.writer.flush();
    const [found] = await queryInvocations(fx.pool, { appId: 'demo', invocationId: id });
    return found && done(found) ? found : undefined;
  });
}

const messages = (record: InvocationWithLines) => record.lines.map((line) => line.message);

describe('after the response', () => {
  it('stops an interval with its invocation: it ticks while the background work runs, never after', async () => {
    const { id } = await invoke('interval');
    const record = await recordWith(id, 'the background work done', (r) =>
      messages(r).includes('background done'),
    );
    const ticks = messages(record).filter((m) => m.startsWith('tick')).length;
    expect(ticks).toBeGreaterThan(0);
    // Another invocation's whole background run later, the interval has not ticked again.
    const { id: second } = await invoke('timeout');
    await recordWith(second, 'the next invocation done', (r) => messages(r).length > 0);
    const again = await recordWith(id, 'the first record', () => true);
    expect(messages(again).filter((m) => m.startsWith('tick')).length).toBe(ticks);
  }, 20_000);

  it('counts a timeout left pending as background work, and stores what it prints', async () => {
    const { status, id } = await invoke('timeout');
    expect(status).toBe(200);
    await recordWith(id, 'the line of the timeout', (r) =>
      messages(r).includes('from a timeout after the response'),
    );
  }, 20_000);

  it('stores the lines and errors a handler raises after its response with that invocation', async () => {
    const { status, id } = await invoke('late');
    expect(status).toBe(200);
    const record = await recordWith(id, 'the late line and error', (r) => messages(r).length >= 2);
    expect(messages(record)[0]).toBe('a late line');
    expect(messages(record)[1]).toMatch(/^Unhandled error after the response was sent: Error: a late error/);
  }, 20_000);

  it("puts an unhandled rejection's reason in the record and in the invocation's log", async () => {
    const { status, id } = await invoke('reject');
    expect(status).toBe(500);
    const record = await recordWith(id, 'the record', (r) => r.lines.length > 0);
    expect(record).toMatchObject({
      outcome: 'unhandled_rejection',
      errorCode: 'FUNCTION_UNHANDLED_REJECTION',
    });
    expect(record.errorMessage).toContain('the reason is 42');
    expect(messages(record)[0]).toMatch(/^Unhandled rejection: Error: the reason is 42/);
  }, 20_000);
});
