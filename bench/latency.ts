import { build } from 'hdr-histogram-js';

/**
 * Per-request latencies in microseconds. autocannon's own histogram records whole
 * milliseconds (it truncates the fractional `responseTime` it measures with
 * `process.hrtime`), too coarse when a p99 is 2 ms: its per-response event carries
 * the fractional figure, which this keeps to the microsecond.
 */
export interface LatencyRecorder {
  /** One response's latency, in (fractional) milliseconds as autocannon reports it. */
  record(milliseconds: number): void;
  /** The latency below which `percentile` % of the responses fell, in µs (0 with none). */
  percentileUs(percentile: number): number;
  count(): number;
}

export function latencyRecorder(): LatencyRecorder {
  const histogram = build({
    lowestDiscernibleValue: 1,
    // A minute; longer ones still count (the histogram grows) rather than throw.
    highestTrackableValue: 60_000_000,
    autoResize: true,
    // 0.1 % resolution: 2,000 µs and 2,002 µs are told apart.
    numberOfSignificantValueDigits: 3,
  });
  return {
    record: (milliseconds) => histogram.recordValue(Math.max(1, Math.round(milliseconds * 1000))),
    percentileUs: (percentile) =>
      histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(percentile),
    count: () => histogram.totalCount,
  };
}
