import type { KubernetesObject } from '@kubernetes/client-node';

/** The work queues' key for an object: `namespace/name`. */
export function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}
