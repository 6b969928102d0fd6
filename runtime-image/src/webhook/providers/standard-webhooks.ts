import { jsonBody, optionalString } from '../payload.ts';
import { checkTimestamp, invalidSignature, missingSignature } from '../rejection.ts';
import { anyMatches, hmac } from '../signatures.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * Standard Webhooks (the spec Svix and Supabase's auth hooks follow): `webhook-id`,
 * `webhook-timestamp`, and `webhook-signature` holding space-separated `v1,<base64>`
 * entries (several while a secret rotates), each an HMAC-SHA256 of
 * `<id>.<timestamp>.<raw body>` keyed with the base64 after `whsec_` in the secret.
 * Svix's own header names (`svix-id`, …) are accepted too. `webhook-id` is the dedupe key.
 */
export function standardWebhooksVerifier(settings: VerifierSettings): WebhookVerifier {
  const keys = settings.secrets.map(secretKey);
  return {
    verify(delivery) {
      const header = (name: string) => delivery.header(`webhook-${name}`) ?? delivery.header(`svix-${name}`);
      const id = header('id');
      const timestamp = header('timestamp');
      const signature = header('signature');
      if (!id) throw missingSignature('webhook-id header');
      if (!timestamp) throw missingSignature('webhook-timestamp header');
      if (!signature) throw missingSignature('webhook-signature header');
      const candidates = signature
        .split(' ')
        .filter((entry) => entry.startsWith('v1,'))
        .map((entry) => entry.slice(3));
      const keyIndex = new Map(keys.map((key, i) => [String(i), key]));
      const sign = (index: string) =>
        hmac('sha256', keyIndex.get(index)!, `${id}.${timestamp}.`, delivery.rawBody);
      if (!anyMatches([...keyIndex.keys()], candidates, sign, 'base64'))
        throw invalidSignature('Standard Webhooks');
      checkTimestamp(timestamp, delivery.nowSeconds, settings.toleranceSeconds);
      const payload = jsonBody('Standard Webhooks', delivery.rawBody);
      return {
        kind: 'event',
        event: { provider: 'standard-webhooks', id, type: optionalString(payload.type), payload },
      };
    },
  };
}

/** `whsec_<base64>` → the key bytes; a secret without the prefix is taken as base64 too. */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('A Standard Webhooks secret is whsec_ followed by base64');
  return key;
}
