import { spawn } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ManagedProcess } from './process.ts';

/** Ties a run's processes and directory to our own life. */
export interface RunGuard {
  /** Records a started process, so every exit path kills it. */
  track(process: ManagedProcess): void;
  /** After an orderly stop: drops the exit handlers and the watchdog. */
  release(): void;
}

const watchdogScript = path.join(import.meta.dirname, 'watchdog.sh');

export interface GuardOptions {
  /** Watchdog script run as `bash <script> <dir>` (default: watchdog.sh beside this file). */
  watchdog?: string;
  /** Synchronous cleanup on the 'exit' path, after the tracked processes are killed. */
  onExit?: () => void;
}
const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Signal listeners of all live guards (the e2e node runs two: control plane and node). */
const guardListeners = new Set<(...args: never[]) => void>();

/**
 * Three layers, so no run leaves processes or files behind:
 * - the orderly stop (the caller's, e.g. vitest's teardown);
 * - `process.on('exit')`, synchronous: SIGKILL and remove. vitest answers Ctrl-C with
 *   process.exit() and skips teardowns; on a signal nobody else handles we exit too;
 * - a detached watchdog, for when we are SIGKILLed or crash past any handler.
 */
export function guardRun(dir: string, options: GuardOptions = {}): RunGuard {
  const tracked: ManagedProcess[] = [];
  const watchdog = spawn('bash', [options.watchdog ?? watchdogScript, dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  const onExit = () => {
    for (const child of tracked) child.killNow();
    options.onExit?.();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // When only guards listen, Node would otherwise just keep running.
    if (process.listeners(signal).every((listener) => guardListeners.has(listener))) {
      process.exitCode ??= 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);
      process.exit();
    }
  };
  process.on('exit', onExit);
  guardListeners.add(onSignal);
  for (const signal of signals) process.on(signal, onSignal);

  return {
    track(child) {
      tracked.push(child);
      appendFileSync(path.join(dir, 'pids'), `${child.pid}\n`);
    },
    release() {
      process.off('exit', onExit);
      for (const signal of signals) process.off(signal, onSignal);
      guardListeners.delete(onSignal);
      watchdog.kill('SIGKILL');
      watchdog.stdin?.destroy();
    },
  };
}
