import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../support/wait.ts';

/** The repository root: the commands run from here, as the README's do. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * PATH as a newcomer's shell has it: without this project's node_modules/.bin, which
 * npm and vitest put first. Its first `node` is the machine's own (20 on the project's
 * machines), the one the README's commands must work with.
 */
export const SYSTEM_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !path.resolve(dir).startsWith(path.join(PROJECT_ROOT, 'node_modules')))
  .join(path.delimiter);

/** The machine's node, else (a machine without one) the project's. */
export const SYSTEM_NODE =
  SYSTEM_PATH.split(path.delimiter)
    .map((dir) => path.join(dir, 'node'))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }) ?? process.execPath;

export const systemEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  PATH: SYSTEM_PATH,
  ...extra,
});

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command line run to its end through a shell, with the machine's PATH, from the project root. */
export function sh(command: string, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { cwd: PROJECT_ROOT, env: systemEnv(extraEnv), timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `bbfn ARGS` under the machine's node, through the bin shim. */
export function bbfn(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return sh([SYSTEM_NODE, 'bin/bbfn.js', ...args].map(quote).join(' '), extraEnv);
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr in arrival order. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A long-running `bbfn` (start) under the machine's node. With `tty`, it runs under
 * `script`, so its stdout and stderr are a terminal, as in a person's shell.
 */
export function spawnBbfn(
  args: string[],
  options: { env?: Record<string, string>; tty?: boolean } = {},
): RunningCli {
  const command = [SYSTEM_NODE, 'bin/bbfn.js', ...args].map(quote).join(' ');
  const child = options.tty
    ? spawn('script', ['-qfec', command, '/dev/null'], { cwd: PROJECT_ROOT, env: systemEnv(options.env) })
    : spawn('/bin/sh', ['-c', `exec ${command}`], { cwd: PROJECT_ROOT, env: systemEnv(options.env) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    waitForOutput: (pattern, timeoutMs) =>
      waitFor(`output matching ${pattern}`, timeoutMs, async () => output.match(pattern) ?? false),
  };
}

function quote(arg: string): string {
  return /^[\w./:=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
