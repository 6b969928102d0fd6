import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** One control-plane binary, its output going straight to a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** For synchronous exit paths (process 'exit'): SIGKILL, no waiting. */
  killNow(): void;
  /** The log's last lines, for error messages. */
  logTail(lines?: number): Promise<string>;
}

export function startProcess(
  name: string,
  binary: string,
  args: string[],
  logFile: string,
  /** Added to our environment. */
  env: NodeJS.ProcessEnv = {},
): ManagedProcess {
  // The log is a file descriptor handed to the child, not a pipe through Node, so the
  // process never stalls on a full pipe when our event loop is busy or gone.
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(binary, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      resolve();
    });
    child.once('error', () => {
      done = true;
      resolve();
    });
  });
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} (${binary})`);
  }
  const pid = child.pid;
  const signal = (sig: NodeJS.Signals) => {
    if (!done) child.kill(sig);
  };
  return {
    name,
    pid,
    logFile,
    exited,
    hasExited: () => done,
    async stop(graceMs = 3000) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    killNow: () => signal('SIGKILL'),
    async logTail(lines = 30) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    },
  };
}
