import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;

const LATE_WRITER = `export async function handler(req, ctx) {
  const tag = new URL(req.url).searchParams.get('tag');
  ctx.waitUntil((async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await ctx.db.query('INSERT INTO late_rows (tag) VALUES ($1)', [tag]);
  })());
  return new Response('accepted', { status: 202 });
}`;

beforeAll(async () => {
  fx = await startHostFixture({ backgroundLimitMs: 5_000 });
  await fx.pool.query(`
    CREATE TABLE late_rows (tag text NOT NULL);
    GRANT SELECT, INSERT ON late_rows TO butterbase_user, butterbase_service;
  `);
  await fx.deploy({ name: 'late', code: LATE_WRITER });
});
afterAll(async () => {
  await fx?.close();
});

describe('graceful shutdown', () => {
  it('finishes ctx.waitUntil work (sleep, then ctx.db insert) before it resolves', async () => {
    const res = await fetch(`${fx.fnUrl('late')}?tag=drained`, {
      headers: { authorization: `Bearer ${fx.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(202);
    const before = await fx.pool.query('SELECT tag FROM late_rows');
    expect(before.rows).toEqual([]);
    const started = Date.now();
    await Promise.race([
      fx.shutdown('test'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown took over 15 s')), 15_000)),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const after = await fx.pool.query('SELECT tag FROM late_rows');
    expect(after.rows).toEqual([{ tag: 'drained' }]);
  });
});
