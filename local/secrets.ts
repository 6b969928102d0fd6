import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateApiKey } from '../runtime-image/src/auth/api-key.ts';

/** Per-app credentials of the local platform, kept in the data directory across restarts. */
export interface LocalAppSecrets {
  apiKey: string;
  jwtSecret: string;
}

type SecretsFile = Record<string, LocalAppSecrets>;

function secretsPath(dataDir: string): string {
  return path.join(dataDir, 'secrets.json');
}

export async function readSecrets(dataDir: string): Promise<SecretsFile> {
  try {
    return JSON.parse(await readFile(secretsPath(dataDir), 'utf8')) as SecretsFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`Cannot read ${secretsPath(dataDir)}`, { cause: error });
  }
}

/** The app's secrets, made on first use (mode 0600: they grant the service role). */
export async function ensureAppSecrets(dataDir: string, appIds: string[]): Promise<SecretsFile> {
  const secrets = await readSecrets(dataDir);
  let changed = false;
  for (const appId of appIds) {
    if (secrets[appId]) continue;
    secrets[appId] = { apiKey: generateApiKey(), jwtSecret: randomBytes(32).toString('base64url') };
    changed = true;
  }
  if (changed) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(secretsPath(dataDir), `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
