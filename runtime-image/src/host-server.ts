import type pg from 'pg';
import type { Logger } from 'pino';
import type { HostSettings } from './config.ts';
import { type AppRuntimeConfig, FunctionHost } from './host/host.ts';
import { createHostMetrics, meteredSink } from './host/metrics.ts';
import { createRecordingSink } from './host/recording-sink.ts';
import { buildHttpApp } from './http/app.ts';
import { registerHealthAndMetrics } from './http/health-metrics.ts';
import { listenWithGracefulShutdown } from './http/server.ts';
import { createInvocationWriter } from './invocations/writer.ts';

export interface HostServerOptions {
  settings: Pick<HostSettings, 'port' | 'address' | 'workers' | 'poolMax' | 'bodyLimit' | 'trustProxy'>;
  log: Logger;
  apps: AppRuntimeConfig[];
  /** Where invocation records go; null keeps them on stdout only. */
  logPool: pg.Pool | null;
  /** Seed: background work has a 30-second timeout. */
  backgroundLimitMs?: number;
  exit?: (code: number) => void;
}

/**
 * A function host behind HTTP with health, metrics and an orderly shutdown:
 * in-flight requests, then background work, then the invocation log.
 */
export async function startHostServer(options: HostServerOptions) {
  const { settings, log } = options;
  const metrics = createHostMetrics();
  const writer = options.logPool
    ? createInvocationWriter(options.logPool, {
        onError: (error) => log.warn({ err: error }, 'invocation log write failed; will retry'),
      })
    : null;
  const sink = meteredSink(metrics, createRecordingSink(log, writer));
  const backgroundLimitMs = options.backgroundLimitMs ?? 30_000;
  const host = new FunctionHost({
    sink,
    workersPerFunction: settings.workers,
    poolMaxPerWorker: settings.poolMax,
    backgroundLimitMs,
    drainLimitMs: backgroundLimitMs + 5_000,
    onDrainError: (deployment, error) =>
      log.error({ err: error, fn: deployment.name }, 'draining a revision failed'),
  });
  for (const app of options.apps) host.setApp(app);
  let closing = false;
  const app = await buildHttpApp({
    host,
    logger: log,
    bodyLimit: settings.bodyLimit,
    trustProxy: settings.trustProxy,
    register: (fastify) =>
      registerHealthAndMetrics(fastify, {
        metrics: metrics.registry,
        isReady: () => !closing && host.registry.list().length > 0,
      }),
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
        run: async () => {
          await writer?.close();
          await options.logPool?.end();
        },
      },
    ],
  });
  return { url, host, app, metrics, writer, shutdown };
}
