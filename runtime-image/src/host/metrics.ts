import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { InvocationRecord } from '../invocations/types.ts';
import type { CapturedLine } from '../sandbox/protocol.ts';
import type { InvocationSink } from './invocation-sink.ts';

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
  const duration = new Histogram({
    name: 'bbfn_invocation_duration_seconds',
    help: 'Time from request to handler response, excluding background work',
    labelNames: ['app', 'function', 'trigger'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
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
  return { registry, invocations, duration, logLines, sandboxRestarts };
}
export type HostMetrics = ReturnType<typeof createHostMetrics>;

function memo<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/**
 * Counts every record and line on its way to the real sink. Label sets repeat (one
 * per function and outcome), so their series are looked up once and kept: turning
 * a label object into a series key on every call cost a few µs per invocation.
 */
export function meteredSink(metrics: HostMetrics, inner: InvocationSink): InvocationSink {
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(value: number): void }>();
  return {
    recordInvocation(summary: InvocationRecord) {
      const labels = { app: summary.appId, function: summary.functionName, trigger: summary.trigger };
      const series = `${summary.appId}\0${summary.functionName}\0${summary.trigger}`;
      memo(counters, `${series}\0${summary.outcome}`, () =>
        metrics.invocations.labels({ ...labels, outcome: summary.outcome }),
      ).inc();
      memo(timers, series, () => metrics.duration.labels(labels)).observe(summary.durationMs / 1000);
      inner.recordInvocation(summary);
    },
    appendLines(appId: string, lines: CapturedLine[]) {
      for (const line of lines) metrics.logLines.inc({ app: appId, level: line.level });
      inner.appendLines(appId, lines);
    },
  };
}
