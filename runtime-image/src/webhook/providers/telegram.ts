import { createHash, timingSafeEqual } from 'node:crypto';
import { jsonBody, requiredId } from '../payload.ts';
import { invalidSignature, missingSignature } from '../rejection.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * Telegram signs nothing: `setWebhook`'s `secret_token` comes back verbatim in
 * `X-Telegram-Bot-Api-Secret-Token`. Compared as digests, so the time does not tell
 * how much matched. `update_id` is the dedupe key; the update's kind (`message`,
 * `callback_query`, …) is the one other field of the update.
 */
export function telegramVerifier(settings: VerifierSettings): WebhookVerifier {
  const digests = settings.secrets.map(digest);
  return {
    verify(delivery) {
      const token = delivery.header('x-telegram-bot-api-secret-token');
      if (!token) throw missingSignature('X-Telegram-Bot-Api-Secret-Token header');
      const candidate = digest(token);
      let matched = false;
      for (const expected of digests) matched = timingSafeEqual(expected, candidate) || matched;
      if (!matched) throw invalidSignature('Telegram');
      const payload = jsonBody('Telegram', delivery.rawBody);
      const id = requiredId('Telegram', payload.update_id, 'update_id');
      const type = Object.keys(payload).find((key) => key !== 'update_id') ?? null;
      return { kind: 'event', event: { provider: 'telegram', id, type, payload } };
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
