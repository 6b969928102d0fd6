import { formBody, isForm, jsonBody, requiredId } from '../payload.ts';
import { invalidPayload, invalidSignature, missingSignature } from '../rejection.ts';
import { anyMatches, bodyText, hmac } from '../signatures.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body with the
 * webhook's secret. No timestamp is signed, so there is nothing to hold a tolerance
 * against; `X-GitHub-Delivery` (a GUID, the same on a redelivery) is the dedupe key.
 * A webhook set to `application/x-www-form-urlencoded` sends the JSON in `payload=`.
 */
export function githubVerifier(settings: VerifierSettings): WebhookVerifier {
  return {
    verify(delivery) {
      const header = delivery.header('x-hub-signature-256');
      if (!header) throw missingSignature('X-Hub-Signature-256 header');
      if (!header.startsWith('sha256=')) throw invalidSignature('GitHub');
      const sign = (secret: string) => hmac('sha256', secret, delivery.rawBody);
      if (!anyMatches(settings.secrets, [header.slice('sha256='.length)], sign, 'hex'))
        throw invalidSignature('GitHub');
      const id = requiredId('GitHub', delivery.header('x-github-delivery'), 'X-GitHub-Delivery header');
      let payload: unknown;
      if (isForm(delivery.header('content-type'))) {
        const json = formBody(delivery.rawBody).get('payload');
        if (json === null) throw invalidPayload('GitHub', 'the form has no payload field');
        payload = jsonBody('GitHub', new TextEncoder().encode(json));
      } else {
        payload = bodyText(delivery.rawBody) === '' ? {} : jsonBody('GitHub', delivery.rawBody);
      }
      return {
        kind: 'event',
        event: { provider: 'github', id, type: delivery.header('x-github-event') ?? null, payload },
      };
    },
  };
}
