import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { WebhookProvider } from '../../../api/v1alpha1/function.types.ts';
import { isBbfnError } from '../errors.ts';
import {
  discordPing,
  discordPublicHex,
  PROVIDER_CASES,
  type ProviderCase,
  type SignOptions,
} from './signed-deliveries.fixture.ts';
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

const URL_CALLED = 'https://fn.example/v1/demo/fn/hook';

function signedDelivery(c: ProviderCase, options: Partial<SignOptions> = {}): WebhookDelivery {
  const { body, headers } = c.sign({ at: NOW, url: URL_CALLED, ...options });
  return delivery(body, headers, URL_CALLED);
}

describe.each(PROVIDER_CASES)('$provider', (c) => {
  const config = { provider: c.provider, secret: c.secret, ...(c.hmac ? { hmac: c.hmac } : {}) };

  it('accepts a delivery signed by the documented scheme, naming its delivery id', () => {
    const result = verify(config, signedDelivery(c));
    expect(result.event.provider).toBe(c.provider);
    expect(result.event.id).toBe(c.sign({ at: NOW, url: URL_CALLED }).id);
  });

  it('refuses a bad signature, a changed body and a missing signature header', () => {
    expect(codeOf(() => verify(config, signedDelivery(c, { forged: true })))).toBe(
      'WEBHOOK_SIGNATURE_INVALID',
    );
    const d = signedDelivery(c);
    if (c.bodySigned) {
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
    expect(codeOf(() => verify(config, signedDelivery(c, { at: NOW - 301 })))).toBe(
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
    );
    expect(codeOf(() => verify(config, signedDelivery(c, { at: NOW + 301 })))).toBe(
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
    );
    expect(codeOf(() => verify(config, signedDelivery(c, { at: NOW - 299 })))).toBe('accepted');
  });

  it.runIf(c.provider !== 'discord' && c.provider !== 'standard-webhooks')(
    'accepts either secret during a rotation',
    () => {
      expect(
        codeOf(() => verify({ ...config, secret: `old-secret-1,\n${c.secret}` }, signedDelivery(c))),
      ).toBe('accepted');
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
    const ping = discordPing(NOW);
    const result = verify(
      { provider: 'discord', secret: discordPublicHex },
      delivery(ping.body, ping.headers),
    );
    expect(result.kind === 'handshake' && result.reply.body).toBe('{"type":1}');
    const forged = delivery(ping.body, { ...ping.headers, 'x-signature-ed25519': '0'.repeat(128) });
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
