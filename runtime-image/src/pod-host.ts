/**
 * The runtime pod's host: serves one function, as the operator mounted it,
 * with settings from the environment (config.ts names them all).
 */

import { ConfigError, loadHostSettings, loadMountedFunction, RUNTIME_ENV } from './config.ts';
import { migrate } from './db/migrate.ts';
import { createLogPool } from './db/pool.ts';
import { startHostServer } from './host-server.ts';
import { createLogger } from './logger.ts';
import { appFromSettings, rolesFromSettings } from './settings-app.ts';

const log = createLogger({ name: 'bbfn-runtime' });

try {
  const settings = loadHostSettings();
  const file = process.env[RUNTIME_ENV.functionFile];
  if (!file) throw new ConfigError(`${RUNTIME_ENV.functionFile} must name the mounted function definition`);
  const fn = loadMountedFunction(file);
  if (settings.databaseUrl && settings.migrate) {
    const result = await migrate(settings.databaseUrl, { roles: rolesFromSettings(settings) });
    if (result.applied.length > 0) log.info({ applied: result.applied }, 'database migrated');
  }
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
