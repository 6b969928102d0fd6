import type { V1EnvVar } from '@kubernetes/client-node';
import { FUNCTION_SETTINGS } from '../../../runtime-image/src/pool/specialize-request.ts';

/** Reads one key of a Secret of the Function's namespace; undefined when it or the key is missing. */
export type SecretReader = (name: string, key: string) => Promise<string | undefined>;

/** The settings could not all be read: a required Secret key is missing (the pod would not start either). */
export class MissingSetting extends Error {}

/**
 * The settings a warm pool pod is handed for a Function: the environment its own pods
 * get (runtime-pod.ts functionPodEnv, one home for both) with each Secret reference
 * read, less what the pool process keeps as its own (its port, its files: the specialize
 * request refuses them, runtime-image/src/pool/specialize-request.ts). An optional key
 * that is missing is left out, as the kubelet leaves it out of a pod's environment.
 */
export async function specializeSettings(
  env: readonly V1EnvVar[],
  readSecret: SecretReader,
): Promise<Record<string, string>> {
  const settings: Record<string, string> = {};
  for (const variable of env) {
    if (!FUNCTION_SETTINGS.includes(variable.name)) continue;
    if (variable.value !== undefined) {
      settings[variable.name] = variable.value;
      continue;
    }
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) throw new MissingSetting(`${variable.name} has a source a pool pod cannot be handed`);
    const value = await readSecret(ref.name!, ref.key);
    if (value !== undefined) settings[variable.name] = value;
    else if (!ref.optional)
      throw new MissingSetting(`${variable.name}: Secret ${ref.name} has no key ${ref.key}`);
  }
  return settings;
}
