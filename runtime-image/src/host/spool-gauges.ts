import { Gauge, type Registry } from 'prom-client';
import type { Spool } from '../invocations/spool.ts';
import type { InvocationWriter } from '../invocations/writer.ts';

/** What the invocation log holds that Postgres does not have yet, read at each scrape. */
export function registerSpoolGauges(
  registry: Registry,
  writers: Map<string, InvocationWriter>,
  spools: Map<string, Spool>,
): void {
  new Gauge({
    name: 'bbfn_invocation_log_buffered_rows',
    help: 'Invocation records and console lines in memory, not yet in Postgres',
    labelNames: ['app'] as const,
    registers: [registry],
    collect() {
      for (const [app, writer] of writers) this.set({ app }, writer.stats().pending);
    },
  });
  new Gauge({
    name: 'bbfn_invocation_spool_bytes',
    help: 'Bytes in the invocation spool (written ahead of Postgres, or left for replay)',
    labelNames: ['app'] as const,
    registers: [registry],
    collect() {
      for (const [app, spool] of spools) this.set({ app }, spool.bytes);
    },
  });
  new Gauge({
    name: 'bbfn_invocation_spool_replay_backlog',
    help: 'Spool files waiting to be replayed into Postgres (left by an earlier process, or evicted from memory)',
    labelNames: ['app'] as const,
    registers: [registry],
    collect() {
      for (const [app, writer] of writers) this.set({ app }, writer.replayBacklog());
    },
  });
}
