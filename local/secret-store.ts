import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The local platform's stand-in for Kubernetes Secrets: what a manifest's `secretRef`
 * (`{ name, key }`) resolves to under `npm start`. One file per app in the data
 * directory (`secrets/<appId>.json`, mode 0600), shaped as Secrets are: name → key →
 * value. `bbfn secret set` writes it; nothing else in the data directory is meant
 * for editing.
 */
type AppSecretValues = Record<string, Record<string, string>>;

function fileOf(dataDir: string, appId: string): string {
  return path.join(dataDir, 'secrets', `${appId}.json`);
}

export async function readSecretValues(dataDir: string, appId: string): Promise<AppSecretValues> {
  try {
    return JSON.parse(await readFile(fileOf(dataDir, appId), 'utf8')) as AppSecretValues;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`Cannot read ${fileOf(dataDir, appId)}`, { cause: error });
  }
}

export async function setSecretValue(
  dataDir: string,
  appId: string,
  ref: { name: string; key: string },
  value: string,
): Promise<void> {
  const values = await readSecretValues(dataDir, appId);
  values[ref.name] = { ...values[ref.name], [ref.key]: value };
  const file = fileOf(dataDir, appId);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole and renamed into place: a reader never sees half a file.
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  await rename(partial, file);
}

/** Providers whose secret is chosen by whoever configures the webhook, so a local one can be made up. */
const GENERATED_PREFIX: Record<string, string> = {
  stripe: 'whsec_',
  github: '',
  slack: '',
  twilio: '',
  telegram: '',
  'standard-webhooks': 'whsec_',
  'generic-hmac': '',
};

/**
 * A webhook's signing secret under `npm start`: the stored one, else (for providers
 * whose secret is not issued by them, and Discord's public key is) a new random one,
 * stored so restarts keep it. `generated` says the caller should tell the user.
 */
export async function webhookSecret(
  dataDir: string,
  appId: string,
  provider: string,
  ref: { name: string; key: string },
): Promise<{ value: string | undefined; generated: boolean }> {
  const stored = (await readSecretValues(dataDir, appId))[ref.name]?.[ref.key];
  if (stored) return { value: stored, generated: false };
  const prefix = GENERATED_PREFIX[provider];
  if (prefix === undefined) return { value: undefined, generated: false };
  const value = `${prefix}${randomBytes(24).toString(prefix ? 'base64' : 'base64url')}`;
  await setSecretValue(dataDir, appId, ref, value);
  return { value, generated: true };
}
