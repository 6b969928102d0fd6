import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import type { ManagedProcess } from './process.ts';

export interface TlsClient {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Only for components whose serving certificate we did not issue. */
  insecure?: boolean;
}

/** One GET with a short timeout; resolves to the status code, or 0 when it failed. */
export function probe(url: string, tls: TlsClient = {}): Promise<number> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? request : httpRequest;
    const req = send(
      target,
      { timeout: 2000, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', () => resolve(0));
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/**
 * Polls `url` until it answers 200, for at most `timeoutMs`. Fails at once, with its log,
 * when one of `watched` exits meanwhile: a crashed component will not become ready.
 */
export async function waitForHealthy(
  component: ManagedProcess,
  url: string,
  timeoutMs: number,
  tls: TlsClient = {},
  watched: ManagedProcess[] = [component],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = watched.find((p) => p.hasExited());
    if (dead)
      throw new Error(`${dead.name} exited while starting ${component.name}:\n${await dead.logTail()}`);
    if ((await probe(url, tls)) === 200) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${component.name} not healthy at ${url} after ${timeoutMs} ms:\n${await component.logTail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
