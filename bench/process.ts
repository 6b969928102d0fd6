import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StartedProcess {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the first line that named a URL. */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * Spawns a server process and waits for the JSON line that carries its URL
 * (`{"url": …}` from the bench servers, `"msg":"serving"` from the runtime host).
 */
export async function startServerProcess(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
  /** For servers that print their URL for a person rather than as JSON. */
  urlPattern?: RegExp,
): Promise<StartedProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const printed = urlPattern?.exec(line)?.[1];
      if (printed) {
        clearTimeout(timer);
        resolve(printed);
        return;
      }
      try {
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // Not JSON: ignore.
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before serving`)));
  });
  const startMs = performance.now() - started;
  return {
    child,
    url,
    startMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 40_000).unref();
      }),
  };
}
