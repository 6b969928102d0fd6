import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../kube/cluster.ts';
import { describeError } from '../kube/informers.ts';
import { RETRIED_REASON } from '../reconcile/condition-reasons.ts';
import { RetriedFailure } from '../reconcile/retried-failure.ts';
import type { AppliedObjects } from './applied-objects.ts';
import type { OwnedKind, OwnedWatches } from './owned-watches.ts';

/**
 * Applies what changed (AppliedObjects) of a Function's children and returns each child
 * as it now stands: the revision's ConfigMap first (the pods mount it), then the rest
 * side by side. A refusal by the API server (a full Service IP range, a quota, an
 * admission webhook) is a RetriedFailure carrying the API server's own message.
 */
export async function applyChildren(
  parts: { cluster: Cluster; owned: OwnedWatches; applied: AppliedObjects },
  key: string,
  objects: KubernetesObject[],
): Promise<Map<string, KubernetesObject>> {
  const { cluster, owned, applied } = parts;
  const [namespace] = key.split('/') as [string];
  const live = new Map<string, KubernetesObject>();
  const applyOne = async (object: KubernetesObject) => {
    const kind = object.kind as OwnedKind;
    const cached = owned.get(kind, namespace, object.metadata!.name!);
    if (applied.isCurrent(key, object, cached)) {
      live.set(kind, cached!);
      return;
    }
    try {
      const result = await cluster.apply(object);
      applied.remember(key, object, result);
      live.set(kind, result);
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      const message = `${kind} ${object.metadata?.name}: ${describeError(error)}`;
      throw new RetriedFailure(RETRIED_REASON.applyFailed, message, { cause: error });
    }
  };
  const [first, ...rest] = objects;
  if (first) await applyOne(first);
  // Every apply is waited for before a failure is reported, so none is left in flight.
  const results = await Promise.allSettled(rest.map(applyOne));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return live;
}
