import {
  ApiException,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';

export type Cached<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/**
 * An informer (list, then watch, with a cache) that restarts 5 s after a failure:
 * client-node's stops on any error but 410 Gone. `synced` resolves once its first list
 * came back (a failed list is retried by the restart).
 */
export function restartingInformer<T extends KubernetesObject>(options: {
  kc: KubeConfig;
  /** The watch's API path, e.g. /apis/apps/v1/deployments. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  what: string;
  log: Logger;
  stopped: () => boolean;
}): { informer: Cached<T>; synced: Promise<void> } {
  const { promise: synced, resolve } = Promise.withResolvers<void>();
  const list = async () => {
    const listed = await options.list();
    resolve();
    return listed;
  };
  const informer = makeInformer<T>(options.kc, options.path, list, options.labelSelector);
  informer.on('error', (error: unknown) => {
    if (options.stopped()) return;
    options.log.warn(
      { watching: options.what, error: describeError(error) },
      'watch failed; restarting in 5 s',
    );
    setTimeout(() => {
      if (!options.stopped()) void informer.start().catch(() => {});
    }, 5_000).unref();
  });
  return { informer, synced };
}

/** An API error as one line (the API server's message, not the client's whole response). */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    return `${error.code} ${(body as { message?: string } | undefined)?.message ?? ''}`.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
