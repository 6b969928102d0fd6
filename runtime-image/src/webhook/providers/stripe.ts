import { jsonBody, optionalString, requiredId } from '../payload.ts';
import { checkTimestamp, invalidSignature, missingSignature } from '../rejection.ts';
import { anyMatches, hmac } from '../signatures.ts';
import type { VerifierSettings, WebhookVerifier } from '../types.ts';

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of
 * `<t>.<raw body>` with the endpoint's signing secret (`whsec_…`, used as is). Several
 * v1 entries arrive while a secret rotates; v0 (test mode's legacy scheme) is ignored.
 */
export function stripeVerifier(settings: VerifierSettings): WebhookVerifier {
  return {
    verify(delivery) {
      const header = delivery.header('stripe-signature');
      if (!header) throw missingSignature('Stripe-Signature header');
      let timestamp = '';
      const signatures: string[] = [];
      for (const part of header.split(',')) {
        const eq = part.indexOf('=');
        const key = part.slice(0, eq).trim();
        const value = part.slice(eq + 1).trim();
        if (key === 't') timestamp = value;
        else if (key === 'v1') signatures.push(value);
      }
      if (!timestamp || signatures.length === 0) throw invalidSignature('Stripe');
      const sign = (secret: string) => hmac('sha256', secret, timestamp, '.', delivery.rawBody);
      if (!anyMatches(settings.secrets, signatures, sign, 'hex')) throw invalidSignature('Stripe');
      checkTimestamp(timestamp, delivery.nowSeconds, settings.toleranceSeconds);
      const payload = jsonBody('Stripe', delivery.rawBody);
      return {
        kind: 'event',
        event: {
          provider: 'stripe',
          id: requiredId('Stripe', payload.id, 'event id'),
          type: optionalString(payload.type),
          payload,
        },
      };
    },
  };
}
