import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
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
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers ?? {},
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** The round of median throughput, with the median p99 of all rounds. */
export function medianRound(rounds: readonly LoadResult[]): LoadResult {
  const middle = Math.floor(rounds.length / 2);
  const byThroughput = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const p99s = rounds.map((r) => r.p99Ms).sort((a, b) => a - b);
  return { ...byThroughput[middle]!, p99Ms: p99s[middle]! };
}
