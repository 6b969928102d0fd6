import type { V1Pod } from '@kubernetes/client-node';
import { isServing, revisionOf } from '../kube/pod-facts.ts';
import { POOL_LABEL, POOL_STATE } from '../resources/names.ts';

/**
 * The pod's container restarts when it was specialized (an annotation). A container that
 * restarts after comes back as a warm pool process, with nothing on the serving port, yet
 * inside the Function's Service and Ready: such a pod serves nothing (warm-pool.ts
 * retires it, reconcile/readiness.ts does not count it).
 */
export const SPECIALIZED_RESTARTS = 'butterbase.ai/specialized-restarts';

export function restartsOf(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, container) => sum + container.restartCount, 0);
}

/** A pool pod specialized for a Function, whose container has not restarted since. */
export function isSpecialized(pod: V1Pod): boolean {
  const annotations = pod.metadata?.annotations ?? {};
  return (
    pod.metadata?.labels?.[POOL_LABEL] === POOL_STATE.specialized &&
    annotations[SPECIALIZED_RESTARTS] === String(restartsOf(pod))
  );
}

/** A specialized pod that serves `revision` now: not going, Ready. */
export function servesRevision(pod: V1Pod, revision: string): boolean {
  return isSpecialized(pod) && revisionOf(pod) === revision && isServing(pod);
}
