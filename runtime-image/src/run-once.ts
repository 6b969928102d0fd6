/**
 * What a cron Function's CronJob pod runs in the image (`bbfn run-once` from a
 * checkout): the mounted function once, then exit 0, or 1 when it failed. Under Node's
 * permission model, as the serving entry is (permission.ts): re-executed with its flags
 * first, and the rest loaded after.
 */
import { fileURLToPath } from 'node:url';
import { enterPermissionModel } from './permission.ts';

enterPermissionModel(fileURLToPath(import.meta.url));
const { createLogger } = await import('./logger.ts');
const { runOnceFromEnvironment } = await import('./run-once.main.ts');

const log = createLogger({ name: 'bbfn-run-once' });
let code = 1;
try {
  code = await runOnceFromEnvironment(log);
} catch (error) {
  log.fatal({ err: error }, 'the run could not start');
}
log.flush(() => process.exit(code));
