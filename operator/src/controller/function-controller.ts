import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type AppResource, appSchema } from '../../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../../api/v1alpha1/function.types.ts';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import { functionPath } from '../../../api/v1alpha1/urls.ts';
import type { Cluster } from '../kube/cluster.ts';
import { describeError } from '../kube/informers.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { WarmPool } from '../pool/warm-pool.ts';
import { type ConflictCondition, withClaims } from '../reconcile/claims.ts';
import { SPEC_REASON } from '../reconcile/condition-reasons.ts';
import { functionState, statusBase } from '../reconcile/function-state.ts';
import type { Outcome } from '../reconcile/readiness.ts';
import { RetriedFailure } from '../reconcile/retried-failure.ts';
import { staleRevisions } from '../reconcile/stale-revisions.ts';
import type { OperatorSettings } from '../settings.ts';
import { AppConflictReporter } from './app-conflicts.ts';
import { AppliedObjects } from './applied-objects.ts';
import { applyChildren } from './apply-children.ts';
import { claimsOf, siblingsToRequeue } from './claims-view.ts';
import { CompileCache } from './compile-cache.ts';
import { customInformer } from './custom-informer.ts';
import { IngressProbes } from './ingress-probes.ts';
import { keyOf } from './object-key.ts';
import { OwnedWatches } from './owned-watches.ts';
import { servedFromPool } from './pool-serving.ts';
import { revisionOutcome } from './revision-outcome.ts';
import { SpecChanges } from './spec-changes.ts';
import { StatusReporter } from './status-reporter.ts';
import { WatchHealth } from './watch-health.ts';
import { WorkQueue } from './work-queue.ts';

type Stored = KubernetesObject & { spec?: unknown; status?: FunctionStatus };

