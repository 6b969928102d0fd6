import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { SPECIALIZE_PATH } from '../../../runtime-image/src/pool/specialize-server.ts';
import { functionLabels, POOL_LABEL, POOL_STATE, REVISION_KEY } from '../resources/names.ts';
import { POOL_PORT_NAME } from '../resources/pool-objects.ts';
import type { PoolCluster } from './pool-cluster.ts';
import { restartsOf, SPECIALIZED_RESTARTS } from './specialized-pod.ts';

/** A specialize that takes longer has failed: a warm start is ~0.1 s, a loaded node's a few. */
const SPECIALIZE_TIMEOUT_MS = 20_000;

/** What a pool pod is handed (runtime-image/src/pool/specialize-request.ts). */
export interface SpecializeBody {
  function: Record<string, unknown>;
  bundle: string;
  env: Record<string, string>;
}

/** The pool pod refused or failed the function; the pod is no use to anyone after it. */
export class SpecializeFailed extends Error {}

/**
 * Hands one warm pod a Function's revision (`POST /v1/specialize` on its pool port,
 * with the pool's token), and only once it answered 200 (the function serves) moves it
 * out of the pool and into the Function: a label patch that the pool's ReplicaSet no
 * longer selects (it makes a replacement) and the Function's Service does, the
 * revision's annotation (reconcile/readiness.ts counts the pod), and the Function as
 * its controller (deleting the Function deletes it).
 */
export async function specializePod(
  pools: PoolCluster,
  pod: V1Pod,
  token: string,
  body: SpecializeBody,
  fn: { name: string; revision: string; owner: V1OwnerReference },
): Promise<V1Pod> {
  const url = `http://${hostOf(pod.status!.podIP!)}:${poolPortOf(pod)}${SPECIALIZE_PATH}`;
  let answer: Response;
  try {
    answer = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(SPECIALIZE_TIMEOUT_MS),
    });
  } catch (error) {
    throw new SpecializeFailed(`${url}: ${(error as Error).message}`, { cause: error });
  }
  const text = await answer.text().catch(() => '');
  if (answer.status !== 200)
    throw new SpecializeFailed(`${url} answered ${answer.status}: ${text.slice(0, 300)}`);
  return await pools.patchPodMetadata(pod, {
    labels: {
      // Off the pool's selector (and its ReplicaSet's pod-template-hash), onto the Function's.
      'pod-template-hash': null,
      ...functionLabels(fn.name),
      [POOL_LABEL]: POOL_STATE.specialized,
    },
    annotations: { [REVISION_KEY]: fn.revision, [SPECIALIZED_RESTARTS]: String(restartsOf(pod)) },
    // A merge patch replaces the list: the pool's ReplicaSet is no longer its controller.
    ownerReferences: [fn.owner],
  });
}

/** The pod's specialize port, by name (resources/pool-objects.ts). */
function poolPortOf(pod: V1Pod): number {
  for (const container of pod.spec?.containers ?? [])
    for (const port of container.ports ?? []) if (port.name === POOL_PORT_NAME) return port.containerPort;
  throw new SpecializeFailed(`Pod ${pod.metadata?.name} has no port named ${POOL_PORT_NAME}`);
}

function hostOf(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}
