/**
 * The runtime pod's host: serves one function, as the operator mounted it, with
 * settings from the environment (config.ts names them all). The main thread
 * compiles the handler, stores invocation records and supervises; serving workers
 * own the HTTP connections and run the handler (pod/serving-pool.ts).
 */

import { compileHandler, handlerFilename } from './compile/compile.ts';
import { ConfigError } from './config.ts';
import { createLogPool } from './db/pool.ts';
import { createHostMetrics, meteredSink } from './host/metrics.ts';
import { createRecordingSink } from './host/recording-sink.ts';
import { shutdownOnSignals } from './http/server.ts';
import { createInvocationWriter } from './invocations/writer.ts';
import { createLogger } from './logger.ts';
import { ServingPool } from './pod/serving-pool.ts';
import { appFromSettings, preparePod } from './settings-app.ts';

/** Seed: background work has a 30-second timeout; a stopping pod gives it that and a margin. */
const BACKGROUND_LIMIT_MS = 30_000;
const DRAIN_LIMIT_MS = BACKGROUND_LIMIT_MS + 5_000;

const log = createLogger({ name: 'bbfn-runtime' });

try {
  const { settings, fn } = await preparePod(log);
  const metrics = createHostMetrics();
  const logPool = settings.databaseUrl ? createLogPool(settings.databaseUrl) : null;
  const writer = logPool
    ? createInvocationWriter(logPool, {
        onError: (error) =>
          log.warn({ err: error, app: fn.appId }, 'invocation log write failed; will retry'),
      })
    : undefined;
  const sink = meteredSink(
    metrics,
    createRecordingSink(log, () => writer),
  );
  const compiled = await compileHandler(fn.code, { filename: handlerFilename(fn.name) });
  const pool = new ServingPool({
    init: {
      fn,
      compiled,
      app: appFromSettings(settings, fn.appId),
      http: {
        port: settings.port,
        address: settings.address,
        bodyLimit: settings.bodyLimit,
        trustProxy: settings.trustProxy,
      },
      poolMax: settings.poolMax,
      backgroundLimitMs: BACKGROUND_LIMIT_MS,
      drainLimitMs: DRAIN_LIMIT_MS,
      logLevel: log.level,
    },
    workers: settings.workers,
    memoryMb: fn.limits.memoryMb,
    timeoutMs: fn.limits.timeoutSeconds * 1000,
    sink,
    metrics: metrics.registry,
    log,
    onRestart: (reason) => metrics.sandboxRestarts.inc({ reason }),
  });
  const port = await pool.start();
  shutdownOnSignals({
    log,
    steps: [
      { name: 'drain serving workers', run: () => pool.drain(DRAIN_LIMIT_MS) },
      {
        name: 'flush invocation log',
        run: async () => {
          await writer?.close();
          await logPool?.end();
        },
      },
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
