import type pg from 'pg';
import type { Logger } from 'pino';
import { createInvocationWriter, type InvocationWriter } from '../invocations/writer.ts';
import type { InvocationSink } from './invocation-sink.ts';
import { createHostMetrics, type HostMetrics, meteredSink } from './metrics.ts';
import { createRecordingSink } from './recording-sink.ts';

export interface InvocationStore {
  /** Counts every record and line, logs them, and writes them to their app's database. */
  sink: InvocationSink;
  metrics: HostMetrics;
  /** Per app, its writer; an app without a database logs to stdout only. */
  writers: Map<string, InvocationWriter>;
  /** Flushes the writers, then ends their pools. */
  close(): Promise<void>;
}

/**
 * Where a host's invocation records and console lines go: the metrics, pino on
 * stdout, and per app the invocation store in its database (`logPools`). The local
 * platform's host and a runtime pod's main thread both keep one.
 */
export function createInvocationStore(log: Logger, logPools: Record<string, pg.Pool>): InvocationStore {
  const metrics = createHostMetrics();
  const writers = new Map<string, InvocationWriter>();
  for (const [appId, pool] of Object.entries(logPools)) {
    const onError = (error: Error) =>
      log.warn({ err: error, app: appId }, 'invocation log write failed; will retry');
    writers.set(appId, createInvocationWriter(pool, { onError }));
  }
  const sink = meteredSink(
    metrics,
    createRecordingSink(log, (appId) => writers.get(appId)),
  );
  return {
    sink,
    metrics,
    writers,
    async close() {
      await Promise.all([...writers.values()].map((writer) => writer.close()));
      await Promise.all(Object.values(logPools).map((pool) => pool.end()));
    },
  };
}
