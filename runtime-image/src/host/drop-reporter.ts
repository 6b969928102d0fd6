import type { Logger } from 'pino';
import type { DroppedRows, DropReason } from '../invocations/writer.ts';
import type { HostMetrics } from './metrics.ts';

/** How often dropped rows are summed up in one log line per app and reason. */
const LOG_EVERY_MS = 10_000;

/**
 * Counts dropped invocation records and console lines in `/metrics` at once, and logs
 * them: the first drop of a kind at once, later ones summed every 10 s, so a flood of
 * drops (the database down for long) is one line per interval, not one per row.
 */
export function createDropReporter(log: Logger, metrics: HostMetrics) {
  const sums = new Map<string, { app: string; reason: DropReason; records: number; lines: number }>();
  const seen = new Set<string>();
  function logSums(): void {
    for (const sum of sums.values()) log.error(sum, 'invocation records or console lines dropped');
    sums.clear();
  }
  const timer = setInterval(logSums, LOG_EVERY_MS);
  timer.unref();
  return {
    report(app: string, reason: DropReason, { records, lines }: DroppedRows): void {
      if (records > 0) metrics.recordsDropped.inc({ app, reason }, records);
      if (lines > 0) metrics.linesDropped.inc({ app, reason }, lines);
      const key = `${app}\0${reason}`;
      if (!seen.has(key)) {
        seen.add(key);
        log.error({ app, reason, records, lines }, 'invocation records or console lines dropped');
        return;
      }
      const sum = sums.get(key) ?? { app, reason, records: 0, lines: 0 };
      sum.records += records;
      sum.lines += lines;
      sums.set(key, sum);
    },
    close(): void {
      clearInterval(timer);
      logSums();
    },
  };
}
