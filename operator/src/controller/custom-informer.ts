import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION } from '../../../api/v1alpha1/group.ts';
import { type Cached, restartingInformer } from '../kube/informers.ts';
import type { WatchHealth } from './watch-health.ts';

/**
 * A restarting informer on one kind of this API group's objects (`functions`, `apps`)
 * in every namespace, that tells `watches` (for /readyz) when its watch is up or down.
 * `synced` resolves once its first list came back.
 */
export function customInformer<T extends KubernetesObject>(options: {
  kc: KubeConfig;
  plural: string;
  watches: WatchHealth;
  log: Logger;
  stopped: () => boolean;
}): { informer: Cached<T>; synced: Promise<void> } {
  const { kc, plural, watches, log, stopped } = options;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const { informer, synced } = restartingInformer<T>({
    kc,
    path: `/apis/${API_GROUP}/${API_VERSION}/${plural}`,
    list: async () =>
      (await custom.listClusterCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        plural,
      })) as KubernetesListObject<T>,
    what: plural,
    log,
    stopped,
  });
  informer.on('connect', () => watches.connected(plural));
  informer.on('error', () => {
    if (!stopped()) watches.failed(plural);
  });
  return { informer, synced };
}
