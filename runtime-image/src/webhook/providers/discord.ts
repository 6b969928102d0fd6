import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { jsonBody, requiredId } from '../payload.ts';
import { checkTimestamp, invalidSignature, missingSignature } from '../rejection.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/** Discord's interaction types, by number. */
const INTERACTION_TYPES: Record<number, string> = {
  1: 'PING',
  2: 'APPLICATION_COMMAND',
  3: 'MESSAGE_COMPONENT',
  4: 'APPLICATION_COMMAND_AUTOCOMPLETE',
  5: 'MODAL_SUBMIT',
};

/**
 * Discord interactions: an Ed25519 signature (`X-Signature-Ed25519`, hex) over
 * `<X-Signature-Timestamp><raw body>`, checked with the application's public key (hex;
 * the "secret" here is public). Discord sends a PING when the endpoint is saved and
 * expects `{"type":1}`; the host answers it. The interaction's `id` is the dedupe key.
 */
export function discordVerifier(settings: VerifierSettings): WebhookVerifier {
  const keys = settings.secrets.map(publicKey);
  return {
    verify(delivery) {
      const signature = delivery.header('x-signature-ed25519');
      const timestamp = delivery.header('x-signature-timestamp');
      if (!signature) throw missingSignature('X-Signature-Ed25519 header');
      if (!timestamp) throw missingSignature('X-Signature-Timestamp header');
      if (!/^[0-9a-fA-F]{128}$/.test(signature)) throw invalidSignature('Discord');
      const message = Buffer.concat([Buffer.from(timestamp, 'utf8'), delivery.rawBody]);
      const bytes = Buffer.from(signature, 'hex');
      let matched = false;
      for (const key of keys) matched = verify(null, message, key, bytes) || matched;
      if (!matched) throw invalidSignature('Discord');
      checkTimestamp(timestamp, delivery.nowSeconds, settings.toleranceSeconds);
      const payload = jsonBody('Discord', delivery.rawBody);
      const type = INTERACTION_TYPES[payload.type as number] ?? String(payload.type ?? '');
      const event = {
        provider: 'discord',
        id: requiredId('Discord', payload.id, 'interaction id'),
        type,
        payload,
      };
      if (payload.type === 1) {
        const reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"type":1}' };
        return { kind: 'handshake', reply, event };
      }
      return { kind: 'event', event };
    },
  };
}

/** An application's public key as Discord shows it (64 hex digits) as a key object. */
function publicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new Error('A Discord public key is 64 hexadecimal digits (the application page shows it)');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') },
    format: 'jwk',
  });
}
