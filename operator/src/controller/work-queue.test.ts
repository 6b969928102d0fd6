import { describe, expect, it, vi } from 'vitest';
import { RETRY_MAX_MS, retryDelay, WorkQueue } from './work-queue.ts';

/** A run that stays open until its `finish` is called. */
function gated() {
  const runs: { key: string; finish: (error?: Error) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const byKey = new Map<string, number>();
  let maxSameKey = 0;
  const work = (key: string) =>
    new Promise<void>((resolve, reject) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, byKey.get(key)!);
      runs.push({
        key,
        finish: (error) => {
          running--;
          byKey.set(key, byKey.get(key)! - 1);
          if (error) reject(error);
          else resolve();
        },
      });
    });
  return { work, runs, stats: () => ({ maxRunning, maxSameKey }) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('runs nothing while paused, and a key added many times once', async () => {
    const { work, runs } = gated();
    const queue = new WorkQueue(work, () => {}, { concurrency: 4 });
    for (let i = 0; i < 3; i++) queue.add('ns/a');
    queue.add('ns/b');
    await tick();
    expect(runs).toHaveLength(0);
    expect(queue.depth).toBe(2);
    queue.resume();
    await tick();
    expect(runs.map((r) => r.key)).toEqual(['ns/a', 'ns/b']);
    for (const run of runs) run.finish();
    await queue.settled();
    expect(runs).toHaveLength(2);
  });

  it('runs up to its concurrency at once, in the order keys came', async () => {
    const { work, runs, stats } = gated();
    const queue = new WorkQueue(work, () => {}, { concurrency: 3 });
    queue.resume();
    for (let i = 0; i < 10; i++) queue.add(`ns/${i}`);
    await tick();
    expect(runs.map((r) => r.key)).toEqual(['ns/0', 'ns/1', 'ns/2']);
    for (let finished = 0; finished < 10; finished++) {
      runs[finished]!.finish();
      await tick();
    }
    await queue.settled();
    expect(stats().maxRunning).toBe(3);
    expect(runs).toHaveLength(10);
  });

  it('never runs one key twice at once: a key added while it runs runs once more after', async () => {
    const { work, runs, stats } = gated();
    const queue = new WorkQueue(work, () => {}, { concurrency: 4 });
    queue.resume();
    queue.add('ns/a');
    await tick();
    queue.add('ns/a');
    queue.add('ns/a');
    await tick();
    expect(runs).toHaveLength(1);
    runs[0]!.finish();
    await tick();
    expect(runs).toHaveLength(2);
    runs[1]!.finish();
    await queue.settled();
    expect(runs).toHaveLength(2);
    expect(stats().maxSameKey).toBe(1);
  });

  it('retries a failed key after a backoff that doubles, and reports each failure', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { work, runs } = gated();
      const errors: string[] = [];
      const queue = new WorkQueue(work, (key) => errors.push(key), { concurrency: 2 });
      queue.resume();
      queue.add('ns/a');
      await tick();
      runs[0]!.finish(new Error('conflict'));
      await queue.settled();
      expect(errors).toEqual(['ns/a']);
      vi.advanceTimersByTime(retryDelay(1) - 1);
      await tick();
      expect(runs).toHaveLength(1);
      vi.advanceTimersByTime(1);
      await tick();
      expect(runs).toHaveLength(2);
      runs[1]!.finish(new Error('conflict'));
      await queue.settled();
      vi.advanceTimersByTime(retryDelay(2) - 1);
      await tick();
      expect(runs).toHaveLength(2);
      vi.advanceTimersByTime(1);
      await tick();
      expect(runs).toHaveLength(3);
      runs[2]!.finish();
      await queue.settled();
      queue.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('backs off from half a second, doubling, to a minute', () => {
    expect([1, 2, 3, 4].map(retryDelay)).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay(30)).toBe(RETRY_MAX_MS);
  });
});
