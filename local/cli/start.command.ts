import path from 'node:path';
import { beginLocalPlatform } from '../platform-begin.ts';
import { loadEmbeddedPostgres } from '../postgres/embedded-postgres.ts';
import type { LocalAppSecrets } from '../secrets.ts';
import { DEFAULT_DATA_DIR, dataDirFlag, parseCommandArgs, resolveDataDir } from './args.ts';

const USAGE = `Usage: bbfn start [dir] [options]

Runs every App and Function manifest in dir (default: examples) on this machine, on an
embedded Postgres whose data stays in the data directory between runs. Manifests are
watched: an edit goes live, a broken one is reported and the previous version keeps
serving, an App or Function added is picked up.

Options:
  --port N        Port to listen on (default: $PORT, else 8080; 0 picks a free one)
  --address A     Address to listen on (default 127.0.0.1)
  --data DIR      Data directory: Postgres data, app secrets (default ${DEFAULT_DATA_DIR} in the project)
  --no-watch      Do not reload manifests when they change
  --json          Log as pino JSON lines, also on a terminal (the default when stderr is not one)
  --deploy-wait S How long a deploy through the management API waits for the new
                  code to serve before it answers "pending" (default 30)
  -h, --help      Show this help

Environment:
  PORT            Port to listen on when --port is not given
  LOG_LEVEL       Least level of the log on stderr (default warn: handler console.warn and
                  console.error, failed invocations)`;

/** The port: --port, else PORT (the convention of Node hosts), else 8080. */
function parsePort(flag: string | undefined): number {
  const [source, value] = flag !== undefined ? ['--port', flag] : ['PORT', process.env.PORT ?? '8080'];
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${source} must be a port number 0–65535, got "${value}"`);
  return port;
}

export async function runStart(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      port: { type: 'string' },
      address: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      'no-watch': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'deploy-wait': { type: 'string', default: '30' },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const port = parsePort(parsed.values.port);
  const deployWaitSeconds = Number(parsed.values['deploy-wait']);
  if (!(deployWaitSeconds >= 0))
    throw new Error(`--deploy-wait must be seconds, got "${parsed.values['deploy-wait']}"`);
  const manifestsDir = path.resolve(parsed.positionals[0] ?? 'examples');
  const dataDir = resolveDataDir(parsed.values.data);
  const print = (line: string) => console.log(line);
  // Postgres starts while the rest of the platform's modules load (platform-begin.ts).
  const begun = await beginLocalPlatform({ manifestsDir, dataDir, print });
  const { describeManagementEndpoints, log, startLocalPlatform } = await loadPlatformModules(
    Boolean(process.stderr.isTTY && !parsed.values.json),
  ).catch(async (error: unknown) => {
    await begun.abandon();
    throw error;
  });
  const data = dataDirFlag(dataDir);
  const printApp = (appId: string, secret: LocalAppSecrets) => {
    console.log(`  app ${appId}: API key (service role) ${secret.apiKey}`);
    console.log(`  user token:  npx bbfn token --app ${appId} --user alice${data}`);
  };
  const platform = await startLocalPlatform({
    manifestsDir,
    dataDir,
    port,
    address: String(parsed.values.address),
    log,
    print,
    watch: !parsed.values['no-watch'],
    onAppAdded: printApp,
    deployWaitMs: deployWaitSeconds * 1000,
    begun,
  });
  console.log(`\nButterbase Functions is serving ${manifestsDir} at ${platform.url}`);
  for (const [appId, secret] of Object.entries(platform.secrets)) printApp(appId, secret);
  for (const line of describeManagementEndpoints(platform.url, data)) console.log(line);
  console.log(`  logs:        npx bbfn logs <appId>/<function>${data}\nPress Ctrl-C to stop.`);
  return 0;
}

/** The platform, what `start` prints with and its log: most of the start's modules. */
async function loadPlatformModules(readable: boolean) {
  const [{ describeManagementEndpoints }, { createLogger }, { startLocalPlatform }, { terminalLogStream }] =
    await Promise.all([
      import('../../management/local/mount.ts'),
      import('../../runtime-image/src/logger.ts'),
      import('../platform.ts'),
      import('./terminal-log.ts'),
      // The log may listen for the process's exit: not before embedded-postgres's hooks are dropped.
      loadEmbeddedPostgres(),
    ]);
  // The log goes to stderr at warn and above; stdout is for the person at the terminal.
  const log = createLogger({
    name: 'bbfn-local',
    level: process.env.LOG_LEVEL ?? 'warn',
    destination: readable ? terminalLogStream(process.stderr, true) : 2,
  });
  return { describeManagementEndpoints, log, startLocalPlatform };
}
