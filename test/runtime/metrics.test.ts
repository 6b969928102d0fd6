import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;
const open = { type: 'http' as const, config: { method: 'ANY' as const, auth: 'none' as const } };

beforeAll(async () => {
  fx = await startHostFixture();
  await fx.deploy({
    name: 'sometimes',
    code: `export async function handler(req) {
      console.log('called');
      if (new URL(req.url).searchParams.has('fail')) throw new Error('asked to');
      return new Response('fine');
    }`,
    trigger: open,
  });
  await fx.deploy({
    name: 'gated',
    // A request to ?hold stays in flight until one to ?release lets it go (same thread).
    code: `let release;
    const gate = new Promise((resolve) => { release = resolve; });
    export async function handler(req) {
      const query = new URL(req.url).searchParams;
      if (query.has('release')) { release(); return new Response('released'); }
      await gate;
      return new Response('held');
    }`,
    trigger: open,
  });
});
afterAll(async () => {
  await fx?.close();
});

/** The value of one series in Prometheus text format, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  it('counts invocations by outcome, times them and counts console lines', async () => {
    for (const query of ['', '', '?fail']) {
      await (await fetch(`${fx.fnUrl('sometimes')}${query}`, { signal: AbortSignal.timeout(10_000) })).text();
    }
    const res = await fetch(`${fx.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const labels = 'app="demo",function="sometimes",trigger="http"';
    expect(sample(text, `bbfn_invocations_total{${labels},outcome="ok"}`)).toBe(2);
    expect(sample(text, `bbfn_invocations_total{${labels},outcome="error"}`)).toBe(1);
    expect(sample(text, `bbfn_invocation_duration_seconds_count{${labels}}`)).toBe(3);
    expect(sample(text, `bbfn_invocation_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(3);
    expect(sample(text, 'bbfn_console_lines_total{app="demo",level="info"}')).toBe(3);
  });
});

describe('bbfn_inflight_invocations', () => {
  it('counts a request in flight while it is, per function, and 0 once it is answered', async () => {
    const inflight = async (fn: string) =>
      sample(
        await (await fetch(`${fx.url}/metrics`)).text(),
        `bbfn_inflight_invocations{app="demo",function="${fn}"}`,
      );
    expect(await inflight('gated')).toBe(0);
    const held = fetch(`${fx.fnUrl('gated')}?hold`, { signal: AbortSignal.timeout(10_000) });
    await waitFor('the held request to be in flight', 10_000, async () => (await inflight('gated')) === 1);
    expect(await inflight('sometimes')).toBe(0);
    const released = await fetch(`${fx.fnUrl('gated')}?release`, { signal: AbortSignal.timeout(10_000) });
    expect(await released.text()).toBe('released');
    expect(await (await held).text()).toBe('held');
    expect(await inflight('gated')).toBe(0);
  });
});
