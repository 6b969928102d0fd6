import { createLogger } from '../../runtime-image/src/logger.ts';
import { runOnceFromEnvironment } from '../../runtime-image/src/run-once.main.ts';
import { parseCommandArgs } from './args.ts';

const USAGE = `Usage: bbfn run-once

Runs the function named by BBFN_FUNCTION_FILE once, as a cron trigger does: as the
service role (ctx.user = null), then waits for its ctx.waitUntil work and flushes its
logs. Exits 1 when the handler failed. This is what a cron Function's CronJob pod runs;
it reads the same environment as a runtime pod (runtime-image/src/config.ts).

Options:
  -h, --help      Show this help`;

export async function runRunOnce(args: string[]): Promise<number> {
  if (!parseCommandArgs(args, {}, USAGE)) return 0;
  const log = createLogger({ name: 'bbfn-run-once' });
  const code = await runOnceFromEnvironment(log);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  return code;
}
