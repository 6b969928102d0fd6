import autocannon from 'autocannon';
import { latencyRecorder } from './latency.ts';

export interface LoadResult {
  requestsPerSecond: number;
  /** Latency percentiles in µs, from autocannon's per-response figures (see latency.ts). */
  p50Us: number;
  p99Us: number;
  errors: number;
  non2xx: number;
}

/** A bounded load run against one loopback URL. */
export async function runLoad(
  url: string,
  options: { durationSeconds: number; connections: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url))
    throw new Error(`refusing to load a non-loopback URL: ${url}`);
  const latencies = latencyRecorder();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.durationSeconds,
        headers: options.headers ?? {},
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    // Every response, whatever its status, as autocannon's own latency figures count them.
    run.on('response', (_client, _status, _bytes, milliseconds) => latencies.record(milliseconds));
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Us: latencies.percentileUs(50),
    p99Us: latencies.percentileUs(99),
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** The round of median throughput, with the median p99 of all rounds. */
export function medianRound(rounds: readonly LoadResult[]): LoadResult {
  const middle = Math.floor(rounds.length / 2);
  const byThroughput = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const p99s = rounds.map((r) => r.p99Us).sort((a, b) => a - b);
  return { ...byThroughput[middle]!, p99Us: p99s[middle]! };
}

/**
 * The host's throughput and p99 against the baseline's, round by round (each host
 * round against the baseline round just before it), and the median of those: the
 * machine's speed drifts from minute to minute, which a ratio of two medians taken
 * minutes apart would carry into the result.
 */
export function pairedRatios(
  baseline: readonly LoadResult[],
  host: readonly LoadResult[],
): { throughput: number; p99: number } {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const pairs = host.map((round, i) => [baseline[i]!, round] as const);
  return {
    throughput: median(pairs.map(([b, h]) => h.requestsPerSecond / b.requestsPerSecond)),
    p99: median(pairs.map(([b, h]) => h.p99Us / Math.max(b.p99Us, 1))),
  };
}
