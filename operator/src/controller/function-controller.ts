import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1CronJob,
  type V1Deployment,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type AppResource, appSchema } from '../../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../../api/v1alpha1/function.types.ts';
import { API_GROUP, API_VERSION } from '../../../api/v1alpha1/group.ts';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import type { Cluster } from '../kube/cluster.ts';
import { describeError, restartingInformer } from '../kube/informers.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { RETRIED_REASON, SPEC_REASON } from '../reconcile/condition-reasons.ts';
import { functionState, statusBase } from '../reconcile/function-state.ts';
import { cronJobOutcome, deploymentOutcome, type Outcome } from '../reconcile/readiness.ts';
import { RetriedFailure } from '../reconcile/retried-failure.ts';
import { staleRevisions } from '../reconcile/stale-revisions.ts';
import type { OperatorSettings } from '../settings.ts';
import { AppliedObjects } from './applied-objects.ts';
import { CompileCache } from './compile-cache.ts';
import { type OwnedKind, OwnedWatches } from './owned-watches.ts';
import { StatusReporter } from './status-reporter.ts';
import { WorkQueue } from './work-queue.ts';

type Stored = KubernetesObject & { spec?: unknown; status?: FunctionStatus };

export interface FunctionControllerOptions {
  metrics?: OperatorMetrics;
  /** Every Function is reconciled (and its children applied again) this often, whatever happened. */
  resyncSeconds?: number;
}

const DEFAULT_RESYNC_SECONDS = 600;

/**
 * Watches Functions, Apps and what is made for Functions, and makes each Function's
 * objects and status follow its spec (reconcile/function-state.ts decides what to
 * apply, reconcile/readiness.ts how far its revision got; kube/cluster.ts writes). A
 * change to an App reconciles the Functions of its namespace; a change to a child
 * reconciles its Function.
 */
export class FunctionController {
  private readonly functions;
  private readonly apps;
  private readonly owned: OwnedWatches;
  private readonly queue: WorkQueue;
  private readonly compiled = new CompileCache();
  private readonly applied = new AppliedObjects();
  private readonly status: StatusReporter;
  private stopped = false;
  private resync: NodeJS.Timeout | undefined;
  private readonly synced: Promise<void>[] = [];

  private readonly cluster: Cluster;
  private readonly settings: OperatorSettings;
  private readonly log: Logger;
  private readonly options: FunctionControllerOptions;

  constructor(
    kc: KubeConfig,
    cluster: Cluster,
    settings: OperatorSettings,
    log: Logger,
    options: FunctionControllerOptions = {},
  ) {
    this.cluster = cluster;
    this.settings = settings;
    this.log = log;
    this.options = options;
    this.status = new StatusReporter(cluster, log);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const watch = (plural: string) => {
      const { informer, synced } = restartingInformer<Stored>({
        kc,
        path: `/apis/${API_GROUP}/${API_VERSION}/${plural}`,
        list: async () =>
          (await custom.listClusterCustomObject({
            group: API_GROUP,
            version: API_VERSION,
            plural,
          })) as KubernetesListObject<Stored>,
        what: plural,
        log,
        stopped: () => this.stopped,
      });
      this.synced.push(synced);
      return informer;
    };
    this.functions = watch('functions');
    this.apps = watch('apps');
    this.queue = new WorkQueue(
      (key) => this.measured(key),
      (key, error) => {
        this.options.metrics?.reconciles.inc({ result: 'error' });
        this.log.error({ err: error, function: key }, 'reconcile failed; retrying');
      },
    );
    options.metrics?.queueDepth.set(0);
    for (const verb of ['add', 'update'] as const) this.functions.on(verb, (fn) => this.enqueue(keyOf(fn)));
    this.functions.on('delete', (fn) => {
      this.applied.forget(keyOf(fn));
      this.status.forget(keyOf(fn));
    });
    const appChanged = (app: Stored) => {
      for (const fn of this.functions.list(app.metadata?.namespace)) this.enqueue(keyOf(fn));
    };
    for (const verb of ['add', 'update', 'delete'] as const) this.apps.on(verb, appChanged);
    this.owned = new OwnedWatches(kc, log, (key) => this.enqueue(key));
  }

