import type pg from 'pg';
import type { Logger } from 'pino';
import { createInvocationWriter, type InvocationWriter } from '../invocations/writer.ts';
import type { ForwardedOutput, InvocationSink } from './invocation-sink.ts';
import { createHostMetrics, createInvocationMeter, type HostMetrics, meteredSink } from './metrics.ts';
import { createRecordingSink } from './recording-sink.ts';

export interface InvocationStore {
  /** Counts every record and line, logs them, and writes them to their app's database. */
  sink: InvocationSink;
  /** Takes a serving worker's output (pod/forwarding-sink.ts) the same ways. */
  acceptForwarded(output: ForwardedOutput): void;
  metrics: HostMetrics;
  /** Per app, its writer; an app without a database logs to stdout only. */
  writers: Map<string, InvocationWriter>;
  /** Starts recording an app's invocations in its database: an App added while the host runs. */
  addApp(appId: string, pool: pg.Pool): void;
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
  const pools = new Map<string, pg.Pool>();
  const addApp = (appId: string, pool: pg.Pool) => {
    const onError = (error: Error) =>
      log.warn({ err: error, app: appId }, 'invocation log write failed; will retry');
    writers.set(appId, createInvocationWriter(pool, { onError }));
    pools.set(appId, pool);
  };
  for (const [appId, pool] of Object.entries(logPools)) addApp(appId, pool);
  const meter = createInvocationMeter(metrics);
  const sink = meteredSink(
    metrics,
    meter,
    createRecordingSink(log, (appId) => writers.get(appId)),
  );
  return {
    sink,
    acceptForwarded({ runs, tallies, lines }) {
      for (const { appId, lines: appLines } of lines) sink.appendLines(appId, appLines);
      for (const tally of tallies) meter.countTally(tally);
      for (const run of runs) writers.get(run.appId)?.recordRun(run);
    },
    metrics,
    writers,
    addApp,
    async close() {
      await Promise.all([...writers.values()].map((writer) => writer.close()));
      await Promise.all([...pools.values()].map((pool) => pool.end()));
    },
  };
}
