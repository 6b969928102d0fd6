import { DEFAULT_DATA_DIR, resolveDataDir } from '../../local/cli/args.ts';
import { findRunningPlatform, type PlatformState } from '../../local/platform-state.ts';
import { readSecrets } from '../../local/secrets.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { createApiClient } from '../client.ts';
import type { FunctionsApi } from '../functions-api.ts';

/** The options every API command takes, for its parseArgs and its --help. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  data: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const CONNECTION_HELP = `  --url URL       The management API (default: $BBFN_API_URL, else the local platform's)
  --key KEY       The app's platform API key (default: $BBFN_API_KEY, else the local platform's)
  --data DIR      Data directory of the local platform (default ${DEFAULT_DATA_DIR} in the project)
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
  const url = values.url ?? process.env.BBFN_API_URL;
  const explicitKey = values.key ?? process.env.BBFN_API_KEY;
  if (url) {
    return createApiClient({
      url,
      keyFor: async (appId) => {
        if (explicitKey) return explicitKey;
        throw new Error(`no API key for app "${appId}": pass --key or set BBFN_API_KEY`);
      },
    });
  }
  const dataDir = resolveDataDir(values.data);
  const state = await runningPlatform(dataDir);
  return createApiClient({
    url: state.url,
    keyFor: async (appId) => {
      if (explicitKey) return explicitKey;
      const secret = (await readSecrets(dataDir))[appId];
      if (!secret || !state.apps[appId]) {
        const apps = Object.keys(state.apps);
        throw new BbfnError(
          'RESOURCE_NOT_FOUND',
          `App "${appId}" doesn't exist on the local platform at ${state.url} (apps: ${apps.join(', ') || 'none'})`,
        );
      }
      return secret.apiKey;
    },
  });
}

/** The local platform running on the data directory, or an error that says how to get one. */
async function runningPlatform(dataDir: string): Promise<PlatformState> {
  const running = await findRunningPlatform(dataDir);
  if (!running)
    throw new BbfnError(
      'LOCAL_NOT_RUNNING',
      `no local platform is running on the data directory ${dataDir}; start it with npm start (or pass the --data it runs with, or --url)`,
    );
  if (!running.state)
    throw new BbfnError(
      'LOCAL_NOT_RUNNING',
      `the local platform (pid ${running.pid}) is still starting; retry in a moment`,
    );
  return running.state;
}

/** `APP_ID/NAME` → its two parts. */
export function functionTarget(target: string | undefined, usage: string): { appId: string; name: string } {
  const [appId, name, ...rest] = target?.split('/') ?? [];
  if (!appId || !name || rest.length > 0) throw new Error(`name the function as APP_ID/NAME\n\n${usage}`);
  return { appId, name };
}
