import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext, vi } from 'vitest';
import {
  type CronLog,
  type CronRun,
  type CronSchedulerOptions,
  createCronScheduler,
  type ScheduledFunction,
} from './cron-scheduler.ts';

// Real timers throughout: the point is how croner's ticks meet slow runs. Per-second
// patterns (tests only, `allowSeconds`) keep each case to a few seconds.
const EVERY_SECOND = '* * * * * *';

function fakeLog() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies Record<
    keyof CronLog,
    unknown
  >;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/**
 * A scheduler stopped when its own test ends. Concurrent tests must use their context's
 * hooks (and `expect`): the global ones attach to whichever test is current.
 */
function startScheduler(context: TestContext, options: CronSchedulerOptions) {
  const scheduler = createCronScheduler(options);
  context.onTestFinished(() => scheduler.stop());
  return scheduler;
}

// Concurrent: each case mostly waits on the clock. The timeout covers stop() waiting
// for a slow run when a test ends.
describe.concurrent('createCronScheduler', { timeout: 15_000 }, () => {
  it('runs a function on its schedule and stops after unschedule', async (context) => {
    const { expect } = context;
    const runs: Array<[ScheduledFunction, CronRun]> = [];
    const scheduler = startScheduler(context, {
      onRun: async (fn, run) => void runs.push([fn, run]),
      log: fakeLog(),
    });
    scheduler.schedule({ key: 'demo/tick', schedule: EVERY_SECOND, allowSeconds: true });
    await until(() => runs.length >= 2);
    scheduler.unschedule('demo/tick');
    const count = runs.length;
    await sleep(1300);
    expect(runs.length).toBe(count);
    expect(runs[0]?.[0].key).toBe('demo/tick');
    expect(runs[0]?.[1].scheduledAt.getMilliseconds()).toBe(0);
    expect(scheduler.keys()).toEqual([]);
  });

  it('never overlaps runs of one function: a tick during a run is skipped and logged', async (context) => {
    const { expect } = context;
    const log = fakeLog();
    let active = 0;
    let maxActive = 0;
    let started = 0;
    const scheduler = startScheduler(context, {
      log,
      onRun: async () => {
        started++;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(2300);
        active--;
      },
    });
    scheduler.schedule({ key: 'demo/slow', schedule: EVERY_SECOND, allowSeconds: true });
    await until(() => log.warn.mock.calls.length >= 2, 6000);
    expect(maxActive).toBe(1);
    expect(started).toBe(1);
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ fn: 'demo/slow' }),
      'cron run skipped: the previous run is still going',
    );
  });

  it('keeps the guard across a reschedule of the same key', async (context) => {
    const { expect } = context;
    const log = fakeLog();
    let active = 0;
    let maxActive = 0;
    const scheduler = startScheduler(context, {
      log,
      onRun: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(1800);
        active--;
      },
    });
    scheduler.schedule({ key: 'demo/slow', schedule: EVERY_SECOND, allowSeconds: true });
    await until(() => active === 1);
    scheduler.schedule({ key: 'demo/slow', schedule: '*/1 * * * * *', allowSeconds: true });
    await until(() => log.warn.mock.calls.length >= 1);
    expect(maxActive).toBe(1);
  });

  it('stop() stops the timers and waits for the run still going', async (context) => {
    const { expect } = context;
    let finished = false;
    let started = 0;
    const local = createCronScheduler({
      log: fakeLog(),
      onRun: async () => {
        started++;
        await sleep(700);
        finished = true;
      },
    });
    local.schedule({ key: 'demo/job', schedule: EVERY_SECOND, allowSeconds: true });
    await until(() => started === 1);
    await local.stop();
    expect(finished).toBe(true);
    await sleep(1200);
    expect(started).toBe(1);
    expect(() => local.schedule({ key: 'x', schedule: '0 9 * * *' })).toThrow(/stopped/);
  });

  it('replaces the job when a key is scheduled again', async (context) => {
    const { expect } = context;
    let runs = 0;
    const scheduler = startScheduler(context, { log: fakeLog(), onRun: async () => void runs++ });
    scheduler.schedule({ key: 'demo/job', schedule: EVERY_SECOND, allowSeconds: true });
    scheduler.schedule({ key: 'demo/job', schedule: '0 0 1 1 *' });
    await sleep(1300);
    expect(runs).toBe(0);
    expect(scheduler.keys()).toEqual(['demo/job']);
    expect(scheduler.nextRuns('demo/job', 1)[0]?.toISOString()).toMatch(/-01-01T00:00:00\.000Z$/);
  });

  it('logs a failed run and keeps the schedule', async (context) => {
    const { expect } = context;
    const log = fakeLog();
    let runs = 0;
    const scheduler = startScheduler(context, {
      log,
      onRun: async () => {
        runs++;
        throw new Error('boom');
      },
    });
    scheduler.schedule({ key: 'demo/fails', schedule: EVERY_SECOND, allowSeconds: true });
    await until(() => runs >= 2);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ fn: 'demo/fails', err: expect.any(Error) }),
      'cron run failed',
    );
  });

  it('validates like the manifest schema unless a test allows seconds', (context) => {
    const { expect } = context;
    const scheduler = startScheduler(context, { log: fakeLog(), onRun: async () => {} });
    expect(() => scheduler.schedule({ key: 'a', schedule: EVERY_SECOND })).toThrow(
      /seconds are not supported/,
    );
    expect(() => scheduler.schedule({ key: 'a', schedule: '61 * * * *' })).toThrow(
      /invalid cron expression "61/,
    );
    expect(() => scheduler.schedule({ key: 'a', schedule: '0 9 * * *', timeZone: 'Mars/Olympus' })).toThrow(
      /invalid time zone/,
    );
    expect(() => scheduler.schedule({ key: 'a', schedule: '61 * * * * *', allowSeconds: true })).toThrow(
      /invalid cron expression/,
    );
    expect(scheduler.keys()).toEqual([]);
  });

  it('computes next runs in UTC unless a time zone is given', (context) => {
    const { expect } = context;
    const scheduler = startScheduler(context, { log: fakeLog(), onRun: async () => {} });
    scheduler.schedule({ key: 'utc', schedule: '0 9 * * *' });
    scheduler.schedule({ key: 'tokyo', schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' });
    expect(scheduler.nextRuns('utc', 3).map((d) => d.getUTCHours())).toEqual([9, 9, 9]);
    expect(scheduler.nextRuns('tokyo', 2).map((d) => d.getUTCHours())).toEqual([0, 0]);
    expect(scheduler.nextRuns('unknown', 2)).toEqual([]);
  });
});
