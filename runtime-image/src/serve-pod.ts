import type { Logger } from 'pino';
import type { CompiledHandler } from './compile/compile.ts';
import type { HostSettings, MountedFunction } from './config.ts';
import { createLogPool } from './db/pool.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from './host/background-limits.ts';
import { createInvocationStore } from './host/invocation-store.ts';
import { shutdownOnSignals } from './http/server.ts';
import { ServingPool } from './pod/serving-pool.ts';
import { appFromSettings, invocationLogUrl } from './settings-app.ts';

const DRAIN_LIMIT_MS = drainLimitFor(BACKGROUND_LIMIT_MS);

export interface ServedPod {
  port: number;
  /** The handler's revision (its bundle's short hash). */
  revision: string;
}

/**
 * Serves one function from a pod's main thread: the invocation store, the serving
 * workers (pod/serving-pool.ts), and an orderly stop on SIGTERM. What a pod does once
 * it knows its function, whether it was mounted at start (pod-host.ts) or arrived at a
 * warm pool process (pool/pool-host.ts). Resolves once the first worker listens.
 */
export async function servePod(options: {
  log: Logger;
  settings: HostSettings;
  fn: MountedFunction;
  compiled: CompiledHandler;
}): Promise<ServedPod> {
  const { log, settings, fn, compiled } = options;
  const logUrl = invocationLogUrl(settings);
  const store = createInvocationStore(
    log,
    logUrl ? { [fn.appId]: createLogPool(logUrl) } : {},
    settings.spoolDir ? { spoolDir: settings.spoolDir } : {},
  );
  const { metrics } = store;
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
        ...(settings.revision ? { revision: settings.revision } : {}),
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
    onRetired: (reason) => metrics.servingWorkersRetired.inc({ reason }),
  });
  metrics.countInflightFrom(() => [{ appId: fn.appId, functionName: fn.name, count: pool.inflight() }]);
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
  return { port, revision: compiled.shortHash };
}
