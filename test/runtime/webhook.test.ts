import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookTriggerSchema } from '../../api/v1alpha1/function.types.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import {
  discordPing,
  PROVIDER_CASES,
  type ProviderCase,
  slackUrlVerification,
} from '../../runtime-image/src/webhook/signed-deliveries.fixture.ts';
import { waitFor } from '../support/wait.ts';
import { type HostFixture, startHostFixture } from './host.fixture.ts';

let fx: HostFixture;

// Counts every run, fails once when told to (a row in fail_once), records what ran.
const HANDLER = `export async function handler(req, ctx) {
  const raw = await req.text();
  await ctx.db.query('INSERT INTO attempts (provider, id) VALUES ($1, $2)', [ctx.webhook.provider, ctx.webhook.id]);
  const fail = await ctx.db.query('DELETE FROM fail_once WHERE id = $1 RETURNING id', [ctx.webhook.id]);
  if (fail.rowCount > 0) throw new Error('told to fail once');
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log('handled', ctx.webhook.provider, ctx.webhook.id);
  return Response.json({ webhook: ctx.webhook, user: ctx.user, rawLength: raw.length });
}`;

const nameOf = (c: ProviderCase) => `hook-${c.provider}`;
const now = () => Math.floor(Date.now() / 1000);

async function send(
  c: ProviderCase,
  options: { at?: number; forged?: boolean; eventId?: string; drop?: string } = {},
) {
  const url = fx.fnUrl(nameOf(c));
  const { body, headers, id } = c.sign({ at: options.at ?? now(), url, ...options });
  if (options.drop) delete headers[options.drop];
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  return { res, id, body };
}

async function attempts(provider: string, id: string): Promise<number> {
  const { rows } = await fx.pool.query(
    'SELECT count(*)::int AS n FROM attempts WHERE provider = $1 AND id = $2',
    [provider, id],
  );
  return rows[0].n;
}

/** The stored invocation record of a response, once the writer has flushed it. */
async function recordOf(res: Response) {
  const invocationId = res.headers.get('x-bbfn-invocation-id');
  expect(invocationId).toBeTruthy();
  return await waitFor(`the record of ${invocationId}`, 10_000, async () => {
    await fx.writer.flush();
    const [found] = await queryInvocations(fx.pool, { appId: 'demo', invocationId: invocationId! });
    return found;
  });
}

beforeAll(async () => {
  fx = await startHostFixture();
  await fx.pool.query(`
    CREATE TABLE attempts (provider text NOT NULL, id text NOT NULL);
    CREATE TABLE fail_once (id text PRIMARY KEY);
    GRANT SELECT, INSERT, DELETE ON attempts, fail_once TO butterbase_service;
  `);
  for (const c of PROVIDER_CASES) {
    await fx.deploy({
      name: nameOf(c),
      code: HANDLER,
      trigger: webhookTriggerSchema.parse({
        type: 'webhook',
        config: {
          provider: c.provider,
          secretRef: { name: 'hooks', key: c.provider },
          ...(c.hmac ? { hmac: c.hmac } : {}),
        },
      }),
      webhookSecret: c.secret,
    });
  }
}, 120_000);
afterAll(async () => {
  await fx?.close();
});

