import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BinnedHistogram } from './binned-histogram.ts';
import {
  addDurationBins,
  binDuration,
  DURATION_BUCKETS_SECONDS,
  emptyDurationBins,
} from './duration-bins.ts';

describe('BinnedHistogram', () => {
  it("exposes what prom-client's Histogram does for the same observations", async () => {
    const seconds = [0.0004, 0.001, 0.0011, 0.02, 0.02, 0.3, 7, 31, 120];
    const ours = new Registry();
    const binned = new BinnedHistogram({
      name: 'd',
      help: 'h',
      bounds: DURATION_BUCKETS_SECONDS,
      registers: [ours],
    });
    const theirs = new Registry();
    const reference = new Histogram({
      name: 'd',
      help: 'h',
      labelNames: ['app', 'function'],
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers: [theirs],
    });
    // One label set fed value by value, another through bins a worker would send.
    for (const s of seconds) {
      binDuration(binned.bins({ app: 'a', function: 'f' }), s);
      reference.observe({ app: 'a', function: 'f' }, s);
    }
    const sent = emptyDurationBins();
    for (const s of seconds.slice(0, 4)) {
      binDuration(sent, s);
      reference.observe({ app: 'a', function: 'g' }, s);
    }
    addDurationBins(binned.bins({ app: 'a', function: 'g' }), sent);

    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('d_bucket{le="0.001",app="a",function="f"} 2');
  });
});
