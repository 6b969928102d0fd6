import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Cached, restartingInformer } from '../kube/informers.ts';
import { createdAt, isServing } from '../kube/pod-facts.ts';
import { POOL_LABEL, POOL_STATE } from '../resources/names.ts';
import { POOL_DEPLOYMENT_SELECTOR } from '../resources/pool-objects.ts';

/** What the pool's informers tell the warm pool (warm-pool.ts). */
export interface PoolEvents {
  /** A warm pod of `namespace` became Ready: a Function waiting for one may take it. */
  warmPodReady(namespace: string): void;
  /** The pool's Deployment of `namespace` went (deleted by hand): it is made again. */
  poolGone(namespace: string): void;
}

/**
 * Watches the warm pods (label butterbase.ai/pool=warm, full objects: a few per
 * namespace, and their spec names the specialize port) and the pools' Deployments.
 */
export class PoolWatch {
  private readonly pods: Cached<V1Pod>;
  private readonly deployments: Cached<V1Deployment>;
  private readonly synced: Promise<void>[] = [];
  private stopped = false;

  constructor(kc: KubeConfig, log: Logger, events: PoolEvents) {
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const podSelector = `${POOL_LABEL}=${POOL_STATE.warm}`;
    const pods = restartingInformer<V1Pod>({
      kc,
      path: '/api/v1/pods',
      list: () =>
        core.listPodForAllNamespaces({ labelSelector: podSelector }) as Promise<KubernetesListObject<V1Pod>>,
      labelSelector: podSelector,
      what: 'pool pods',
      log,
      stopped: () => this.stopped,
    });
    const deployments = restartingInformer<V1Deployment>({
      kc,
      path: '/apis/apps/v1/deployments',
      list: () =>
        apps.listDeploymentForAllNamespaces({ labelSelector: POOL_DEPLOYMENT_SELECTOR }) as Promise<
          KubernetesListObject<V1Deployment>
        >,
      labelSelector: POOL_DEPLOYMENT_SELECTOR,
      what: 'pool deployments',
      log,
      stopped: () => this.stopped,
    });
    this.pods = pods.informer;
    this.deployments = deployments.informer;
    this.synced.push(pods.synced, deployments.synced);
    const readyNow = (pod: V1Pod) => {
      if (isReadyWarm(pod)) events.warmPodReady(pod.metadata!.namespace!);
    };
    this.pods.on('add', readyNow);
    this.pods.on('update', readyNow);
    this.deployments.on('delete', (deployment) => events.poolGone(deployment.metadata!.namespace!));
  }

  async start(): Promise<void> {
    await Promise.all([this.pods.start(), this.deployments.start()]);
    await Promise.all(this.synced);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.pods.stop(), this.deployments.stop()]);
  }

  /** The Ready warm pods of a namespace, oldest first (longest warm). */
  readyPods(namespace: string): V1Pod[] {
    return this.pods
      .list(namespace)
      .filter(isReadyWarm)
      .sort((a, b) => createdAt(a) - createdAt(b));
  }

  /** Whether the namespace's pool Deployment is known to exist. */
  hasPool(namespace: string, name: string): boolean {
    return this.deployments.get(name, namespace) !== undefined;
  }
}

function isReadyWarm(pod: V1Pod): boolean {
  return (
    pod.metadata?.labels?.[POOL_LABEL] === POOL_STATE.warm && Boolean(pod.status?.podIP) && isServing(pod)
  );
}
