import { describe, expect, it } from 'vitest';
import { latencyRecorder } from './latency.ts';

describe('latencyRecorder', () => {
  it('keeps sub-millisecond latencies to the microsecond', () => {
    const latencies = latencyRecorder();
    // 0.01 ms … 1.00 ms: 100 responses, none a whole millisecond but the last.
    for (let i = 1; i <= 100; i++) latencies.record(i / 100);
    expect(latencies.count()).toBe(100);
    expect(latencies.percentileUs(50)).toBe(500);
    expect(latencies.percentileUs(99)).toBe(990);
    expect(latencies.percentileUs(100)).toBe(1000);
  });

  it('tells 2.0 ms from 2.4 ms, which whole milliseconds make one', () => {
    const latencies = latencyRecorder();
    for (let i = 0; i < 99; i++) latencies.record(0.3);
    latencies.record(2.4);
    expect(latencies.percentileUs(99)).toBe(300);
    expect(Math.abs(latencies.percentileUs(100) - 2400)).toBeLessThanOrEqual(2);
  });

  it('reports 0 before any response', () => {
    expect(latencyRecorder().percentileUs(99)).toBe(0);
  });
});
