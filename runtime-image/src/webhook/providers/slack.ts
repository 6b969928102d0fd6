import { createHash } from 'node:crypto';
import { formBody, isForm, jsonBody, optionalString } from '../payload.ts';
import { checkTimestamp, invalidSignature, missingSignature } from '../rejection.ts';
import { anyMatches, hmac } from '../signatures.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw
 * body>` with the app's signing secret. The Events API's `url_verification` handshake is
 * answered here with its challenge. Events carry `event_id` (the same on Slack's
 * retries); slash commands and interactions are form posts that Slack does not retry,
 * so their key is the `trigger_id`, else a digest of the body.
 */
export function slackVerifier(settings: VerifierSettings): WebhookVerifier {
  return {
    verify(delivery) {
      const signature = delivery.header('x-slack-signature');
      const timestamp = delivery.header('x-slack-request-timestamp');
      if (!signature) throw missingSignature('X-Slack-Signature header');
      if (!timestamp) throw missingSignature('X-Slack-Request-Timestamp header');
      if (!signature.startsWith('v0=')) throw invalidSignature('Slack');
      const sign = (secret: string) => hmac('sha256', secret, `v0:${timestamp}:`, delivery.rawBody);
      if (!anyMatches(settings.secrets, [signature.slice(3)], sign, 'hex')) throw invalidSignature('Slack');
      checkTimestamp(timestamp, delivery.nowSeconds, settings.toleranceSeconds);

      if (isForm(delivery.header('content-type'))) {
        const form = formBody(delivery.rawBody);
        const interaction = form.get('payload');
        const payload =
          interaction === null ? Object.fromEntries(form) : jsonBody('Slack', Buffer.from(interaction));
        const fields = payload as Record<string, unknown>;
        const id = optionalString(fields.trigger_id) ?? digest(delivery.rawBody);
        const type = optionalString(fields.type) ?? optionalString(fields.command);
        return { kind: 'event', event: { provider: 'slack', id, type, payload } };
      }
      const payload = jsonBody('Slack', delivery.rawBody);
      if (payload.type === 'url_verification') {
        const event = { provider: 'slack', id: digest(delivery.rawBody), type: 'url_verification', payload };
        const reply = {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ challenge: String(payload.challenge ?? '') }),
        };
        return { kind: 'handshake', reply, event };
      }
      const inner = payload.event as Record<string, unknown> | undefined;
      const id = optionalString(payload.event_id) ?? digest(delivery.rawBody);
      const type = optionalString(inner?.type) ?? optionalString(payload.type);
      return { kind: 'event', event: { provider: 'slack', id, type, payload } };
    },
  };
}

function digest(raw: Uint8Array): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}
