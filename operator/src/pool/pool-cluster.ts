import { randomBytes } from 'node:crypto';
import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1OwnerReference,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Cluster } from '../kube/cluster.ts';
import { POOL_TOKEN_KEY, POOL_TOKEN_SECRET, poolTokenSecret } from '../resources/pool-objects.ts';

/** The calls the warm pool makes beyond server-side apply: Secrets read, pods relabelled and deleted. */
export class PoolCluster {
  private readonly core: CoreV1Api;
  readonly cluster: Cluster;

  constructor(kc: KubeConfig, cluster: Cluster) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.cluster = cluster;
  }

  /**
   * The pool's token: made once (32 random bytes) with the Secret, then read. A Secret
   * made at once by another replica is read, not replaced: the pods have its token.
   */
  async poolToken(namespace: string, owner: V1OwnerReference): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    try {
      await this.core.createNamespacedSecret({ namespace, body: poolTokenSecret(namespace, token, owner) });
      return token;
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) throw error;
    }
    const stored = await this.secretValue(namespace, POOL_TOKEN_SECRET, POOL_TOKEN_KEY);
    if (!stored) throw new Error(`Secret ${namespace}/${POOL_TOKEN_SECRET} has no ${POOL_TOKEN_KEY}`);
    return stored;
  }

  /** One key of a Secret, decoded; undefined when the Secret or the key is missing. */
  async secretValue(namespace: string, name: string, key: string): Promise<string | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name });
      const value = secret.data?.[key];
      return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /**
   * A merge patch of a pod's metadata. Not guarded by a resourceVersion: the kubelet's
   * status writes change it, and the pod itself refuses a second function, so whoever
   * specialized it is the one relabelling it.
   */
  async patchPodMetadata(pod: V1Pod, metadata: Record<string, unknown>): Promise<V1Pod> {
    return await this.core.patchNamespacedPod(
      {
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        body: { metadata },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Deletes a pod gracefully (its own grace period: it drains as a function pod does); gone is fine. */
  async deletePod(namespace: string, name: string): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace, name }).catch((error: unknown) => {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    });
  }
}
