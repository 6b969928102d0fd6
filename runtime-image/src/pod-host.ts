/**
 * The runtime pod's host: serves one function, as the operator mounted it, with
 * settings from the environment (config.ts names them all). The main thread
 * compiles the handler, stores invocation records and supervises; serving workers
 * own the HTTP connections and run the handler (pod/serving-pool.ts).
 */

import { podHandler } from './compile/mounted-bundle.ts';
import { ConfigError } from './config.ts';
import { createLogPool } from './db/pool.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from './host/background-limits.ts';
import { createInvocationStore } from './host/invocation-store.ts';
import { shutdownOnSignals } from './http/server.ts';
import { createLogger } from './logger.ts';
import { forgetSecretEnvironment } from './permission.ts';
import { ServingPool } from './pod/serving-pool.ts';
import { appFromSettings, invocationLogUrl, preparePod } from './settings-app.ts';

const DRAIN_LIMIT_MS = drainLimitFor(BACKGROUND_LIMIT_MS);

const log = createLogger({ name: 'bbfn-runtime' });

try {
  const { settings, fn } = await preparePod(log);
  const logUrl = invocationLogUrl(settings);
  forgetSecretEnvironment();
  const store = createInvocationStore(
    log,
    logUrl ? { [fn.appId]: createLogPool(logUrl) } : {},
    settings.spoolDir ? { spoolDir: settings.spoolDir } : {},
  );
  const { metrics } = store;
  const compiled = await podHandler(fn, settings.bundleFile);
  const pool = new ServingPool({
    init: {
      fn: settings.webhookSecret ? { ...fn, webhookSecret: settings.webhookSecret } : fn,
      compiled,
      app: appFromSettings(settings, fn.appId),
      http: {
        port: settings.port,
        address: settings.address,
        bodyLimit: settings.bodyLimit,
        responseLimit: settings.responseLimit,
        trustProxy: settings.trustProxy,
      },
      poolMax: settings.poolMax,
      backgroundLimitMs: BACKGROUND_LIMIT_MS,
      maxLogLines: settings.maxLogLines,
      drainLimitMs: DRAIN_LIMIT_MS,
      logLevel: log.level,
    },
    workers: settings.workers,
    memoryMb: fn.limits.memoryMb,
    timeoutMs: fn.limits.timeoutSeconds * 1000,
    onOutput: (output) => store.acceptForwarded(output),
    metrics: metrics.registry,
    log,
    onRestart: (reason) => metrics.sandboxRestarts.inc({ reason }),
  });
  const port = await pool.start();
  shutdownOnSignals({
    log,
    steps: [
      { name: 'drain serving workers', run: () => pool.drain(DRAIN_LIMIT_MS) },
      { name: 'flush invocation log', run: () => store.close() },
    ],
  });
  const host = settings.address.includes(':') ? `[${settings.address}]` : settings.address;
  log.info(
    { app: fn.appId, fn: fn.name, revision: compiled.shortHash, url: `http://${host}:${port}` },
    'serving',
  );
} catch (error) {
  log.fatal({ err: error }, error instanceof ConfigError ? error.message : 'failed to start');
  log.flush(() => process.exit(1));
}
