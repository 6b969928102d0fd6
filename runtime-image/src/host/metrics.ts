import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { InvocationRecord } from '../invocations/types.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';
import { BinnedHistogram } from './binned-histogram.ts';
import {
  addDurationBins,
  binDuration,
  binnedCount,
  DURATION_BUCKETS_SECONDS,
  type DurationBins,
} from './duration-bins.ts';
import type { InvocationSink } from './invocation-sink.ts';
import type { InvocationTally } from './invocation-tally.ts';

/** Invocations of one function running now (their response not yet sent). */
export interface InflightCount {
  appId: string;
  functionName: string;
  count: number;
}

/** Where the counts come from: the host's sandboxes, or a pod's serving workers. */
export type InflightSource = () => Iterable<InflightCount>;

/** The metrics a Prometheus user looks for on a function host. */
export function createHostMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bbfn_runtime_' });
  const labelNames = ['app', 'function', 'trigger', 'outcome'] as const;
  const invocations = new Counter({
    name: 'bbfn_invocations_total',
    help: 'Function invocations by outcome (ok, error, timeout, memory_limit, crashed…)',
    labelNames,
    registers: [registry],
  });
  const duration = new BinnedHistogram({
    name: 'bbfn_invocation_duration_seconds',
    help: 'Time from request to handler response, excluding background work',
    bounds: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  const logLines = new Counter({
    name: 'bbfn_console_lines_total',
    help: 'Console lines captured from handlers, by level',
    labelNames: ['app', 'level'] as const,
    registers: [registry],
  });
  const sandboxRestarts = new Counter({
    name: 'bbfn_sandbox_restarts_total',
    help: 'Sandboxes replaced, by reason: blocked (a handler held its thread past the time limit), memory (past the memory limit), crashed',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Counted when a retired worker has ended, not when it was told to: a test waits on it
  // for a hand-over to be over, which a log line (rotated away under load) cannot promise.
  const servingWorkersRetired = new Counter({
    name: 'bbfn_serving_workers_retired_total',
    help: "A pod's serving workers retired and ended (their replacement serving), by reason: blocked, memory",
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const recordsDropped = new Counter({
    name: 'bbfn_invocation_records_dropped_total',
    help: 'Invocation records given up, by reason (invocations/writer.ts DROP_REASONS)',
    labelNames: ['app', 'reason'] as const,
    registers: [registry],
  });
  const linesDropped = new Counter({
    name: 'bbfn_log_lines_dropped_total',
    help: 'Console lines given up, by reason: line_cap (past the per-invocation cap), or as records are',
    labelNames: ['app', 'reason'] as const,
    registers: [registry],
  });
  const inflightSources: InflightSource[] = [];
  // Read when scraped, not counted per request: the sandboxes already know what they run.
  const inflight = new Gauge({
    name: 'bbfn_inflight_invocations',
    help: 'Invocations running now (response not yet sent), per function: what a concurrency-based HPA aims at (spec.scaling.targetConcurrency)',
    labelNames: ['app', 'function'] as const,
    registers: [registry],
    collect() {
      const counts = new Map<string, InflightCount>();
      for (const source of inflightSources) {
        for (const { appId, functionName, count } of source()) {
          const key = `${appId}\0${functionName}`;
          const seen = counts.get(key);
          if (seen) seen.count += count;
          else counts.set(key, { appId, functionName, count });
        }
      }
      // Functions no longer served leave the series; those served and idle show 0.
      this.reset();
      for (const { appId, functionName, count } of counts.values())
        this.set({ app: appId, function: functionName }, count);
    },
  });
  return {
    registry,
    invocations,
    duration,
    logLines,
    sandboxRestarts,
    servingWorkersRetired,
    recordsDropped,
    linesDropped,
    inflight,
    /** Adds where bbfn_inflight_invocations reads its counts from. */
    countInflightFrom(source: InflightSource): void {
      inflightSources.push(source);
    },
  };
}
export type HostMetrics = ReturnType<typeof createHostMetrics>;

/** One function's series under one trigger: its duration bins and a counter per outcome. */
interface FunctionSeries {
  appId: string;
  functionName: string;
  trigger: string;
  durations: DurationBins;
  counters: Partial<Record<InvocationRecord['outcome'], { inc(value?: number): void }>>;
}

type InvocationLabels = Pick<InvocationRecord, 'appId' | 'functionName' | 'trigger' | 'outcome'>;

export interface InvocationMeter {
  /** Counts one invocation. */
  count(record: InvocationRecord): void;
  /** Counts a worker's tally of invocations. */
  countTally(tally: InvocationTally): void;
}

/**
 * Counts invocations into the host's metrics. Label sets repeat (one per function and
 * outcome), so their series are looked up once and kept: turning a label object into
 * a series key on every call cost a few µs per invocation. Records come in runs of one
 * function, so most match the series of the one before without building a key at all.
 */
export function createInvocationMeter(metrics: HostMetrics): InvocationMeter {
  const seriesByKey = new Map<string, FunctionSeries>();
  let last: FunctionSeries | undefined;
  function seriesOf({ appId, functionName, trigger }: InvocationLabels): FunctionSeries {
    if (last?.appId === appId && last.functionName === functionName && last.trigger === trigger) return last;
    const key = `${appId}\0${functionName}\0${trigger}`;
    let series = seriesByKey.get(key);
    if (!series) {
      const durations = metrics.duration.bins({ app: appId, function: functionName, trigger });
      series = { appId, functionName, trigger, durations, counters: {} };
      seriesByKey.set(key, series);
    }
    last = series;
    return series;
  }
  function counterOf(series: FunctionSeries, outcome: InvocationRecord['outcome']) {
    series.counters[outcome] ??= metrics.invocations.labels({
      app: series.appId,
      function: series.functionName,
      trigger: series.trigger,
      outcome,
    });
    return series.counters[outcome];
  }
  return {
    count(record) {
      const series = seriesOf(record);
      counterOf(series, record.outcome).inc();
      binDuration(series.durations, record.durationMs / 1000);
    },
    countTally(tally) {
      const series = seriesOf(tally);
      counterOf(series, tally.outcome).inc(binnedCount(tally.durations));
      addDurationBins(series.durations, tally.durations);
    },
  };
}

/** Counts every record and line on its way to the real sink. */
export function meteredSink(
  metrics: HostMetrics,
  meter: InvocationMeter,
  inner: InvocationSink,
): InvocationSink {
  return {
    recordInvocation(record: InvocationRecord) {
      meter.count(record);
      inner.recordInvocation(record);
    },
    appendLines(appId: string, lines: CapturedLine[]) {
      countLines(metrics, appId, lines);
      inner.appendLines(appId, lines);
    },
  };
}

function countLines(metrics: HostMetrics, appId: string, lines: readonly CapturedLine[]): void {
  for (const line of lines) {
    metrics.logLines.inc({ app: appId, level: line.level });
    // The sandbox's marker line after lines it dropped past the cap (console-capture.ts).
    if (line.dropped) metrics.linesDropped.inc({ app: appId, reason: 'line_cap' }, line.dropped);
  }
}