export interface FunctionControllerOptions {
  metrics?: OperatorMetrics;
  /** Every Function is reconciled (and its children applied again) this often, whatever happened. */
  resyncSeconds?: number;
  /** Reconciles at once; one Function never twice at once. */
  concurrency?: number;
  /** A new revision the ingress does not route to for this long is reported (default 2 min). */
  ingressProbeReportAfterMs?: number;
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
  /** appId conflicts, written on the Apps' status (app-conflicts.ts). */
  private readonly appConflicts: AppConflictReporter;
  /** Each namespace's warm pool, when the settings ask for one (pool/warm-pool.ts). */
  private readonly pool: WarmPool | undefined;
  /** Set with settings.ingress.probeUrl: `deployed` waits for the ingress to route to the revision. */
  private readonly probes: IngressProbes | undefined;
  /** Whether the Function and App watches are up, for /readyz. */
  readonly watches = new WatchHealth(['functions', 'apps']);

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
    const watch = (plural: string) => {
      const stopped = () => this.stopped;
      const { informer, synced } = customInformer<Stored>({
        kc,
        plural,
        watches: this.watches,
        log,
        stopped,
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
      { concurrency: options.concurrency ?? 1 },
    );
    options.metrics?.queueDepth.set(0);
    // Not for a change of status alone (spec-changes.ts): the operator's own write coming
    // back. A Function's change can start or end a route conflict of its siblings.
    const specChanges = new SpecChanges();
    const functionChanged = (fn: Stored, verb: 'add' | 'update' | 'delete') => {
      if (verb === 'delete') {
        specChanges.forget(fn);
        this.applied.forget(keyOf(fn));
        this.pool?.forget(keyOf(fn));
        this.probes?.forget(keyOf(fn));
        this.status.forget(keyOf(fn));
      } else if (!specChanges.changed(fn)) return;
      else this.enqueue(keyOf(fn));
      for (const sibling of siblingsToRequeue(fn, this.functions.list(fn.metadata?.namespace)))
        this.enqueue(keyOf(sibling));
    };
    for (const verb of ['add', 'update', 'delete'] as const)
      this.functions.on(verb, (fn: Stored) => functionChanged(fn, verb));
    this.appConflicts = new AppConflictReporter(kc, () => this.apps.list(), log);
    const appChanged = (app: Stored) => {
      // An App's change can start or end an appId conflict with Apps of other namespaces.
      this.appConflicts.changed();
      const appId = (app.spec as { appId?: unknown } | undefined)?.appId;
      const namespaces = new Set([app.metadata?.namespace]);
      for (const other of this.apps.list())
        if ((other.spec as { appId?: unknown } | undefined)?.appId === appId)
          namespaces.add(other.metadata?.namespace);
      for (const namespace of namespaces)
        for (const fn of this.functions.list(namespace)) this.enqueue(keyOf(fn));
    };
    for (const verb of ['add', 'update', 'delete'] as const) this.apps.on(verb, appChanged);
    this.owned = new OwnedWatches(kc, log, (key) => this.enqueue(key));
    const probeUrl = settings.ingress.probeUrl;
    if (probeUrl)
      this.probes = new IngressProbes({
        probeUrl,
        enqueue: (key) => this.enqueue(key),
        ...(options.ingressProbeReportAfterMs !== undefined
          ? { reportAfterMs: options.ingressProbeReportAfterMs }
          : {}),
      });
    if (settings.pool)
      this.pool = new WarmPool({
        kc,
        cluster,
        pool: settings.pool,
        settings,
        log,
        metrics: options.metrics,
        enqueue: (key) => this.enqueue(key),
        poolGone: (namespace) => {
          const served = this.functions
            .list(namespace)
            .find((stored) => (stored.spec as { trigger?: { type?: string } })?.trigger?.type !== 'cron');
          if (served) this.enqueue(keyOf(served));
        },
      });
  }

  /**
   * Lists and watches; resolves once every kind is listed, and only then reconciles: a
   * Function judged before the Apps are known would be reported as having none, and
   * one judged before its pods are known as merely slow. A list that fails (an API
   * server still starting) is retried by the informer's restart.
   */
  async start(): Promise<void> {
    await Promise.all([this.apps.start(), this.functions.start(), this.owned.start(), this.pool?.start()]);
    await Promise.all(this.synced);
    // The informers fill their caches just after their list resolves.
    await new Promise((resolve) => setImmediate(resolve));
    this.queue.resume();
    this.appConflicts.resume();
    const seconds = this.options.resyncSeconds ?? DEFAULT_RESYNC_SECONDS;
    this.resync = setInterval(() => {
      // Level-based: whatever a missed event hid, the next pass puts right.
      this.applied.clear();
      this.status.clear();
      this.pool?.clear();
      for (const fn of this.functions.list()) this.enqueue(keyOf(fn));
    }, seconds * 1000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.queue.stop();
    this.probes?.stop();
    this.appConflicts.stop();
    await Promise.all([this.functions.stop(), this.apps.stop(), this.owned.stop(), this.pool?.stop()]);
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
    const claims = claimsOf(stored, this.functions.list(namespace), this.apps.list());
    let conflict: ConflictCondition | null = null;
    try {
      const state = await functionState({
        fn,
        apps,
        compile: (f) => this.compiled.compile(f),
        settings: this.settings,
      });
      base = state.base;
      // Conflicts settled (reconcile/claims.ts): the first claimant keeps what it claimed.
      const claimed = withClaims(state, claims, fn);
      conflict = claimed.conflict;
      const settled = claimed.state;
      if (settled.failure) outcome = settled.failure;
      else {
        const { cluster, owned, applied } = this;
        const live = await applyChildren({ cluster, owned, applied }, key, settled.objects);
        // Only a spec that changed since a reconcile wrote its status can have dropped
        // spec.scaling: a DELETE spared for every reconcile of an unchanged Function.
        const previous = stored.status?.observedGeneration;
        if (previous !== undefined && previous !== fn.metadata.generation && !fn.spec.scaling)
          await this.cluster.deleteAutoscaler(namespace, name);
        this.pruneRevisions(namespace, name, settled.revision);
        outcome = revisionOutcome(this.owned, namespace, name, live);
        if (this.pool && live.has('Deployment'))
          outcome = await servedFromPool(
            { pool: this.pool, owned: this.owned, log: this.log, functions: this.functions.list(namespace) },
            fn,
            apps,
            settled,
            live,
            outcome,
          );
        if (this.probes && live.has('Deployment'))
          outcome = await this.probes.confirm(key, settled.revision, this.probeTarget(fn), outcome);
      }
    } catch (error) {
      if (!(error instanceof RetriedFailure)) throw error;
      // Said in status and an Event, then retried with the work queue's backoff.
      await this.status.report(
        stored,
        base,
        { phase: 'failed', reason: error.reason, message: error.message },
        conflict,
      );
      throw error;
    }
    await this.status.report(stored, base, outcome, conflict);
    return outcome.phase;
  }

  /** Where a client reaches the Function through the ingress: its rules' host (else the public URL's) and path. */
  private probeTarget(fn: FunctionResource): { path: string; host: string } {
    const host = this.settings.ingress.host ?? new URL(this.settings.publicBaseUrl).host;
    return { path: functionPath(fn.spec.appId, fn.metadata.name), host };
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
