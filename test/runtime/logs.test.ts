import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import { waitFor } from '../support/wait.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;

const LOGGER = `export async function handler(req, ctx) {
  console.log('line log');
  console.info('line info');
  console.warn('line warn');
  console.error('line error');
  console.debug('line debug');
  ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 300)).then(() => console.log('line background')));
  return new Response('logged', { status: 201 });
}`;

beforeAll(async () => {
  fx = await startHostFixture({ backgroundLimitMs: 3_000 });
  await fx.deploy({ name: 'logger', code: LOGGER });
});
afterAll(async () => {
  await fx?.close();
});

describe('invocation logs', () => {
  it('records the invocation and every console line, background included', async () => {
    const res = await fetch(fx.fnUrl('logger'), {
      method: 'POST',
      headers: { authorization: `Bearer ${await fx.token('user-a')}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(201);
    let last: unknown;
    const record = await waitFor('the record with its five lines', 5_000, async () => {
      await fx.writer.flush();
      const [found] = await queryInvocations(fx.pool, { appId: 'demo', functionName: 'logger' });
      last = found;
      return found && found.lines.length >= 5 ? found : undefined;
    }).catch((error: unknown) => {
      throw new Error(`last seen: ${JSON.stringify(last)}`, { cause: error });
    });
    expect(record).toMatchObject({
      appId: 'demo',
      functionName: 'logger',
      trigger: 'http',
      statusCode: 201,
      outcome: 'ok',
      method: 'POST',
      userId: 'user-a',
    });
    const lines = record.lines.map((line) => [line.level, line.message]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['info', 'line log'],
        ['info', 'line info'],
        ['warn', 'line warn'],
        ['error', 'line error'],
        ['debug', 'line debug'],
      ]),
    );
  }, 15_000);

  // Also guards the writer against a flush with nothing pending leaving it stuck.
  it('stores the line printed by ctx.waitUntil work after the response', async () => {
    await waitFor('the line printed in the background', 5_000, async () => {
      await fx.writer.flush();
      const [found] = await queryInvocations(fx.pool, { appId: 'demo', functionName: 'logger' });
      return found?.lines.some((line) => line.message === 'line background') ? found : undefined;
    });
  }, 15_000);

  it('butterbase_user cannot read butterbase.invocations', async () => {
    const client = new pg.Client({ connectionString: fx.dbUrl });
    await client.connect();
    try {
      await client.query('SET ROLE butterbase_user');
      await expect(client.query('SELECT * FROM butterbase.invocations')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });
});
