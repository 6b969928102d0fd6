import { Cron } from 'croner';
import type { Logger } from 'pino';
import {
  DEFAULT_CRON_TIME_ZONE,
  validateCronSchedule,
  validateTimeZone,
} from '../../api/v1alpha1/cron-schedule.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';

/**
 * Cron triggers on the local platform: what a CronJob is in a cluster. Each function
 * has at most one job (scheduling a key again replaces it), and runs of one function
 * never overlap: a tick that comes while the previous run is still going is skipped
 * and logged, like a CronJob with `concurrencyPolicy: Forbid`.
 */

export interface ScheduledFunction {
  /** Identifies the function, e.g. `appId/name`; scheduling the same key replaces its job. */
  key: string;
  /** 5-field cron expression, validated like the manifest schema does. */
  schedule: string;
  /** IANA time zone; UTC when unset (never the host's local time). */
  timeZone?: string;
  /**
   * Tests only: accept croner's 6-field pattern with seconds first, to observe runs in
   * seconds. Users cannot set this; manifests allow 5 fields only.
   */
  allowSeconds?: boolean;
}

export interface CronRun {
  /** The tick this run belongs to (whole seconds). */
  scheduledAt: Date;
}

export type CronLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface CronSchedulerOptions {
  /**
   * Invokes the function; a rejection is logged and the schedule goes on. It must
   * settle (the invoker's per-invocation time limit sees to that): `stop()` waits for it.
   */
  onRun: (fn: ScheduledFunction, run: CronRun) => Promise<void>;
  log: CronLog;
}

export interface CronScheduler {
  /** Throws a `VALIDATION_INVALID_MANIFEST` BbfnError for an invalid schedule or time zone. */
  schedule(fn: ScheduledFunction): void;
  /** Stops future ticks; a run already going finishes (and `stop()` still waits for it). */
  unschedule(key: string): void;
  /** The next `n` run times, for display; empty for an unknown key. */
  nextRuns(key: string, n: number): Date[];
  keys(): string[];
  /** Stops every timer and resolves once the runs still going have finished. */
  stop(): Promise<void>;
}

export function createCronScheduler(options: CronSchedulerOptions): CronScheduler {
  const { onRun, log } = options;
  const jobs = new Map<string, { fn: ScheduledFunction; job: Cron }>();
  // Keyed by function rather than by job, so a run started by a replaced or
  // unscheduled job still blocks the next tick of the same function.
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  function tick(fn: ScheduledFunction, scheduledAt: Date): void {
    if (stopped) return;
    if (running.has(fn.key)) {
      log.warn({ fn: fn.key, scheduledAt }, 'cron run skipped: the previous run is still going');
      return;
    }
    log.debug({ fn: fn.key, scheduledAt }, 'cron run starting');
    const run = (async () => {
      try {
        await onRun(fn, { scheduledAt });
      } catch (error) {
        log.error({ fn: fn.key, scheduledAt, err: error }, 'cron run failed');
      }
    })().finally(() => running.delete(fn.key));
    running.set(fn.key, run);
  }

  return {
    schedule(fn) {
      if (stopped) throw new Error('The cron scheduler is stopped');
      const timeZone = fn.timeZone ?? DEFAULT_CRON_TIME_ZONE;
      const problem = fn.allowSeconds
        ? validateTimeZone(timeZone)
        : validateCronSchedule(fn.schedule, timeZone);
      if (problem) throw new BbfnError('VALIDATION_INVALID_MANIFEST', problem, { details: { fn: fn.key } });
      let job: Cron;
      try {
        // Our own overlap guard instead of croner's `protect`: it has to survive a
        // reschedule, and croner's guard lives on one job. The callback returns at once,
        // so croner's own "busy" state never hides a tick we want to see (and log).
        job = new Cron(
          fn.schedule,
          { mode: fn.allowSeconds ? '5-or-6-parts' : '5-part', timezone: timeZone },
          (self) => tick(fn, tickTime(self)),
        );
      } catch (error) {
        throw new BbfnError(
          'VALIDATION_INVALID_MANIFEST',
          `invalid cron expression ${JSON.stringify(fn.schedule)}: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
            details: { fn: fn.key },
          },
        );
      }
      const previous = jobs.get(fn.key);
      previous?.job.stop();
      jobs.set(fn.key, { fn, job });
      log.info(
        { fn: fn.key, schedule: fn.schedule, timeZone, next: job.nextRun() },
        previous ? 'cron rescheduled' : 'cron scheduled',
      );
    },

    unschedule(key) {
      const entry = jobs.get(key);
      if (!entry) return;
      entry.job.stop();
      jobs.delete(key);
      log.info({ fn: key }, 'cron unscheduled');
    },

    nextRuns(key, n) {
      return jobs.get(key)?.job.nextRuns(n) ?? [];
    },

    keys() {
      return [...jobs.keys()];
    },

    async stop() {
      stopped = true;
      for (const { job } of jobs.values()) job.stop();
      jobs.clear();
      await Promise.allSettled([...running.values()]);
    },
  };
}

/** Croner fires a few milliseconds after the tick; the whole second is the tick itself. */
function tickTime(job: Cron): Date {
  const fired = job.currentRun()?.getTime() ?? Date.now();
  return new Date(Math.floor(fired / 1000) * 1000);
}
