/**
 * Deliveries signed by each provider's documented scheme, for the verifier's unit
 * tests and the host's end-to-end ones. Each case signs what its provider signs:
 * Twilio the URL (so the caller names it), Discord with an Ed25519 key made here.
 */
import { createHmac, sign as edSign, generateKeyPairSync } from 'node:crypto';
import type { GenericHmac, WebhookProvider } from '../../../api/v1alpha1/function.types.ts';

export interface SignOptions {
  /** Seconds since the epoch the signature claims. */
  at: number;
  url: string;
  /** Sign with another secret (or, for Discord, another key): a forgery. */
  forged?: boolean;
  /** The event id the body carries (a redelivery carries the same). */
  eventId?: string;
}

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
  /** The delivery id the host dedupes on. */
  id: string;
}

export interface ProviderCase {
  provider: WebhookProvider;
  /** What the function's Secret holds. */
  secret: string;
  sign(options: SignOptions): SignedDelivery;
  /** The header whose absence is refused as missing. */
  signatureHeader: string;
  timestamped: boolean;
  /** Telegram signs nothing: its secret token vouches for the sender, not the bytes. */
  bodySigned: boolean;
  hmac?: GenericHmac;
}

const hex = (key: string | Buffer, text: string, algorithm = 'sha256') =>
  createHmac(algorithm, key).update(text).digest('hex');
const b64 = (key: string | Buffer, text: string, algorithm = 'sha256') =>
  createHmac(algorithm, key).update(text).digest('base64');

const discordKeys = generateKeyPairSync('ed25519');
const discordPublicHex = Buffer.from(
  discordKeys.publicKey.export({ format: 'jwk' }).x!,
  'base64url',
).toString('hex');
const standardSecret = `whsec_${Buffer.from('a standard webhooks key').toString('base64')}`;

