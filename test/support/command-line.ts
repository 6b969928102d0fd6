/**
 * The shell entry points of the test harnesses (`test/kube/control-plane.ts`,
 * `test/e2e/cluster.ts`): `<command> [--help]`, no other arguments.
 */

/**
 * Picks the command out of `args`, printing the usage or a command's help when asked.
 * Returns the command to run, or the exit code when there is nothing to run.
 */
export function pickCommand(
  args: string[],
  usage: string,
  help: Record<string, string>,
): { command: string } | { exit: number } {
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return { exit: command ? 0 : 2 };
  }
  const text = help[command];
  if (!text) {
    console.error(`unknown command: ${command}\n\n${usage}`);
    return { exit: 2 };
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(text);
    return { exit: 0 };
  }
  if (rest.length > 0) {
    console.error(`unexpected arguments: ${rest.join(' ')}\n\n${text}`);
    return { exit: 2 };
  }
  return { command };
}

/** Runs `main` and exits with its code; an error prints its stack and exits 1. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}

/**
 * Keeps a long-running command up until a signal: without a listener Node dies on these
 * signals without running 'exit' handlers, which stop what the command started; exiting
 * through process.exit runs them.
 */
export function exitOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => process.exit(code));
  }
}
