import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PodProcess {
  child: ChildProcess;
  /** Every JSON line the pod printed so far. */
  lines: Record<string, unknown>[];
  /** The URL from its `serving` line; rejects when it exits first or takes longer than the limit. */
  serving: Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a runtime pod's entry (source or bundle) as its own process, as the image
 * does, with only the environment given (plus PATH and a loopback port 0).
 */
export function launchPod(entry: string, env: Record<string, string>, timeoutMs = 30_000): PodProcess {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', BBFN_LISTEN_ADDRESS: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return watchPod(child, timeoutMs);
}

/**
 * Follows a started pod through its stdout (JSON lines): a child running the entry, or
 * a `docker run` attached to a container running it (which passes SIGTERM on).
 */
export function watchPod(child: ChildProcess, timeoutMs = 30_000): PodProcess {
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const serving = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the pod did not start in ${timeoutMs} ms`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the pod exited with ${code} before serving: ${JSON.stringify(lines.slice(-3))}`));
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      lines.push(line);
      if (line.msg === 'serving' && typeof line.url === 'string') {
        clearTimeout(timer);
        resolve(line.url);
      }
    });
  });
  serving.catch(() => {});
  return {
    child,
    lines,
    serving,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
