import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_DATA_DIR } from '../../local/cli/args.ts';
import { readSecrets } from '../../local/secrets.ts';
import { createApiClient } from '../client.ts';
import type { FunctionsApi } from '../functions-api.ts';

/** The options every API command takes, for its parseArgs and its --help. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  data: { type: 'string', default: DEFAULT_DATA_DIR },
  json: { type: 'boolean', default: false },
} as const;

export const CONNECTION_HELP = `  --url URL       The management API (default: $BBFN_API_URL, else the local platform's)
  --key KEY       The app's platform API key (default: $BBFN_API_KEY, else the local platform's)
  --data DIR      Data directory of the local platform (default ${DEFAULT_DATA_DIR})
  --json          Print the API's JSON answer
  -h, --help      Show this help`;

interface ConnectionValues {
  url?: string | undefined;
  key?: string | undefined;
  data?: string | undefined;
}

/**
 * The API client for a command: an explicit URL and key, or those of the local platform
 * running from this directory (its state file and its apps' keys), so `bbfn deploy`
 * after `npm start` needs neither.
 */
export async function connect(values: ConnectionValues): Promise<FunctionsApi> {
  const dataDir = path.resolve(values.data ?? DEFAULT_DATA_DIR);
  const url = values.url ?? process.env.BBFN_API_URL ?? (await localUrl(dataDir));
  const explicitKey = values.key ?? process.env.BBFN_API_KEY;
  return createApiClient({
    url,
    keyFor: async (appId) => {
      if (explicitKey) return explicitKey;
      const secret = (await readSecrets(dataDir))[appId];
      if (!secret) throw new Error(`no API key for app "${appId}": pass --key or set BBFN_API_KEY`);
      return secret.apiKey;
    },
  });
}

async function localUrl(dataDir: string): Promise<string> {
  // Loaded only here: the platform module brings Postgres, esbuild and the host with it.
  const { PLATFORM_STATE_FILE } = await import('../../local/platform.ts');
  const stateFile = path.join(dataDir, PLATFORM_STATE_FILE);
  const text = await readFile(stateFile, 'utf8').catch(() => {
    throw new Error(
      `no --url, no BBFN_API_URL and no local platform here (${stateFile}); start one with npm start`,
    );
  });
  return (JSON.parse(text) as { url: string }).url;
}

/** `APP_ID/NAME` → its two parts. */
export function functionTarget(target: string | undefined, usage: string): { appId: string; name: string } {
  const [appId, name, ...rest] = target?.split('/') ?? [];
  if (!appId || !name || rest.length > 0) throw new Error(`name the function as APP_ID/NAME\n\n${usage}`);
  return { appId, name };
}
