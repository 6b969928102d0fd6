/**
 * Invocation durations counted into the buckets of `bbfn_invocation_duration_seconds`.
 * A serving worker bins its invocations' durations as they end and sends the counts,
 * so the main thread adds ~14 numbers a function where it used to observe every
 * duration (prom-client's observe cost ~0.6–1 µs each, on the cores the serving
 * threads need). Kept free of prom-client: a serving worker does not load it.
 */

/** Upper bounds of the buckets, in seconds. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Durations per bucket (not cumulative; the last slot is past every bound) and their sum. */
export interface DurationBins {
  counts: number[];
  sumSeconds: number;
}

export function emptyDurationBins(): DurationBins {
  return { counts: new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0), sumSeconds: 0 };
}

/** Counts one duration. */
export function binDuration(bins: DurationBins, seconds: number): void {
  let i = 0;
  while (i < DURATION_BUCKETS_SECONDS.length && seconds > DURATION_BUCKETS_SECONDS[i]!) i++;
  bins.counts[i]! += 1;
  bins.sumSeconds += seconds;
}

/** Adds `from`'s counts into `into`. */
export function addDurationBins(into: DurationBins, from: DurationBins): void {
  for (let i = 0; i < into.counts.length; i++) into.counts[i]! += from.counts[i] ?? 0;
  into.sumSeconds += from.sumSeconds;
}

/** How many durations the bins hold. */
export function binnedCount(bins: DurationBins): number {
  let count = 0;
  for (const n of bins.counts) count += n;
  return count;
}
