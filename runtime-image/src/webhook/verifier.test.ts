import { createHmac, sign as edSign, generateKeyPairSync } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { WebhookProvider } from '../../../api/v1alpha1/function.types.ts';
import { isBbfnError } from '../errors.ts';
import type { WebhookDelivery } from './types.ts';
import { createWebhookVerifier, type WebhookVerifierConfig } from './verifier.ts';

const NOW = 1_760_000_000;
const enc = new TextEncoder();

function delivery(
  body: string,
  headers: Record<string, string>,
  url = 'https://fn.example/v1/demo/fn/hook',
  now = NOW,
) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    rawBody: enc.encode(body),
    header: (name: string) => lower[name],
    url,
    nowSeconds: now,
  } satisfies WebhookDelivery;
}

function verify(
  config: Partial<WebhookVerifierConfig> & { provider: WebhookProvider; secret: string },
  d: WebhookDelivery,
) {
  return createWebhookVerifier({ toleranceSeconds: 300, ...config }).verify(d);
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isBbfnError(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

const hmacHex = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

describe('documented test vectors', () => {
  it("Slack's example request verifies", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const d = delivery(
      body,
      {
        'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
        'x-slack-request-timestamp': '1531420618',
        'content-type': 'application/x-www-form-urlencoded',
      },
      undefined,
      1531420618 + 10,
    );
    const result = verify({ provider: 'slack', secret: '8f742231b10e8888abcd99yyyzzz85a5' }, d);
    expect(result.kind).toBe('event');
    expect(result.event).toMatchObject({
      provider: 'slack',
      id: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
      type: '/webhook-collect',
    });
  });

  it("the Standard Webhooks spec's example verifies", () => {
    const d = delivery(
      '{"test": 2432232314}',
      {
        'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'webhook-timestamp': '1614265330',
        'webhook-signature':
          'v1,bm9ldHUjKzFob2VudXRob2VodWUzMjRvdWVvdW9ldQo= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      undefined,
      1614265330,
    );
    const result = verify(
      { provider: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      d,
    );
    expect(result.event).toMatchObject({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', payload: { test: 2432232314 } });
  });

  it("Twilio's example request verifies, with its URL as called", () => {
    const params = new URLSearchParams({
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    });
    const d = delivery(
      params.toString(),
      {
        'x-twilio-signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
        'content-type': 'application/x-www-form-urlencoded',
      },
      'https://mycompany.com/myapp.php?foo=1&bar=2',
    );
    expect(verify({ provider: 'twilio', secret: '12345' }, d).event).toMatchObject({
      id: 'CA1234567890ABCDE',
    });
    const moved = { ...d, url: 'https://mycompany.com/other.php?foo=1&bar=2' };
    expect(codeOf(() => verify({ provider: 'twilio', secret: '12345' }, moved))).toBe(
      'WEBHOOK_SIGNATURE_INVALID',
    );
  });

  it("GitHub's documented signature verifies", () => {
    const d = delivery('Hello, World!', {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-github-event': 'push',
      'content-type': 'text/plain',
    });
    // Signature fine; the body is not a JSON event, so the delivery is unreadable, not forged.
    expect(codeOf(() => verify({ provider: 'github', secret: "It's a Secret to Everybody" }, d))).toBe(
      'WEBHOOK_PAYLOAD_INVALID',
    );
  });

  it("Stripe's SDK signs what the Stripe verifier accepts (cross-check)", () => {
    const stripe = new Stripe('sk_test_unused');
    const payload = JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_abc', timestamp: NOW });
    const result = verify(
      { provider: 'stripe', secret: 'whsec_abc' },
      delivery(payload, { 'stripe-signature': header }),
    );
    expect(result.event).toMatchObject({ id: 'evt_1', type: 'payment_intent.succeeded' });
  });
});

/** Per provider: a correctly signed delivery of an event, made by the provider's documented scheme. */
interface Case {
  provider: WebhookProvider;
  secret: string;
  /** A signed delivery at `at` (seconds) of a body; the event id it carries. */
  signed(at: number, secret?: string): { d: WebhookDelivery; id: string };
  /** The header whose absence is refused as missing. */
  signatureHeader: string;
  timestamped: boolean;
  /** Telegram signs nothing: its secret token vouches for the sender, not the bytes. */
  bodySigned?: false;
  hmac?: WebhookVerifierConfig['hmac'];
}

const discordKeys = generateKeyPairSync('ed25519');
const discordPublicHex = Buffer.from(
  discordKeys.publicKey.export({ format: 'jwk' }).x!,
  'base64url',
).toString('hex');

const cases: Case[] = [
  {
    provider: 'stripe',
    secret: 'whsec_test',
    signatureHeader: 'stripe-signature',
    timestamped: true,
    signed(at, secret = 'whsec_test') {
      const body = JSON.stringify({ id: 'evt_9', type: 'invoice.paid' });
      return {
        d: delivery(body, { 'stripe-signature': `t=${at},v1=${hmacHex(secret, `${at}.${body}`)}` }),
        id: 'evt_9',
      };
    },
  },
  {
    provider: 'github',
    secret: 'gh-secret',
    signatureHeader: 'x-hub-signature-256',
    timestamped: false,
    signed(_at, secret = 'gh-secret') {
      const body = JSON.stringify({ action: 'opened' });
      const headers = {
        'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
        'x-github-delivery': 'd-1',
        'x-github-event': 'issues',
      };
      return { d: delivery(body, headers), id: 'd-1' };
    },
  },
  {
    provider: 'slack',
    secret: 'slack-secret',
    signatureHeader: 'x-slack-signature',
    timestamped: true,
    signed(at, secret = 'slack-secret') {
      const body = JSON.stringify({
        type: 'event_callback',
        event_id: 'Ev1',
        event: { type: 'app_mention' },
      });
      const headers = {
        'x-slack-signature': `v0=${hmacHex(secret, `v0:${at}:${body}`)}`,
        'x-slack-request-timestamp': String(at),
      };
      return { d: delivery(body, headers), id: 'Ev1' };
    },
  },
  {
    provider: 'twilio',
    secret: 'twilio-token',
    signatureHeader: 'x-twilio-signature',
    timestamped: false,
    signed(_at, secret = 'twilio-token') {
      const url = 'https://fn.example/v1/demo/fn/sms';
      const fields = { MessageSid: 'SM1', Body: 'hi', From: '+1555' };
      const content =
        url +
        Object.entries(fields)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => k + v)
          .join('');
      const signature = createHmac('sha1', secret).update(content).digest('base64');
      const headers = {
        'x-twilio-signature': signature,
        'content-type': 'application/x-www-form-urlencoded',
      };
      return { d: delivery(new URLSearchParams(fields).toString(), headers, url), id: 'SM1' };
    },
  },
  {
    provider: 'discord',
    secret: discordPublicHex,
    signatureHeader: 'x-signature-ed25519',
    timestamped: true,
    signed(at, secret) {
      const body = JSON.stringify({ id: 'int_1', type: 2 });
      const key = secret === undefined ? discordKeys.privateKey : generateKeyPairSync('ed25519').privateKey;
      const signature = edSign(null, Buffer.from(`${at}${body}`), key).toString('hex');
      return {
        d: delivery(body, { 'x-signature-ed25519': signature, 'x-signature-timestamp': String(at) }),
        id: 'int_1',
      };
    },
  },
  {
    provider: 'telegram',
    secret: 'tg-token',
    signatureHeader: 'x-telegram-bot-api-secret-token',
    timestamped: false,
    bodySigned: false,
    signed(_at, secret = 'tg-token') {
      const body = JSON.stringify({ update_id: 42, message: { text: 'hi' } });
      return { d: delivery(body, { 'x-telegram-bot-api-secret-token': secret }), id: '42' };
    },
  },
  {
    provider: 'standard-webhooks',
    secret: `whsec_${Buffer.from('standard-key').toString('base64')}`,
    signatureHeader: 'webhook-signature',
    timestamped: true,
    signed(at, secret = `whsec_${Buffer.from('standard-key').toString('base64')}`) {
      const body = JSON.stringify({ type: 'user.created' });
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      const signature = createHmac('sha256', key).update(`msg_1.${at}.${body}`).digest('base64');
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(at),
        'webhook-signature': `v1,${signature}`,
      };
      return { d: delivery(body, headers), id: 'msg_1' };
    },
  },
  {
    provider: 'generic-hmac',
    secret: 'generic-secret',
    signatureHeader: 'x-signature',
    timestamped: true,
    hmac: {
      header: 'X-Signature',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      idHeader: 'X-Delivery',
      timestampHeader: 'X-Timestamp',
    },
    signed(at, secret = 'generic-secret') {
      const body = JSON.stringify({ type: 'thing.done' });
      const signature = createHmac('sha512', secret).update(`${at}.${body}`).digest('base64');
      const headers = {
        'x-signature': `sha512=${signature}`,
        'x-delivery': 'g-7',
        'x-timestamp': String(at),
      };
      return { d: delivery(body, headers), id: 'g-7' };
    },
  },
];

describe.each(cases)('$provider', (c) => {
  const config = { provider: c.provider, secret: c.secret, ...(c.hmac ? { hmac: c.hmac } : {}) };

  it('accepts a delivery signed by the documented scheme, naming its delivery id', () => {
    const { d, id } = c.signed(NOW);
    const result = verify(config, d);
    expect(result.event.provider).toBe(c.provider);
    expect(result.event.id).toBe(id);
  });

  it('refuses a bad signature, a changed body and a missing signature header', () => {
    expect(
      codeOf(() => verify(config, c.signed(NOW, c.provider === 'discord' ? 'other' : 'wrong-secret').d)),
    ).toBe('WEBHOOK_SIGNATURE_INVALID');
    const { d } = c.signed(NOW);
    if (c.bodySigned !== false) {
      const text = new TextDecoder().decode(d.rawBody);
      const changed = text.startsWith('{') ? text.replace('}', ',"x":1}') : `${text}&Extra=1`;
      const tampered = { ...d, rawBody: enc.encode(changed) };
      expect(codeOf(() => verify(config, tampered))).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    const missing = {
      ...d,
      header: (name: string) => (name === c.signatureHeader ? undefined : d.header(name)),
    };
    expect(codeOf(() => verify(config, missing))).toBe('WEBHOOK_SIGNATURE_MISSING');
  });

  it.runIf(c.timestamped)('refuses a timestamp outside the tolerance, signed or not', () => {
    expect(codeOf(() => verify(config, c.signed(NOW - 301).d))).toBe('WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE');
    expect(codeOf(() => verify(config, c.signed(NOW + 301).d))).toBe('WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE');
    expect(codeOf(() => verify(config, c.signed(NOW - 299).d))).toBe('accepted');
  });

  it.runIf(c.provider !== 'discord' && c.provider !== 'telegram')(
    'accepts either secret during a rotation',
    () => {
      const { d } = c.signed(NOW);
      expect(codeOf(() => verify({ ...config, secret: `old-secret-1,\n${c.secret}` }, d))).toBe('accepted');
    },
  );
});

describe('handshakes', () => {
  it("answers Slack's url_verification with its challenge", () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'ch-123' });
    const headers = {
      'x-slack-signature': `v0=${hmacHex('s', `v0:${NOW}:${body}`)}`,
      'x-slack-request-timestamp': String(NOW),
    };
    const result = verify({ provider: 'slack', secret: 's' }, delivery(body, headers));
    expect(result.kind).toBe('handshake');
    expect(result.kind === 'handshake' && JSON.parse(result.reply.body)).toEqual({ challenge: 'ch-123' });
  });

  it("answers Discord's PING with type 1, and only when signed", () => {
    const body = JSON.stringify({ id: 'p1', type: 1 });
    const signature = edSign(null, Buffer.from(`${NOW}${body}`), discordKeys.privateKey).toString('hex');
    const d = delivery(body, { 'x-signature-ed25519': signature, 'x-signature-timestamp': String(NOW) });
    const result = verify({ provider: 'discord', secret: discordPublicHex }, d);
    expect(result.kind === 'handshake' && result.reply.body).toBe('{"type":1}');
    const forged = delivery(body, {
      'x-signature-ed25519': '0'.repeat(128),
      'x-signature-timestamp': String(NOW),
    });
    expect(codeOf(() => verify({ provider: 'discord', secret: discordPublicHex }, forged))).toBe(
      'WEBHOOK_SIGNATURE_INVALID',
    );
  });
});

it('refuses a configuration without a secret', () => {
  expect(() => createWebhookVerifier({ provider: 'github', secret: ' , ', toleranceSeconds: 300 })).toThrow(
    /empty signing secret/,
  );
});
