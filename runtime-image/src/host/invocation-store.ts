import { createHash } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Spool } from '../invocations/spool.ts';
import { createInvocationWriter, type InvocationWriter } from '../invocations/writer.ts';
import { createDropReporter } from './drop-reporter.ts';
import type { ForwardedOutput, InvocationSink } from './invocation-sink.ts';
import { createHostMetrics, createInvocationMeter, type HostMetrics, meteredSink } from './metrics.ts';
import { createRecordingSink } from './recording-sink.ts';
import { registerSpoolGauges } from './spool-gauges.ts';

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

export interface InvocationStoreOptions {
  /**
   * The directory every record and line is spooled to before Postgres has it (an
   * emptyDir in a pod, the data directory under `npm start`), one subdirectory per app.
   * Unset, a process's end loses what is not yet written.
   */
  spoolDir?: string;
}

/** An app's spool subdirectory: its id when that is a safe file name, else a hash of it. */
export function appSpoolDir(spoolDir: string, appId: string): string {
  const safe = /^[A-Za-z0-9_-]{1,100}$/.test(appId)
    ? appId
    : `app-${createHash('sha256').update(appId).digest('hex').slice(0, 24)}`;
  return path.join(spoolDir, safe);
}

/**
 * Where a host's invocation records and console lines go: the metrics, pino on
 * stdout, and per app the invocation store in its database (`logPools`), spooled on
 * the way. The local platform's host and a runtime pod's main thread both keep one.
 */
export function createInvocationStore(
  log: Logger,
  logPools: Record<string, pg.Pool>,
  options: InvocationStoreOptions = {},
): InvocationStore {
  const metrics = createHostMetrics();
  const writers = new Map<string, InvocationWriter>();
  const spools = new Map<string, Spool>();
  const pools = new Map<string, pg.Pool>();
  const drops = createDropReporter(log, metrics);
  // Apps come at start and, under `npm start`, whenever a manifest adds one.
  const addApp = (appId: string, pool: pg.Pool) => {
    const spool = options.spoolDir ? new Spool(appSpoolDir(options.spoolDir, appId)) : undefined;
    if (spool) spools.set(appId, spool);
    if (spool && spool.toReplay.length > 0)
      log.info(
        { app: appId, files: spool.toReplay.length, bytes: spool.bytes },
        'replaying the invocation spool',
      );
    const writer = createInvocationWriter(pool, {
      ...(spool ? { spool } : {}),
      onError: (error) => log.warn({ err: error, app: appId }, 'invocation log write failed; will retry'),
      onDrop: (reason, dropped) => drops.report(appId, reason, dropped),
      onReplay: (result) =>
        log.info(
          { app: appId, file: path.basename(result.file), records: result.records, lines: result.lines },
          'replayed an invocation spool file',
        ),
    });
    writers.set(appId, writer);
    pools.set(appId, pool);
  };
  for (const [appId, pool] of Object.entries(logPools)) addApp(appId, pool);
  registerSpoolGauges(metrics.registry, writers, spools);
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
      try {
        await Promise.all([...writers.values()].map((writer) => writer.close()));
      } finally {
        drops.close();
        await Promise.all([...pools.values()].map((pool) => pool.end()));
      }
    },
  };
}