export const PROVIDER_CASES: ProviderCase[] = [
  {
    provider: 'stripe',
    secret: 'whsec_test',
    signatureHeader: 'stripe-signature',
    timestamped: true,
    bodySigned: true,
    sign({ at, forged, eventId = 'evt_9' }) {
      const body = JSON.stringify({ id: eventId, type: 'invoice.paid' });
      const signature = hex(forged ? 'whsec_other' : 'whsec_test', `${at}.${body}`);
      return { body, headers: { 'stripe-signature': `t=${at},v1=${signature}` }, id: eventId };
    },
  },
  {
    provider: 'github',
    secret: 'gh-secret',
    signatureHeader: 'x-hub-signature-256',
    timestamped: false,
    bodySigned: true,
    sign({ forged, eventId = 'd-1' }) {
      const body = JSON.stringify({ action: 'opened', issue: { number: 7 } });
      const headers = {
        'x-hub-signature-256': `sha256=${hex(forged ? 'other' : 'gh-secret', body)}`,
        'x-github-delivery': eventId,
        'x-github-event': 'issues',
        'content-type': 'application/json',
      };
      return { body, headers, id: eventId };
    },
  },
  {
    provider: 'slack',
    secret: 'slack-secret',
    signatureHeader: 'x-slack-signature',
    timestamped: true,
    bodySigned: true,
    sign({ at, forged, eventId = 'Ev1' }) {
      const body = JSON.stringify({
        type: 'event_callback',
        event_id: eventId,
        event: { type: 'app_mention' },
      });
      const headers = {
        'x-slack-signature': `v0=${hex(forged ? 'other' : 'slack-secret', `v0:${at}:${body}`)}`,
        'x-slack-request-timestamp': String(at),
        'content-type': 'application/json',
      };
      return { body, headers, id: eventId };
    },
  },
  {
    provider: 'twilio',
    secret: 'twilio-token',
    signatureHeader: 'x-twilio-signature',
    timestamped: false,
    bodySigned: true,
    sign({ url, forged, eventId = 'SM1' }) {
      const fields = { MessageSid: eventId, Body: 'hi', From: '+15550001' };
      const tail = Object.entries(fields)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => k + v)
        .join('');
      const headers = {
        'x-twilio-signature': b64(forged ? 'other' : 'twilio-token', url + tail, 'sha1'),
        'content-type': 'application/x-www-form-urlencoded',
      };
      return { body: new URLSearchParams(fields).toString(), headers, id: eventId };
    },
  },
  {
    provider: 'discord',
    secret: discordPublicHex,
    signatureHeader: 'x-signature-ed25519',
    timestamped: true,
    bodySigned: true,
    sign({ at, forged, eventId = 'int_1' }) {
      const body = JSON.stringify({ id: eventId, type: 2, data: { name: 'hello' } });
      const key = forged ? generateKeyPairSync('ed25519').privateKey : discordKeys.privateKey;
      const signature = edSign(null, Buffer.from(`${at}${body}`), key).toString('hex');
      const headers = {
        'x-signature-ed25519': signature,
        'x-signature-timestamp': String(at),
        'content-type': 'application/json',
      };
      return { body, headers, id: eventId };
    },
  },
  {
    provider: 'telegram',
    secret: 'tg-token',
    signatureHeader: 'x-telegram-bot-api-secret-token',
    timestamped: false,
    bodySigned: false,
    sign({ forged, eventId = '42' }) {
      const body = JSON.stringify({ update_id: Number(eventId), message: { text: 'hi' } });
      const headers = {
        'x-telegram-bot-api-secret-token': forged ? 'other' : 'tg-token',
        'content-type': 'application/json',
      };
      return { body, headers, id: eventId };
    },
  },
  {
    provider: 'standard-webhooks',
    secret: standardSecret,
    signatureHeader: 'webhook-signature',
    timestamped: true,
    bodySigned: true,
    sign({ at, forged, eventId = 'msg_1' }) {
      const body = JSON.stringify({ type: 'user.created' });
      const key = forged
        ? Buffer.from('other')
        : Buffer.from(standardSecret.slice('whsec_'.length), 'base64');
      const headers = {
        'webhook-id': eventId,
        'webhook-timestamp': String(at),
        'webhook-signature': `v1,${b64(key, `${eventId}.${at}.${body}`)}`,
        'content-type': 'application/json',
      };
      return { body, headers, id: eventId };
    },
  },
  {
    provider: 'generic-hmac',
    secret: 'generic-secret',
    signatureHeader: 'x-signature',
    timestamped: true,
    bodySigned: true,
    hmac: {
      header: 'X-Signature',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      idHeader: 'X-Delivery',
      timestampHeader: 'X-Timestamp',
    },
    sign({ at, forged, eventId = 'g-7' }) {
      const body = JSON.stringify({ type: 'thing.done' });
      const signature = b64(forged ? 'other' : 'generic-secret', `${at}.${body}`, 'sha512');
      const headers = {
        'x-signature': `sha512=${signature}`,
        'x-delivery': eventId,
        'x-timestamp': String(at),
        'content-type': 'application/json',
      };
      return { body, headers, id: eventId };
    },
  },
];

/** Signs a Discord PING, which the host answers itself. */
export function discordPing(at: number): SignedDelivery {
  const body = JSON.stringify({ id: 'ping_1', type: 1 });
  const signature = edSign(null, Buffer.from(`${at}${body}`), discordKeys.privateKey).toString('hex');
  return {
    body,
    headers: { 'x-signature-ed25519': signature, 'x-signature-timestamp': String(at) },
    id: 'ping_1',
  };
}

/** Signs Slack's url_verification, which the host answers with its challenge. */
export function slackUrlVerification(at: number, challenge: string): SignedDelivery {
  const body = JSON.stringify({ type: 'url_verification', token: 'unused', challenge });
  return {
    body,
    headers: {
      'x-slack-signature': `v0=${hex('slack-secret', `v0:${at}:${body}`)}`,
      'x-slack-request-timestamp': String(at),
      'content-type': 'application/json',
    },
    id: challenge,
  };
}

export { discordPublicHex };
