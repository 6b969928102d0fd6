import { type KubeConfig, type V1Secret, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export type SecretEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * Every Secret change in the cluster, passed on and not kept: the App controller
 * cares about the few its Apps name, and an informer would hold all of them in
 * memory. A watch started without a resourceVersion first reports every Secret
 * that exists (ADDED), so a restart after the API server ends the watch also
 * catches what changed meanwhile. Stopped watches restart after `restartMs`.
 */
export class SecretWatch {
  private readonly watch: Watch;
  private readonly onEvent: (type: SecretEvent, secret: V1Secret) => void;
  private readonly log: Logger;
  private readonly restartMs: number;
  private abort: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    kc: KubeConfig,
    onEvent: (type: SecretEvent, secret: V1Secret) => void,
    log: Logger,
    restartMs = 5_000,
  ) {
    this.watch = new Watch(kc);
    this.onEvent = onEvent;
    this.log = log;
    this.restartMs = restartMs;
  }

  start(): void {
    if (this.stopped) return;
    this.watch
      .watch(
        '/api/v1/secrets',
        {},
        (type: string, secret: V1Secret) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.onEvent(type, secret);
        },
        (error: unknown) => this.restart(error),
      )
      .then((abort) => {
        this.abort = abort;
      })
      .catch((error: unknown) => this.restart(error));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  private restart(error: unknown): void {
    if (this.stopped) return;
    if (error) this.log.warn({ watching: 'secrets', error: firstLine(error) }, 'watch failed; restarting');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), error ? this.restartMs : 0);
    this.timer.unref();
  }
}

/** An API error's first line (its status): the client's whole response, headers and all, is noise in a log. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
