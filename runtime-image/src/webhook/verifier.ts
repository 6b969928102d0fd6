import type { GenericHmac, WebhookProvider } from '../../../api/v1alpha1/function.types.ts';
import { discordVerifier } from './providers/discord.ts';
import { genericHmacVerifier } from './providers/generic-hmac.ts';
import { githubVerifier } from './providers/github.ts';
import { slackVerifier } from './providers/slack.ts';
import { standardWebhooksVerifier } from './providers/standard-webhooks.ts';
import { stripeVerifier } from './providers/stripe.ts';
import { telegramVerifier } from './providers/telegram.ts';
import { twilioVerifier } from './providers/twilio.ts';
import type { WebhookVerifier } from './types.ts';

export interface WebhookVerifierConfig {
  provider: WebhookProvider;
  /** The Secret's value: one secret, or several (comma- or newline-separated) during a rotation. */
  secret: string;
  toleranceSeconds: number;
  hmac?: GenericHmac;
}

/** Several secrets in one Secret value, as a rotation has them. */
export function splitSecrets(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
}

/** The verifier of a webhook trigger; throws when its configuration cannot work (no secret). */
export function createWebhookVerifier(config: WebhookVerifierConfig): WebhookVerifier {
  const secrets = splitSecrets(config.secret);
  if (secrets.length === 0) throw new Error(`The ${config.provider} webhook has an empty signing secret`);
  const settings = { secrets, toleranceSeconds: config.toleranceSeconds };
  switch (config.provider) {
    case 'stripe':
      return stripeVerifier(settings);
    case 'github':
      return githubVerifier(settings);
    case 'slack':
      return slackVerifier(settings);
    case 'twilio':
      return twilioVerifier(settings);
    case 'discord':
      return discordVerifier(settings);
    case 'telegram':
      return telegramVerifier(settings);
    case 'standard-webhooks':
      return standardWebhooksVerifier(settings);
    case 'generic-hmac':
      if (!config.hmac) throw new Error('A generic-hmac webhook needs its hmac settings');
      return genericHmacVerifier(settings, config.hmac);
  }
}
