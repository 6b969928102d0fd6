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
 * Spawns a Node server process and waits for the JSON line that carries its URL
 * (`{"url": …}` from the bench servers, `"msg":"serving"` from the runtime host).
 */
export function startServerProcess(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
  /** For servers that print their URL for a person rather than as JSON. */
  urlPattern?: RegExp,
): Promise<StartedProcess> {
  return spawnServer({
    command: process.execPath,
    args,
    env,
    timeoutMs,
    ...(urlPattern ? { urlPattern } : {}),
  });
}

export interface SpawnOptions {
  command: string;
  args: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  urlPattern?: RegExp;
  /** For a server that prints nothing when it listens (workerd): its URL, polled until it answers. */
  knownUrl?: string;
}

/** Spawns any server process (Node, Deno, workerd) and resolves once it serves. */
export async function spawnServer(options: SpawnOptions): Promise<StartedProcess> {
  const { command, args, env = {}, timeoutMs = 30_000, urlPattern, knownUrl } = options;
  const started = performance.now();
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before serving`)),
    ),
  );
  exited.catch(() => {});
  const url = await Promise.race([
    knownUrl ? pollUntilServing(knownUrl, timeoutMs) : urlFromOutput(child, args, timeoutMs, urlPattern),
    exited,
  ]);
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

function urlFromOutput(
  child: ChildProcess,
  args: string[],
  timeoutMs: number,
  urlPattern?: RegExp,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
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
  });
}

/** Polls a loopback URL every 2 ms until it answers, bounded in time. */
async function pollUntilServing(url: string, timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const answered = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return true;
      },
      () => false,
    );
    if (answered) return url;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}
