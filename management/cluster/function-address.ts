import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { FunctionResource } from '../../api/v1alpha1/function.types.ts';
import { SERVICE_PORT_NAME, workloadName } from '../../operator/src/resources/names.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import type { ClusterCache } from './cluster-cache.ts';

// Watch events land in memory: looking again is free.
const EVENT_POLL_MS = 20;

/**
 * Where the API reaches a Function's pods in a cluster, by address (no cluster DNS
 * needed), and when a deploy's rollout is done in the API's own view.
 */
export class FunctionAddresses {
  private readonly cache: ClusterCache;
  private readonly apps: AppsV1Api;
  /** A test without a cluster network points at a pod it runs. */
  private readonly override: ((namespace: string, name: string) => string) | undefined;

  constructor(kc: KubeConfig, cache: ClusterCache, override?: (namespace: string, name: string) => string) {
    this.cache = cache;
    this.apps = kc.makeApiClient(AppsV1Api);
    this.override = override;
  }

  /**
   * One of the function's ready pods (cluster-cache.ts says why not the ClusterIP
   * first), else its Service's ClusterIP.
   */
  baseUrl(namespace: string, name: string): string {
    if (this.override) return this.override(namespace, name);
    const service = workloadName(name);
    const ready = this.cache.readyEndpoints(namespace, service, SERVICE_PORT_NAME);
    if (ready && ready.length > 0) return `http://${ready[Math.floor(Math.random() * ready.length)]}`;
    const address = this.cache.serviceAddress(namespace, service);
    if (!address)
      throw new BbfnError('FUNCTION_UNAVAILABLE', `Function "${name}" has no Service yet (not deployed?)`);
    return `http://${address.includes(':') ? `[${address}]` : address}`;
  }

  /**
   * After the operator reports a deploy done: waits (until `deadline`) for the API's own
   * view, whose EndpointSlice watch lags the operator's, to have a ready pod and no more
   * ready pods than the Deployment has, so none of an older revision. Updates of one
   * slice arrive in order, and a new pod is ready before an old one is let go, so a view
   * that no longer counts the old pod has the new one.
   */
  async awaitRollout(fn: FunctionResource, deadline: number): Promise<void> {
    if (this.override || fn.spec.trigger.type === 'cron') return;
    const namespace = fn.metadata.namespace ?? 'default';
    const service = workloadName(fn.metadata.name);
    const replicas = await this.replicas(namespace, service);
    const done = () => {
      const ready = this.cache.readyEndpoints(namespace, service, SERVICE_PORT_NAME);
      return ready === null || (ready.length > 0 && (replicas === null || ready.length <= replicas));
    };
    while (!done() && Date.now() < deadline) await sleep(EVENT_POLL_MS);
  }

  /** The Deployment's pods that are not terminating (status.replicas). */
  private async replicas(namespace: string, name: string): Promise<number | null> {
    try {
      return (await this.apps.readNamespacedDeployment({ namespace, name })).status?.replicas ?? null;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return null;
      throw error;
    }
  }
}