describe.each(PROVIDER_CASES)('a $provider webhook', (c) => {
  it('runs the handler with the verified event as ctx.webhook, the raw body intact, as the service role', async () => {
    const { res, id, body } = await send(c, {
      eventId: c.provider === 'telegram' ? '1001' : `first-${c.provider}`,
    });
    expect(res.status).toBe(200);
    const json = await res.json();
    expect(json.webhook).toMatchObject({ provider: c.provider, id });
    expect(json.rawLength).toBe(Buffer.byteLength(body));
    expect(json.user).toBeNull();
  });

  it('refuses a bad signature, a stale timestamp and a missing header with 401, recorded as rejected', async () => {
    const forged = await send(c, {
      forged: true,
      eventId: c.provider === 'telegram' ? '1002' : `forged-${c.provider}`,
    });
    expect(forged.res.status).toBe(401);
    expect((await forged.res.json()).error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const missing = await send(c, { drop: c.signatureHeader });
    expect(missing.res.status).toBe(401);
    expect((await missing.res.json()).error.code).toBe('WEBHOOK_SIGNATURE_MISSING');
    if (c.timestamped) {
      const stale = await send(c, { at: now() - 3600 });
      expect(stale.res.status).toBe(401);
      expect((await stale.res.json()).error.code).toBe('WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE');
    }
    expect(await attempts(c.provider, forged.id)).toBe(0);
    const record = await recordOf(forged.res);
    expect(record).toMatchObject({
      outcome: 'rejected',
      statusCode: 401,
      errorCode: 'WEBHOOK_SIGNATURE_INVALID',
    });
  });

  it('runs 20 concurrent deliveries of one event exactly once, acknowledging the others', async () => {
    const eventId = c.provider === 'telegram' ? '2001' : `burst-${c.provider}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => send(c, { eventId })));
    expect(results.map((r) => r.res.status)).toEqual(Array(20).fill(200));
    const bodies = await Promise.all(results.map((r) => r.res.text()));
    expect(bodies.filter((b) => b === 'duplicate')).toHaveLength(19);
    expect(await attempts(c.provider, results[0]!.id)).toBe(1);
    // Each acknowledged delivery is recorded, as a duplicate.
    const acknowledged = results[bodies.indexOf('duplicate')]!.res;
    expect(await recordOf(acknowledged)).toMatchObject({ outcome: 'duplicate', statusCode: 200 });
  });

  it('gives a failed run its claim back, so the retry runs it again and succeeds', async () => {
    const eventId = c.provider === 'telegram' ? '3001' : `retry-${c.provider}`;
    const id = c.sign({ at: now(), url: fx.fnUrl(nameOf(c)), eventId }).id;
    await fx.pool.query('INSERT INTO fail_once (id) VALUES ($1)', [id]);
    const first = await send(c, { eventId });
    expect(first.res.status).toBe(500);
    const retry = await send(c, { eventId });
    expect(retry.res.status).toBe(200);
    expect(await attempts(c.provider, id)).toBe(2);
    const again = await send(c, { eventId });
    expect(await again.res.text()).toBe('duplicate');
    expect(await attempts(c.provider, id)).toBe(2);
  });
});

describe('the trigger config', () => {
  const stripe = PROVIDER_CASES.find((c) => c.provider === 'stripe')!;
  const github = PROVIDER_CASES.find((c) => c.provider === 'github')!;

  async function deliver(name: string, c: ProviderCase, at: number, eventId: string) {
    const url = fx.fnUrl(name);
    const { body, headers, id } = c.sign({ at, url, eventId });
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    return { res, id };
  }

  it('holds a delivery to its own toleranceSeconds, and claims with its dedupe TTL in the scope of the provider', async () => {
    await fx.deploy({
      name: 'hook-tight',
      code: HANDLER,
      trigger: webhookTriggerSchema.parse({
        type: 'webhook',
        config: {
          provider: 'stripe',
          secretRef: { name: 'hooks', key: 'stripe' },
          toleranceSeconds: 30,
          dedupe: { ttlSeconds: 60 },
        },
      }),
      webhookSecret: stripe.secret,
    });
    // Two minutes old: within the default 300 s, not within this function's 30 s.
    const late = await deliver('hook-tight', stripe, now() - 120, 'evt_tight_late');
    expect(late.res.status).toBe(401);
    expect((await late.res.json()).error.code).toBe('WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE');
    const onTime = await deliver('hook-tight', stripe, now(), 'evt_tight');
    expect(onTime.res.status).toBe(200);
    const { rows } = await fx.pool.query(
      `SELECT scope, expires_at > now() + interval '30 seconds' AND expires_at <= now() + interval '60 seconds' AS ttl
         FROM _idempotency_keys WHERE key = $1`,
      [onTime.id],
    );
    expect(rows).toEqual([{ scope: 'stripe', ttl: true }]);
  });

  it('runs every delivery when dedupe is off, claiming nothing', async () => {
    await fx.deploy({
      name: 'hook-every',
      code: HANDLER,
      trigger: webhookTriggerSchema.parse({
        type: 'webhook',
        config: {
          provider: 'github',
          secretRef: { name: 'hooks', key: 'github' },
          dedupe: { enabled: false },
        },
      }),
      webhookSecret: github.secret,
    });
    const first = await deliver('hook-every', github, now(), 'every-1');
    const second = await deliver('hook-every', github, now(), 'every-1');
    expect([first.res.status, second.res.status]).toEqual([200, 200]);
    expect(await attempts('github', first.id)).toBe(2);
    const { rowCount } = await fx.pool.query('SELECT 1 FROM _idempotency_keys WHERE key = $1', [first.id]);
    expect(rowCount).toBe(0);
  });
});

describe('handshakes and methods', () => {
  it("answers Discord's PING without running the handler", async () => {
    const ping = discordPing(now());
    const res = await fetch(fx.fnUrl('hook-discord'), {
      method: 'POST',
      headers: ping.headers,
      body: ping.body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: 1 });
    expect(await attempts('discord', 'ping_1')).toBe(0);
  });

  it("answers Slack's url_verification with its challenge, without running the handler", async () => {
    const challenge = slackUrlVerification(now(), 'challenge-7');
    const res = await fetch(fx.fnUrl('hook-slack'), {
      method: 'POST',
      headers: challenge.headers,
      body: challenge.body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'challenge-7' });
    expect(await attempts('slack', 'challenge-7')).toBe(0);
    // Unsigned, it is refused like any other delivery.
    const forged = await fetch(fx.fnUrl('hook-slack'), {
      method: 'POST',
      headers: { ...challenge.headers, 'x-slack-signature': 'v0=00' },
      body: challenge.body,
    });
    expect(forged.status).toBe(401);
  });

  it('refuses other methods than POST', async () => {
    const res = await fetch(fx.fnUrl('hook-github'));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('refuses to deploy a webhook without its signing secret, keeping the revision that serves', async () => {
    const trigger = webhookTriggerSchema.parse({
      type: 'webhook',
      config: { provider: 'github', secretRef: { name: 'hooks', key: 'github' } },
    });
    await expect(fx.deploy({ name: 'hook-github', code: HANDLER, trigger })).rejects.toMatchObject({
      code: 'VALIDATION_WEBHOOK_SECRET',
    });
    const { res } = await send(PROVIDER_CASES.find((c) => c.provider === 'github')!, {
      eventId: 'after-bad-deploy',
    });
    expect(res.status).toBe(200);
  });
});
