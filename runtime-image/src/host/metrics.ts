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
  return { registry, invocations, duration, logLines };
}
export type HostMetrics = ReturnType<typeof createHostMetrics>;

type Child<T> = T extends { labels(...args: never[]): infer C } ? C : never;

/**
 * Counts every record and line on its way to the real sink. Label sets repeat (one
 * per function and outcome), so their children are looked up once and kept: turning
 * a label object into a series key on every call cost a few µs per invocation.
 */
export function meteredSink(metrics: HostMetrics, inner: InvocationSink): InvocationSink {
  const counters = new Map<string, Child<HostMetrics['invocations']>>();
  const timers = new Map<string, Child<HostMetrics['duration']>>();
  return {
    recordInvocation(summary: InvocationRecord) {
      const series = `${summary.appId}\0${summary.functionName}\0${summary.trigger}`;
      let timer = timers.get(series);
      if (!timer) {
        timer = metrics.duration.labels({
          app: summary.appId,
          function: summary.functionName,
          trigger: summary.trigger,
        });
        timers.set(series, timer);
      }
      const counterKey = `${series}\0${summary.outcome}`;
      let counter = counters.get(counterKey);
      if (!counter) {
        counter = metrics.invocations.labels({
          app: summary.appId,
          function: summary.functionName,
          trigger: summary.trigger,
          outcome: summary.outcome,
        });
        counters.set(counterKey, counter);
      }
      counter.inc();
      timer.observe(summary.durationMs / 1000);
      inner.recordInvocation(summary);
    },
    appendLines(appId: string, lines: CapturedLine[]) {
      for (const line of lines) metrics.logLines.inc({ app: appId, level: line.level });
      inner.appendLines(appId, lines);
    },
  };
}
