import { type KubeConfig, type V1Secret, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export type SecretEvent = 'ADDED' | 'MODIFIED' | 'DELETED';
export type SecretListener = (type: SecretEvent, secret: V1Secret) => void;

/**
 * Every Secret change in the cluster, passed on and not kept: one watch for the whole
 * operator process, shared by what needs Secret changes (the App controller; the
 * management API's SecretCache), each a listener that cares about the few its Apps name.
 * An informer would hold every Secret in memory, and RBAC grants get and watch, never list.
 * A watch started without a resourceVersion first reports every Secret that exists
 * (ADDED), so a restart after the API server ends the watch also catches what changed
 * meanwhile. Stopped watches restart after `restartMs`. The watch runs while anyone
 * listens: the management API starts on every replica, the App controller only on the
 * leader, and either may stop first.
 */
export class SecretWatch {
  private readonly watch: Watch;
  private readonly log: Logger;
  private readonly restartMs: number;
  private readonly listeners = new Set<SecretListener>();
  private abort: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by each start and stop: callbacks of a watch that was replaced or stopped are ignored. */
  private run = 0;

  constructor(kc: KubeConfig, log: Logger, restartMs = 5_000) {
    this.watch = new Watch(kc);
    this.log = log;
    this.restartMs = restartMs;
  }

  /**
   * Calls `listener` with every event from now on (a listener added to a running watch
   * sees no replay of what exists: read what you need after subscribing). Returns the
   * unsubscribe; the last one stops the watch.
   */
  subscribe(listener: SecretListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.run++;
      clearTimeout(this.timer);
      this.abort?.abort();
      this.abort = undefined;
    };
  }

  private start(): void {
    const run = ++this.run;
    this.watch
      .watch(
        '/api/v1/secrets',
        {},
        (type: string, secret: V1Secret) => {
          if (run !== this.run) return;
          if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
          for (const listener of this.listeners) listener(type, secret);
        },
        (error: unknown) => this.restart(run, error),
      )
      .then((abort) => {
        if (run === this.run) this.abort = abort;
        else abort.abort();
      })
      .catch((error: unknown) => this.restart(run, error));
  }

  private restart(run: number, error: unknown): void {
    if (run !== this.run) return;
    if (error) this.log.warn({ watching: 'secrets', error: firstLine(error) }, 'watch failed; restarting');
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        if (run === this.run && this.listeners.size > 0) this.start();
      },
      error ? this.restartMs : 0,
    );
    this.timer.unref();
  }
}

/** An API error's first line (its status): the client's whole response, headers and all, is noise in a log. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
