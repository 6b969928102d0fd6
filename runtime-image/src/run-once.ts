/**
 * What a cron Function's CronJob pod runs in the image (`bbfn run-once` from a
 * checkout): the mounted function once, then exit 0, or 1 when it failed.
 */
import { createLogger } from './logger.ts';
import { runOnceFromEnvironment } from './run-once.main.ts';

const log = createLogger({ name: 'bbfn-run-once' });
let code = 1;
try {
  code = await runOnceFromEnvironment(log);
} catch (error) {
  log.fatal({ err: error }, 'the run could not start');
}
log.flush(() => process.exit(code));
