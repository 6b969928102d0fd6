import type { KubeConfig, KubernetesObject, V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { DEFAULT_FUNCTION_LIMITS } from '../../../api/v1alpha1/function-limits.ts';
import { RUNTIME_ENV } from '../../../runtime-image/src/runtime-env.ts';
import type { Cluster } from '../kube/cluster.ts';
import { describeError } from '../kube/informers.ts';
import { createdAt, isServing, revisionOf } from '../kube/pod-facts.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { EVENT_REASON, POOL_WARNING_REASON } from '../reconcile/condition-reasons.ts';
import { POOL_LABEL, POOL_STATE } from '../resources/names.ts';
import { controllerReference } from '../resources/owner.ts';
import { BUNDLE_FILE, FUNCTION_FILE } from '../resources/revision.ts';
import { functionPodEnv } from '../resources/runtime-pod.ts';
import type { OperatorSettings, PoolSettings } from '../settings.ts';
import { NamespacePools } from './namespace-pools.ts';
import { PoolCluster } from './pool-cluster.ts';
import { MissingSetting, specializeSettings } from './pool-settings.ts';
import { PoolWatch } from './pool-watch.ts';
import { isSpecialized } from './specialized-pod.ts';
import { specializePod } from './specializer.ts';

/** How many of a namespace's Functions own its pool. */
const POOL_OWNERS = 3;

/** A Function's revision as the reconcile just applied it, and its pods as the cache has them. */
export interface RevisionAtHand {
  fn: FunctionResource;
  app: AppResource;
  revision: string;
  /** The revision's ConfigMap as applied: the definition and bundle its pods mount. */
  configMap: V1ConfigMap;
  /** The Function's pods, of any revision (specialized pool pods among them). */
  pods: readonly V1Pod[];
  /** Every replica of the revision's Deployment is available (readiness.ts: Available). */
  rolledOut: boolean;
}

/**
 * The warm pool of each namespace with serving Functions: a new revision's first
 * response comes from a pool pod handed the revision (specializer.ts) instead of a pod
 * started for it, and that pod is retired once the revision's own pods are available.
 * Every step is an optimisation: one that fails leaves the Function to its Deployment,
 * as without a pool. One try per revision: a revision whose pod failed to specialize
 * (code that does not load) would fail on every pool pod.
 */
export class WarmPool {
  private readonly watch: PoolWatch;
  private readonly pools: PoolCluster;
  private readonly objects: NamespacePools;
  /** Function key → the revision last handed (or tried) to a pool pod. */
  private readonly tried = new Map<string, string>();
  /** Namespace → Functions that found no Ready pool pod, reconciled again when one is. */
  private readonly waiting = new Map<string, Set<string>>();
  /** Pool pods being specialized now (by uid): not handed twice. */
  private readonly taking = new Set<string>();

  private readonly log: Logger;
  private readonly metrics: OperatorMetrics | undefined;
  private readonly enqueue: (functionKey: string) => void;

  constructor(options: {
    kc: KubeConfig;
    cluster: Cluster;
    pool: PoolSettings;
    settings: OperatorSettings;
    log: Logger;
    metrics: OperatorMetrics | undefined;
    enqueue: (functionKey: string) => void;
    /** The pool's Deployment of `namespace` went: a Function there is reconciled, which makes it again. */
    poolGone: (namespace: string) => void;
  }) {
    const { kc, cluster, pool, settings, log } = options;
    this.log = log;
    this.metrics = options.metrics;
    this.enqueue = options.enqueue;
    this.pools = new PoolCluster(kc, cluster);
    this.objects = new NamespacePools(this.pools, pool, settings);
    this.watch = new PoolWatch(kc, log, {
      warmPodReady: (namespace) => {
        const keys = this.waiting.get(namespace);
        this.waiting.delete(namespace);
        for (const key of keys ?? []) this.enqueue(key);
      },
      poolGone: (namespace) => {
        this.objects.forget(namespace);
        options.poolGone(namespace);
      },
    });
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  /** Everything applied is applied again on the next reconcile (the controller's resync). */
  clear(): void {
    this.objects.clear();
  }

  forget(functionKey: string): void {
    this.tried.delete(functionKey);
  }

  /**
   * The namespace's pool, owned by its oldest serving Functions (`functions`: the
   * namespace's, as stored). A few owners, not all: each Function added would otherwise
   * apply the Deployment again with one more reference, O(n²) bytes for n Functions.
   * When the last owner goes, so does the pool, and the watch has it made again.
   */
  async ensurePool(namespace: string, functions: readonly KubernetesObject[]): Promise<void> {
    const owners = functions
      .filter(
        (stored) => (stored as { spec?: { trigger?: { type?: string } } }).spec?.trigger?.type !== 'cron',
      )
      .filter((stored) => stored.metadata?.uid && !stored.metadata.deletionTimestamp)
      .sort((a, b) => createdAt(a) - createdAt(b))
      .slice(0, POOL_OWNERS)
      .map((stored) =>
        controllerReference({ kind: 'Function', metadata: stored.metadata as { name: string; uid: string } }),
      );
    await this.objects.ensure(namespace, owners).catch((error: unknown) => {
      this.log.warn({ namespace, error: describeError(error) }, 'could not make the warm pool');
    });
  }

  /**
   * Retires the Function's specialized pods the revision no longer needs, and hands a
   * pool pod the revision when none of its pods serves it yet. Returns the pod just
   * specialized (the cache learns of it a moment later), for the status.
   */
  async serve(at: RevisionAtHand): Promise<V1Pod | undefined> {
    const { fn, revision, pods } = at;
    const namespace = fn.metadata.namespace!;
    for (const pod of pods) {
      if (pod.metadata?.labels?.[POOL_LABEL] !== POOL_STATE.specialized || pod.metadata.deletionTimestamp)
        continue;
      if (at.rolledOut || revisionOf(pod) !== revision || !isSpecialized(pod)) void this.retire(pod);
    }
    if (at.rolledOut) return undefined;
    // A pool pod has the default limits' memory: a bigger heap cap needs the Function's own pod.
    if (fn.spec.limits.memoryMb > DEFAULT_FUNCTION_LIMITS.memoryMb) return undefined;
    const key = `${namespace}/${fn.metadata.name}`;
    if (this.tried.get(key) === revision) return undefined;
    if (pods.some((pod) => revisionOf(pod) === revision && isServing(pod))) return undefined;
    const token = this.objects.token(namespace);
    const pod = this.watch.readyPods(namespace).find((p) => !this.taking.has(p.metadata!.uid!));
    if (!token || !pod) {
      this.waitFor(namespace, key);
      return undefined;
    }
    this.tried.set(key, revision);
    let env: Record<string, string>;
    try {
      env = await specializeSettings(functionPodEnv(fn, at.app), (name, secretKey) =>
        this.pools.secretValue(namespace, name, secretKey),
      );
    } catch (error) {
      if (!(error instanceof MissingSetting)) throw error;
      this.log.info({ function: key, reason: error.message }, 'not handed to the warm pool');
      return undefined;
    }
    this.taking.add(pod.metadata!.uid!);
    try {
      return await this.specialize(at, pod, token, env);
    } finally {
      this.taking.delete(pod.metadata!.uid!);
    }
  }

  private async specialize(
    at: RevisionAtHand,
    pod: V1Pod,
    token: string,
    env: Record<string, string>,
  ): Promise<V1Pod | undefined> {
    const { fn, revision } = at;
    const on = { namespace: fn.metadata.namespace!, name: fn.metadata.name, uid: fn.metadata.uid };
    const podName = pod.metadata!.name!;
    const data = at.configMap.data ?? {};
    try {
      const specialized = await specializePod(
        this.pools,
        pod,
        token,
        {
          function: JSON.parse(data[FUNCTION_FILE]!),
          bundle: data[BUNDLE_FILE]!,
          // As the Deployment's pods have it: the revision the ingress probe is answered with.
          env: { ...env, [RUNTIME_ENV.revision]: revision },
        },
        { name: fn.metadata.name, revision, owner: controllerReference(fn) },
      );
      this.metrics?.poolSpecializations.inc({ outcome: 'specialized' });
      this.log.info(
        { function: `${on.namespace}/${on.name}`, pod: podName, revision },
        'specialized a pool pod',
      );
      this.record(on, 'Normal', EVENT_REASON.specialized, `Pool pod ${podName} serves revision ${revision}`);
      return specialized;
    } catch (error) {
      this.metrics?.poolSpecializations.inc({ outcome: 'failed' });
      const message = `Pool pod ${podName} could not take revision ${revision} (deleted; the Deployment's pods serve it): ${describeError(error)}`;
      this.log.warn({ function: `${on.namespace}/${on.name}`, pod: podName }, message);
      this.record(on, 'Warning', POOL_WARNING_REASON.specializeFailed, message);
      await this.pools.deletePod(on.namespace, podName).catch((deleteError: unknown) => {
        this.log.warn(
          { pod: podName, error: describeError(deleteError) },
          'could not delete a failed pool pod',
        );
      });
      return undefined;
    }
  }

  /** Deletes a specialized pod: gracefully, so it drains as a function pod does. */
  private async retire(pod: V1Pod): Promise<void> {
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    await this.pools.deletePod(namespace, name).catch((error: unknown) => {
      this.log.warn(
        { pod: `${namespace}/${name}`, error: describeError(error) },
        'could not retire a pool pod',
      );
    });
  }

  private waitFor(namespace: string, key: string): void {
    const keys = this.waiting.get(namespace) ?? new Set<string>();
    keys.add(key);
    this.waiting.set(namespace, keys);
  }

  /** Best effort, as client-go's recorder: a lost Event is not worth a retry. */
  private record(
    on: { namespace: string; name: string; uid?: string },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    void this.pools.cluster.event(on, type, reason, message).catch((error: unknown) => {
      this.log.warn({ reason, error: describeError(error) }, 'could not record an Event');
    });
  }
}
