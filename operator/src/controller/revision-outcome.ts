import type { KubernetesObject, V1CronJob, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { cronJobOutcome, deploymentOutcome, type Outcome } from '../reconcile/readiness.ts';
import type { OwnedWatches } from './owned-watches.ts';

/** Reads how far the revision just applied got, from the children and the cached pods and Jobs. */
export function revisionOutcome(
  owned: OwnedWatches,
  namespace: string,
  name: string,
  live: Map<string, KubernetesObject>,
): Outcome {
  const pods = owned.ofFunction<V1Pod>('Pod', namespace, name);
  const deployment = live.get('Deployment') as V1Deployment | undefined;
  if (deployment) return deploymentOutcome(deployment, pods);
  const cronJob = live.get('CronJob') as V1CronJob;
  return cronJobOutcome(cronJob, owned.ofFunction<V1Job>('Job', namespace, name), pods);
}
