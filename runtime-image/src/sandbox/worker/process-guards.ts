import { BbfnError } from '../../errors.ts';

/**
 * A worker shares the process with the host: `process.exit()` would only end the
 * worker, but `process.kill(process.pid)` or `process.abort()` would end everything.
 * Turn them into errors of the calling invocation. (The pod stays the real tenant
 * boundary; this keeps one bad call from taking down the other requests.)
 */
export function installProcessGuards(): void {
  const refuse = (what: string) => () => {
    throw new BbfnError(
      'FUNCTION_PROCESS_EXIT',
      `The handler called ${what}, which is not allowed in a function`,
    );
  };
  process.exit = refuse('process.exit()') as typeof process.exit;
  process.abort = refuse('process.abort()') as typeof process.abort;
  process.kill = refuse('process.kill()') as typeof process.kill;
  // Undocumented, but reachable from user code and it ends the thread without cleanup.
  (process as unknown as { reallyExit: unknown }).reallyExit = refuse('process.reallyExit()');
}
