import type { Trigger } from '../api/v1alpha1/function.types.ts';
import type { FunctionDefinition } from '../runtime-image/src/host/host.ts';
import { dataDirFlag } from './cli/args.ts';
import { webhookSecret } from './secret-store.ts';

type WebhookTrigger = Extract<Trigger, { type: 'webhook' }>;

/**
 * A webhook Function's signing secret from the local store (secret-store.ts). A secret
 * the platform had to make up is announced with the command that shows it, since the
 * provider (or the developer's test script) must sign with the same one.
 */
export async function withLocalWebhookSecret(
  definition: FunctionDefinition,
  trigger: WebhookTrigger,
  dataDir: string,
  print: (line: string) => void,
): Promise<FunctionDefinition> {
  const ref = trigger.config.secretRef;
  const { value, generated } = await webhookSecret(dataDir, definition.appId, trigger.config.provider, ref);
  // Like every printed hint, they carry the --data this platform runs with.
  const target = `${definition.appId} ${ref.name}/${ref.key}${dataDirFlag(dataDir)}`;
  const command = `npx bbfn secret set ${target} …`;
  if (generated)
    print(
      `• made a local signing secret for ${definition.appId}/${definition.name} (Secret ${ref.name}/${ref.key}); ` +
        `see it with "npx bbfn secret get ${target}", set yours with "${command}"`,
    );
  // Without one the deploy fails with VALIDATION_WEBHOOK_SECRET, which names the Secret; say how to set it.
  if (value === undefined)
    print(`• ${definition.appId}/${definition.name} needs its signing secret: ${command}`);
  return value === undefined ? definition : { ...definition, webhookSecret: value };
}
