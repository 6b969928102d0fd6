import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { describeError } from '../kube/informers.ts';
import type { WarmPool } from '../pool/warm-pool.ts';
import { PROGRESS_REASON } from '../reconcile/condition-reasons.ts';
import { deploymentOutcome, type Outcome } from '../reconcile/readiness.ts';
import { keyOf } from './object-key.ts';
import type { OwnedWatches } from './owned-watches.ts';

/**
 * The namespace's warm pool made (owned by its serving Functions), and the revision
 * handed to a pool pod when none of its pods serves it yet (pool/warm-pool.ts). The
 * outcome again when a pod was just specialized: the pod cache learns of it later.
 */
export async function servedFromPool(
  parts: {
    pool: WarmPool;
    owned: OwnedWatches;
    log: Logger;
    /** The namespace's Functions, as stored. */
    functions: readonly KubernetesObject[];
  },
  fn: FunctionResource,
  apps: AppResource[],
  desired: { revision: string; objects: KubernetesObject[] },
  live: Map<string, KubernetesObject>,
  outcome: Outcome,
): Promise<Outcome> {
  const { pool, owned, log, functions } = parts;
  const namespace = fn.metadata.namespace!;
  await pool.ensurePool(namespace, functions);
  const pods = owned.ofFunction<V1Pod>('Pod', namespace, fn.metadata.name);
  const app = apps.find((a) => a.spec.appId === fn.spec.appId);
  if (!app) return outcome;
  const specialized = await pool
    .serve({
      fn,
      app,
      revision: desired.revision,
      // As built, with its data: the cache keeps ConfigMaps without it (owned-watches.ts).
      configMap: desired.objects.find((object) => object.kind === 'ConfigMap') as V1ConfigMap,
      pods,
      rolledOut: outcome.reason === PROGRESS_REASON.available,
    })
    .catch((error: unknown) => {
      // An optimisation that failed (a Secret unreadable, say): the Deployment serves.
      log.warn({ function: keyOf(fn), error: describeError(error) }, 'the warm pool could not serve');
      return undefined;
    });
  if (!specialized) return outcome;
  return deploymentOutcome(live.get('Deployment') as V1Deployment, [...pods, specialized]);
}
