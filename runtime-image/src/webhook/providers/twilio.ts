import { createHash } from 'node:crypto';
import { formBody, isForm, jsonBody } from '../payload.ts';
import { invalidPayload, invalidSignature, missingSignature } from '../rejection.ts';
import { anyMatches, hmac } from '../signatures.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * Twilio: `X-Twilio-Signature`, base64 HMAC-SHA1 with the account's auth token of the
 * full URL Twilio called followed by each POST parameter's name and value, sorted by
 * name. A JSON body is instead covered by a `bodySHA256` query parameter (hex SHA-256 of
 * the body) inside the signed URL. Twilio may sign the URL with or without its port, so
 * both spellings are tried. No timestamp is signed. The dedupe key is the message's SID
 * (`MessageSid`, `SmsSid`), else the call's, else the `I-Twilio-Idempotency-Token` header.
 */
export function twilioVerifier(settings: VerifierSettings): WebhookVerifier {
  return {
    verify(delivery) {
      const signature = delivery.header('x-twilio-signature');
      if (!signature) throw missingSignature('X-Twilio-Signature header');
      const url = new URL(delivery.url);
      const form = isForm(delivery.header('content-type'));
      let signed: string[];
      let payload: Record<string, unknown>;
      if (form) {
        const params = formBody(delivery.rawBody);
        const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const tail = sorted.map(([name, value]) => name + value).join('');
        signed = urlSpellings(url).map((spelling) => spelling + tail);
        payload = Object.fromEntries(params);
      } else {
        const bodySha = url.searchParams.get('bodySHA256');
        const actual = createHash('sha256').update(delivery.rawBody).digest('hex');
        if (bodySha === null || bodySha.toLowerCase() !== actual) throw invalidSignature('Twilio');
        signed = urlSpellings(url);
        payload = jsonBody('Twilio', delivery.rawBody);
      }
      const matches = signed.some((content) =>
        anyMatches(settings.secrets, [signature], (secret) => hmac('sha1', secret, content), 'base64'),
      );
      if (!matches) throw invalidSignature('Twilio');
      const text = (name: string) =>
        typeof payload[name] === 'string' && payload[name] !== '' ? (payload[name] as string) : null;
      const id =
        text('MessageSid') ??
        text('SmsSid') ??
        text('CallSid') ??
        delivery.header('i-twilio-idempotency-token') ??
        null;
      if (id === null)
        throw invalidPayload('Twilio', 'it carries no MessageSid, CallSid or idempotency token');
      const type = text('MessageStatus') ?? text('SmsStatus') ?? text('CallStatus');
      return { kind: 'event', event: { provider: 'twilio', id, type, payload } };
    },
  };
}

/** The URL as called, without its port, and with the scheme's default port. */
function urlSpellings(url: URL): string[] {
  const spellings = new Set<string>([url.href]);
  const withoutPort = new URL(url.href);
  withoutPort.port = '';
  spellings.add(withoutPort.href);
  if (url.port === '') {
    const port = url.protocol === 'https:' ? '443' : '80';
    // URL drops a default port when assigned, so the spelling is made by hand.
    spellings.add(url.href.replace(url.host, `${url.hostname}:${port}`));
  }
  return [...spellings];
}
