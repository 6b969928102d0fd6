/**
 * What a CronJob pod runs (`bbfn run-once`): the mounted function once, as the service
 * role, then its background work, then the invocation log; exit 1 when the run failed.
 */

import { podHandler } from './compile/mounted-bundle.ts';
import { createLogPool } from './db/pool.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from './host/background-limits.ts';
import { FunctionHost } from './host/host.ts';
import { createRecordingSink } from './host/recording-sink.ts';
import { runScheduled } from './host/run-once.ts';
import { createInvocationWriter } from './invocations/writer.ts';
import type { createLogger } from './logger.ts';
import { forgetSecretEnvironment } from './permission.ts';
import { appFromSettings, invocationLogUrl, preparePod } from './settings-app.ts';

export async function runOnceFromEnvironment(log: ReturnType<typeof createLogger>): Promise<number> {
  const { settings, fn } = await preparePod(log);
  const logUrl = invocationLogUrl(settings);
  // The settings hold them now; the handler's process need not.
  forgetSecretEnvironment();
  const pool = logUrl ? createLogPool(logUrl) : null;
  const writer = pool
    ? createInvocationWriter(pool, { onError: (error) => log.warn({ err: error }, 'log write failed') })
    : null;
  const host = new FunctionHost({
    sink: createRecordingSink(log, () => writer ?? undefined),
    workersPerFunction: 1,
    poolMaxPerWorker: settings.poolMax,
    backgroundLimitMs: BACKGROUND_LIMIT_MS,
    drainLimitMs: drainLimitFor(BACKGROUND_LIMIT_MS),
    compile: () => podHandler(fn, settings.bundleFile),
  });
  host.setApp(appFromSettings(settings, fn.appId));
  try {
    const deployment = await host.deploy(fn);
    const result = await runScheduled(deployment, host.options.sink, 'http://localhost');
    const failed = result.errorCode !== null || result.status >= 500;
    log[failed ? 'error' : 'info'](
      { status: result.status, errorCode: result.errorCode, invocationId: result.invocationId },
      'run finished',
    );
    return failed ? 1 : 0;
  } finally {
    await host.close();
    await writer?.close().catch((error: unknown) => log.error({ err: error }, 'invocation log not flushed'));
    await pool?.end();
  }
}
