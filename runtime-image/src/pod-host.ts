/**
 * The runtime pod's host: serves one function, as the operator mounted it,
 * with settings from the environment (config.ts names them all).
 */

import { ConfigError } from './config.ts';
import { createLogPool } from './db/pool.ts';
import { startHostServer } from './host-server.ts';
import { createLogger } from './logger.ts';
import { appFromSettings, preparePod } from './settings-app.ts';

const log = createLogger({ name: 'bbfn-runtime' });

try {
  const { settings, fn } = await preparePod(log);
  const server = await startHostServer({
    settings,
    log,
    apps: [appFromSettings(settings, fn.appId)],
    logPools: settings.databaseUrl ? { [fn.appId]: createLogPool(settings.databaseUrl) } : {},
    functions: [fn],
  });
  const deployment = server.deployments[0]!;
  log.info({ app: fn.appId, fn: fn.name, revision: deployment.revision, url: server.url }, 'serving');
} catch (error) {
  log.fatal({ err: error }, error instanceof ConfigError ? error.message : 'failed to start');
  log.flush(() => process.exit(1));
}
