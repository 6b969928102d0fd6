import { createHash } from 'node:crypto';
import type { Trigger } from '../../../api/v1alpha1/function.types.ts';
import { BbfnError } from '../errors.ts';
import type { WebhookGate } from '../host/deployment.ts';
import { createWebhookVerifier } from './verifier.ts';

type WebhookTrigger = Extract<Trigger, { type: 'webhook' }>;

/**
 * What a webhook trigger's deployment checks deliveries with. Refused at deploy time
 * (VALIDATION_WEBHOOK_SECRET) when the secret is missing or unusable, so a deploy
 * without one never replaces a revision that could verify.
 */
export function webhookGate(trigger: WebhookTrigger, secret: string | undefined): WebhookGate {
  const { provider, secretRef, toleranceSeconds, dedupe, hmac } = trigger.config;
  if (!secret?.trim()) {
    throw new BbfnError(
      'VALIDATION_WEBHOOK_SECRET',
      `The ${provider} webhook's signing secret (Secret "${secretRef.name}", key "${secretRef.key}") is not set`,
    );
  }
  try {
    const verifier = createWebhookVerifier({ provider, secret, toleranceSeconds, ...(hmac ? { hmac } : {}) });
    return {
      verifier,
      dedupe: dedupe.enabled ? { ttlSeconds: dedupe.ttlSeconds } : null,
      secretDigest: secretDigest(secret),
    };
  } catch (error) {
    throw new BbfnError('VALIDATION_WEBHOOK_SECRET', (error as Error).message, { cause: error });
  }
}

export function secretDigest(secret: string | undefined): string | undefined {
  return secret === undefined ? undefined : createHash('sha256').update(secret).digest('hex');
}
