import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { HostSettings } from './config.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from './host/background-limits.ts';
import type { FunctionDeployment } from './host/deployment.ts';
import { type AppRuntimeConfig, type FunctionDefinition, FunctionHost } from './host/host.ts';
import { createInvocationStore } from './host/invocation-store.ts';
import { buildHttpApp } from './http/app.ts';
import { registerHealthAndMetrics } from './http/health-metrics.ts';
import { listenWithGracefulShutdown, type ShutdownStep } from './http/server.ts';
import type { BootQueue } from './threads/boot-queue.ts';

export interface HostServerOptions {
  settings: Pick<HostSettings, 'port' | 'address' | 'workers' | 'poolMax' | 'bodyLimit' | 'trustProxy'>;
  log: Logger;
  apps: AppRuntimeConfig[];
  /**
   * Deployed while the HTTP app is built and bound (compiling and starting sandbox
   * workers is most of a pod's start); the server resolves once they all serve.
   */
  functions?: FunctionDefinition[];
  /** Requests to functions not yet deployed answer HOST_STARTING until `host.starting` is cleared. */
  starting?: boolean;
  /** Sandboxes boot their first thread in turns (threads/boot-queue.ts). */
  bootQueue?: BootQueue;
  /** Per app, the database its invocation records go to; an app without one logs to stdout only. */
  logPools: Record<string, pg.Pool>;
  /** Where invocation records and console lines are spooled before Postgres has them (invocation-store.ts). */
  spoolDir?: string;
  /** Console lines stored per invocation (sandbox/log-limits.ts has the default). */
  maxLogLines?: number;
  /** Run after the invocation log is flushed (the local platform stops its Postgres here). */
  extraShutdownSteps?: ShutdownStep[];
  /** The cap on background work; BACKGROUND_LIMIT_MS (the seed's 30 s) unless a test shortens it. */
  backgroundLimitMs?: number;
  /** The largest response body a handler may return; DEFAULT_RESPONSE_LIMIT_BYTES unless set. */
  responseLimitBytes?: number;
  exit?: (code: number) => void;
  /** More routes beside the functions' (the local platform's management API). */
  registerRoutes?: (app: FastifyInstance) => void;
}

/**
 * A function host behind HTTP with health, metrics and an orderly shutdown:
 * in-flight requests, then background work, then the invocation log.
 */
export async function startHostServer(options: HostServerOptions) {
  const { settings, log } = options;
  const store = createInvocationStore(
    log,
    options.logPools,
    options.spoolDir ? { spoolDir: options.spoolDir } : {},
  );
  const { metrics, writers } = store;
  const backgroundLimitMs = options.backgroundLimitMs ?? BACKGROUND_LIMIT_MS;
  const host = new FunctionHost({
    sink: store.sink,
    workersPerFunction: settings.workers,
    poolMaxPerWorker: settings.poolMax,
    backgroundLimitMs,
    ...(options.maxLogLines ? { maxLogLines: options.maxLogLines } : {}),
    ...(options.responseLimitBytes ? { responseLimitBytes: options.responseLimitBytes } : {}),
    drainLimitMs: drainLimitFor(backgroundLimitMs),
    onDrainError: (deployment, error) =>
      log.error({ err: error, fn: deployment.name }, 'draining a revision failed'),
    onSandboxRestart: (reason) => metrics.sandboxRestarts.inc({ reason }),
    ...(options.starting ? { starting: true } : {}),
    ...(options.bootQueue ? { bootQueue: options.bootQueue } : {}),
  });
  for (const app of options.apps) host.setApp(app);
  metrics.countInflightFrom(() =>
    host.registry.list().map((d) => ({ appId: d.appId, functionName: d.name, count: d.sandbox.inflight })),
  );
  const deploying = Promise.all((options.functions ?? []).map((fn) => host.deploy(fn)));
  // Awaited after listening; a failure must not surface as an unhandled rejection first.
  deploying.catch(() => {});
  let closing = false;
  const app = await buildHttpApp({
    host,
    logger: log,
    bodyLimit: settings.bodyLimit,
    trustProxy: settings.trustProxy,
    register: (fastify) => {
      options.registerRoutes?.(fastify);
      return registerHealthAndMetrics(fastify, {
        metrics: metrics.registry,
        isReady: () => !closing && host.registry.list().length > 0,
      });
    },
  });
  const { url, shutdown } = await listenWithGracefulShutdown(app, {
    port: settings.port,
    address: settings.address,
    log,
    ...(options.exit ? { exit: options.exit } : {}),
    steps: [
      {
        name: 'drain functions',
        run: async () => {
          closing = true;
          await host.close();
        },
      },
      {
        name: 'flush invocation log',
        run: () => store.close(),
      },
      ...(options.extraShutdownSteps ?? []),
    ],
  });
  let deployments: FunctionDeployment[];
  try {
    deployments = await deploying;
  } catch (error) {
    await host.close();
    await app.close();
    throw error;
  }
  /** An App that appears while the host runs (the local platform's hot reload). */
  const addApp = (config: AppRuntimeConfig, logPool: pg.Pool) => {
    host.setApp(config);
    store.addApp(config.appId, logPool);
  };
  return { url, host, app, metrics, writers, shutdown, deployments, addApp };
}
