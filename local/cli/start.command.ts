import path from 'node:path';
import { describeManagementEndpoints } from '../../management/local/mount.ts';
import { createLogger } from '../../runtime-image/src/logger.ts';
import { startLocalPlatform } from '../platform.ts';
import { DEFAULT_DATA_DIR, parseCommandArgs } from './args.ts';

const USAGE = `Usage: bbfn start [dir] [options]

Runs every App and Function manifest in dir (default: examples) on this machine, on an
embedded Postgres whose data stays in the data directory between runs.

Options:
  --port N        Port to listen on (default 8080; 0 picks a free one)
  --address A     Address to listen on (default 127.0.0.1)
  --data DIR      Data directory: Postgres data, app secrets (default ${DEFAULT_DATA_DIR})
  --no-watch      Do not reload manifests when they change
  --deploy-wait S How long a deploy through the management API waits for the new
                  code to serve before it answers "pending" (default 30)
  -h, --help      Show this help`;

export async function runStart(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      port: { type: 'string', default: '8080' },
      address: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      'no-watch': { type: 'boolean', default: false },
      'deploy-wait': { type: 'string', default: '30' },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const port = Number(parsed.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, got "${parsed.values.port}"`);
  const deployWaitSeconds = Number(parsed.values['deploy-wait']);
  if (!(deployWaitSeconds >= 0))
    throw new Error(`--deploy-wait must be seconds, got "${parsed.values['deploy-wait']}"`);
  const manifestsDir = path.resolve(parsed.positionals[0] ?? 'examples');
  const dataDir = path.resolve(String(parsed.values.data));
  // JSON logs go to stderr at warn and above; stdout is for the person at the terminal.
  const log = createLogger({ name: 'bbfn-local', level: process.env.LOG_LEVEL ?? 'warn', destination: 2 });
  const platform = await startLocalPlatform({
    manifestsDir,
    dataDir,
    port,
    address: String(parsed.values.address),
    log,
    print: (line) => console.log(line),
    watch: !parsed.values['no-watch'],
    deployWaitMs: deployWaitSeconds * 1000,
  });
  console.log(`\nButterbase Functions is serving ${manifestsDir} at ${platform.url}`);
  for (const [appId, secret] of Object.entries(platform.secrets)) {
    console.log(`  app ${appId}: API key (service role) ${secret.apiKey}`);
    console.log(`  user token:  node bin/bbfn.ts token --app ${appId} --user alice`);
  }
  const dataArg = parsed.values.data === DEFAULT_DATA_DIR ? '' : ` --data ${dataDir}`;
  for (const line of describeManagementEndpoints(platform.url, dataArg)) console.log(line);
  console.log(`  logs:        node bin/bbfn.ts logs <appId>/<function>\nPress Ctrl-C to stop.`);
  return 0;
}
