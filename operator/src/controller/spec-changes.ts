import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Which updates of a Function are worth a reconcile, as controller-runtime's
 * GenerationChangedPredicate judges: a new generation (its spec changed) or the start of
 * its deletion; not a change of its status alone, which is the operator's own write
 * coming back (without this filter every Function was reconciled twice, the second time
 * for nothing). A changed child re-queues its Function by its own watch.
 */
export class SpecChanges {
  private readonly seen = new Map<string, string>();

  /** Records `object` and says whether it differs from the last version recorded. */
  changed(object: KubernetesObject): boolean {
    const { namespace, name, generation, deletionTimestamp } = object.metadata ?? {};
    const key = `${namespace}/${name}`;
    const signature = `${generation}\0${deletionTimestamp ?? ''}`;
    if (this.seen.get(key) === signature) return false;
    this.seen.set(key, signature);
    return true;
  }

  forget(object: KubernetesObject): void {
    this.seen.delete(`${object.metadata?.namespace}/${object.metadata?.name}`);
  }
}