  /**
   * Lists and watches; resolves once every kind is listed, and only then reconciles: a
   * Function judged before the Apps are known would be reported as having none, and
   * one judged before its pods are known as merely slow. A list that fails (an API
   * server still starting) is retried by the informer's restart.
   */
  async start(): Promise<void> {
    await Promise.all([this.apps.start(), this.functions.start(), this.owned.start()]);
    await Promise.all(this.synced);
    // The informers fill their caches just after their list resolves.
    await new Promise((resolve) => setImmediate(resolve));
    this.queue.resume();
    const seconds = this.options.resyncSeconds ?? DEFAULT_RESYNC_SECONDS;
    this.resync = setInterval(() => {
      // Level-based: whatever a missed event hid, the next pass puts right.
      this.applied.clear();
      this.status.clear();
      for (const fn of this.functions.list()) this.enqueue(keyOf(fn));
    }, seconds * 1000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.queue.stop();
    await Promise.all([this.functions.stop(), this.apps.stop(), this.owned.stop()]);
  }

  /** Resolves when every queued reconcile has run (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  private enqueue(key: string): void {
    this.queue.add(key);
    this.options.metrics?.queueDepth.set(this.queue.depth);
  }

  private async measured(key: string): Promise<void> {
    const metrics = this.options.metrics;
    metrics?.queueDepth.set(this.queue.depth);
    const end = metrics?.reconcileSeconds.startTimer();
    try {
      const phase = await this.reconcile(key);
      if (phase) metrics?.reconciles.inc({ result: RESULT[phase] });
    } finally {
      end?.();
    }
  }

  /** How far the Function got, for the metrics: nothing when it is gone. */
  private async reconcile(key: string): Promise<Outcome['phase'] | undefined> {
    const [namespace, name] = key.split('/') as [string, string];
    const stored = this.functions.get(name, namespace);
    if (!stored) return undefined; // Deleted: the garbage collector removes what it owned.
    const parsed = functionSchema.safeParse(stored);
    if (!parsed.success) {
      // What the CRD cannot check (a cron schedule's fields, a time zone) zod does.
      const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      await this.status.report(stored, {}, { phase: 'failed', reason: SPEC_REASON.invalidSpec, message });
      return 'failed';
    }
    const fn: FunctionResource = parsed.data;
    const apps = this.apps
      .list(namespace)
      .map((app) => appSchema.safeParse(app))
      .filter((result) => result.success)
      .map((result) => result.data as AppResource);
    let base = statusBase(fn, this.settings);
    let outcome: Outcome;
    try {
      const state = await functionState({
        fn,
        apps,
        compile: (f) => this.compiled.compile(f),
        settings: this.settings,
      });
      base = state.base;
      if (state.failure) outcome = state.failure;
      else {
        const live = await this.applyAll(key, state.objects);
        this.pruneRevisions(namespace, name, state.revision);
        outcome = this.outcomeOf(namespace, name, live);
      }
    } catch (error) {
      if (!(error instanceof RetriedFailure)) throw error;
      // Said in status and an Event, then retried with the work queue's backoff.
      await this.status.report(stored, base, {
        phase: 'failed',
        reason: error.reason,
        message: error.message,
      });
      throw error;
    }
    await this.status.report(stored, base, outcome);
    return outcome.phase;
  }

  /**
   * Applies what changed (AppliedObjects) and returns each child as it now stands: the
   * revision's ConfigMap first (the pods mount it), then the rest side by side. A
   * refusal by the API server (a full Service IP range, a quota, an admission webhook)
   * is a RetriedFailure carrying the API server's own message.
   */
  private async applyAll(key: string, objects: KubernetesObject[]): Promise<Map<string, KubernetesObject>> {
    const [namespace] = key.split('/') as [string];
    const live = new Map<string, KubernetesObject>();
    const applyOne = async (object: KubernetesObject) => {
      const kind = object.kind as OwnedKind;
      const cached = this.owned.get(kind, namespace, object.metadata!.name!);
      if (this.applied.isCurrent(key, object, cached)) {
        live.set(kind, cached!);
        return;
      }
      try {
        const result = await this.cluster.apply(object);
        this.applied.remember(key, object, result);
        live.set(kind, result);
      } catch (error) {
        if (!(error instanceof ApiException)) throw error;
        const message = `${kind} ${object.metadata?.name}: ${describeError(error)}`;
        throw new RetriedFailure(RETRIED_REASON.applyFailed, message, { cause: error });
      }
    };
    const [first, ...rest] = objects;
    if (first) await applyOne(first);
    // Every apply is waited for before a failure is reported, so none is left in flight.
    const results = await Promise.allSettled(rest.map(applyOne));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return live;
  }

  /** Reads how far the revision just applied got, from the children and the cached pods and Jobs. */
  private outcomeOf(namespace: string, name: string, live: Map<string, KubernetesObject>): Outcome {
    const pods = this.owned.ofFunction<V1Pod>('Pod', namespace, name);
    const deployment = live.get('Deployment') as V1Deployment | undefined;
    if (deployment) return deploymentOutcome(deployment, pods);
    const cronJob = live.get('CronJob') as V1CronJob;
    return cronJobOutcome(cronJob, this.owned.ofFunction<V1Job>('Job', namespace, name), pods);
  }

  /** Deletes old revisions' ConfigMaps in the background; a failure waits for the next reconcile. */
  private pruneRevisions(namespace: string, name: string, current: string): void {
    for (const stale of staleRevisions(this.owned.revisions(namespace, name), current))
      void this.cluster.deleteConfigMap(namespace, stale).catch((error: unknown) => {
        const fields = { function: `${namespace}/${name}`, error: describeError(error) };
        this.log.warn(fields, 'could not delete an old revision');
      });
  }
}

/** The metrics' names for how far a reconcile got. */
const RESULT = { ready: 'deployed', progressing: 'pending', failed: 'failed' } as const;

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}
