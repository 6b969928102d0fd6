import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';

interface Applied {
  hash: string;
  uid: string;
  version: string;
}

/**
 * What the operator last applied to each child and what the API server made of it, so
 * a reconcile whose desired object is unchanged, and whose child is still the one it
 * applied, skips the apply: most reconciles come from a child's status moving (a pod
 * becoming ready), and re-applying four unchanged objects each time was most of the
 * API traffic. A child deleted or edited by someone else no longer matches and is
 * applied again; clear() (the periodic resync) re-applies everything, which also puts
 * back labels someone removed.
 */
export class AppliedObjects {
  private readonly byFunction = new Map<string, Map<string, Applied>>();

  /** Whether `desired` was applied as it is, and `live` (the cached child) is what that made. */
  isCurrent(functionKey: string, desired: KubernetesObject, live: KubernetesObject | undefined): boolean {
    const applied = this.byFunction.get(functionKey)?.get(objectKey(desired));
    if (!applied || !live?.metadata) return false;
    return (
      applied.hash === hashOf(desired) &&
      applied.uid === live.metadata.uid &&
      applied.version === versionOf(desired.kind, live)
    );
  }

  remember(functionKey: string, desired: KubernetesObject, result: KubernetesObject): void {
    const objects = this.byFunction.get(functionKey) ?? new Map<string, Applied>();
    this.byFunction.set(functionKey, objects);
    objects.set(objectKey(desired), {
      hash: hashOf(desired),
      uid: result.metadata?.uid ?? '',
      version: versionOf(desired.kind, result),
    });
  }

  forget(functionKey: string): void {
    this.byFunction.delete(functionKey);
  }

  clear(): void {
    this.byFunction.clear();
  }
}

/**
 * What changes when someone else changes a child: its generation, for the kinds whose
 * status moves all the time (a Deployment's, a CronJob's: a status write does not bump
 * it); its resourceVersion for the others.
 */
function versionOf(kind: string | undefined, object: KubernetesObject): string {
  const generation = object.metadata?.generation;
  // The kind from the desired object: a listed item carries none.
  if ((kind === 'Deployment' || kind === 'CronJob') && generation !== undefined) return `g${generation}`;
  return `r${object.metadata?.resourceVersion}`;
}

function objectKey(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata?.name}`;
}

function hashOf(object: KubernetesObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('base64url');
}
