import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { POOL_NAME, poolDeployment, poolNetworkPolicy } from '../resources/pool-objects.ts';
import type { OperatorSettings, PoolSettings } from '../settings.ts';
import type { PoolCluster } from './pool-cluster.ts';

interface Ensured {
  /** The owners the Deployment was applied with, as one string: applied again when they change. */
  owners: string;
  token: string;
}

/**
 * Makes each namespace's pool: the Deployment (server-side apply, owned by serving
 * Functions of the namespace, warm-pool.ts says which), then its token Secret
 * (made once, kept) and NetworkPolicy, both owned by the Deployment. Applied again only
 * when the owners change, the Deployment was deleted, or at the controller's resync.
 */
export class NamespacePools {
  private readonly ensured = new Map<string, Ensured>();
  private readonly pools: PoolCluster;
  private readonly pool: PoolSettings;
  private readonly settings: OperatorSettings;

  constructor(pools: PoolCluster, pool: PoolSettings, settings: OperatorSettings) {
    this.pools = pools;
    this.pool = pool;
    this.settings = settings;
  }

  async ensure(namespace: string, owners: V1OwnerReference[]): Promise<void> {
    if (owners.length === 0) return;
    const fingerprint = owners
      .map((owner) => owner.uid)
      .sort()
      .join(',');
    if (this.ensured.get(namespace)?.owners === fingerprint) return;
    const refs = owners.map((owner) => ({ ...owner, controller: false, blockOwnerDeletion: false }));
    const applied = await this.pools.cluster.apply(poolDeployment(namespace, this.pool, this.settings, refs));
    const deployment = ownerOf(applied);
    const token = await this.pools.poolToken(namespace, deployment);
    await this.pools.cluster.apply(poolNetworkPolicy(namespace, this.pool, deployment));
    this.ensured.set(namespace, { owners: fingerprint, token });
  }

  /** The namespace's pool token, once its pool is made. */
  token(namespace: string): string | undefined {
    return this.ensured.get(namespace)?.token;
  }

  /** The pool's Deployment went: made again on the namespace's next reconcile. */
  forget(namespace: string): void {
    this.ensured.delete(namespace);
  }

  clear(): void {
    this.ensured.clear();
  }
}

function ownerOf(deployment: KubernetesObject): V1OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: deployment.metadata?.name ?? POOL_NAME,
    uid: deployment.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: false,
  };
}
