import { isDeepStrictEqual } from 'node:util';
import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type AppResource, appSchema } from '../../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../../api/v1alpha1/function.types.ts';
import { API_GROUP, API_VERSION } from '../../../api/v1alpha1/group.ts';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import { compileHandler, handlerFilename } from '../../../runtime-image/src/compile/compile.ts';
import type { Cluster } from '../kube/cluster.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { conflictNews, withClaims } from '../reconcile/claims.ts';
import { failedStatus, functionState } from '../reconcile/function-state.ts';
import { staleRevisions } from '../reconcile/stale-revisions.ts';
import type { OperatorSettings } from '../settings.ts';
import { AppConflictReporter } from './app-conflicts.ts';
import { claimsOf, siblingsToRequeue } from './claims-view.ts';
import { SpecChanges } from './spec-changes.ts';
import { WatchHealth } from './watch-health.ts';
import { WorkQueue } from './work-queue.ts';

type Stored = KubernetesObject & { spec?: unknown; status?: FunctionStatus };

/** Bundles by source and name: a reconcile that changes nothing compiles nothing. */
const COMPILED_KEPT = 256;

/**
 * Watches Functions and Apps and makes each Function's objects and status follow its
 * spec (reconcile/function-state.ts decides; kube/cluster.ts writes). A change to an
 * App reconciles the Functions of its namespace.
 */
export class FunctionController {
  private readonly functions;
  private readonly apps;
  private readonly queue: WorkQueue;
  private readonly compiled = new Map<string, Promise<string>>();
  private stopped = false;
  /** One per kind: resolves when its first list came back. */
  private readonly synced: Promise<void>[] = [];

  private readonly cluster: Cluster;
  private readonly settings: OperatorSettings;
  private readonly log: Logger;

  private readonly metrics: OperatorMetrics | undefined;
  // ctrl-plane: appId conflicts on the Apps' status, and whether the watches are up (/readyz).
  private readonly appConflicts: AppConflictReporter;
  readonly watches = new WatchHealth(['functions', 'apps']);

  constructor(
    kc: KubeConfig,
    cluster: Cluster,
    settings: OperatorSettings,
    log: Logger,
    metrics?: OperatorMetrics,
    options: { concurrency?: number } = {},
  ) {
    this.cluster = cluster;
    this.settings = settings;
    this.log = log;
    this.metrics = metrics;
    const custom = kc.makeApiClient(CustomObjectsApi);
    // Each kind counts as synced once its first list came back (a failed one is retried).
    const list = (plural: string) => {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.synced.push(promise);
      return async () => {
        const listed = (await custom.listClusterCustomObject({
          group: API_GROUP,
          version: API_VERSION,
          plural,
        })) as KubernetesListObject<Stored>;
        resolve();
        return listed;
      };
    };
    this.functions = makeInformer<Stored>(
      kc,
      `/apis/${API_GROUP}/${API_VERSION}/functions`,
      list('functions'),
    );
    this.apps = makeInformer<Stored>(kc, `/apis/${API_GROUP}/${API_VERSION}/apps`, list('apps'));
    this.queue = new WorkQueue(
      (key) => this.measured(key),
      (key, error) => {
        this.metrics?.reconciles.inc({ result: 'error' });
        this.log.error({ err: error, function: key }, 'reconcile failed; retrying');
      },
      { concurrency: options.concurrency },
    );
    metrics?.queueDepth.set(0);
    const enqueue = (fn: Stored) => {
      this.queue.add(keyOf(fn));
      this.metrics?.queueDepth.set(this.queue.depth);
    };
    // ctrl-plane: not for a change of status alone (spec-changes.ts); a Function's change
    // can start or end a route conflict of its siblings.
    const specChanges = new SpecChanges();
    const functionChanged = (fn: Stored, verb: 'add' | 'update' | 'delete') => {
      if (verb === 'delete') specChanges.forget(fn);
      else if (!specChanges.changed(fn)) return;
      else enqueue(fn);
      for (const sibling of siblingsToRequeue(fn, this.functions.list(fn.metadata?.namespace)))
        enqueue(sibling);
    };
    for (const verb of ['add', 'update', 'delete'] as const)
      this.functions.on(verb, (fn: Stored) => functionChanged(fn, verb));
    this.appConflicts = new AppConflictReporter(kc, () => this.apps.list(), log);
    const appChanged = (app: Stored) => {
      // ctrl-plane: an App's change can start or end an appId conflict with other namespaces.
      this.appConflicts.changed();
      const appId = (app.spec as { appId?: unknown } | undefined)?.appId;
      const namespaces = new Set([app.metadata?.namespace]);
      for (const other of this.apps.list())
        if ((other.spec as { appId?: unknown } | undefined)?.appId === appId)
          namespaces.add(other.metadata?.namespace);
      for (const namespace of namespaces) for (const fn of this.functions.list(namespace)) enqueue(fn);
    };
    for (const verb of ['add', 'update', 'delete'] as const) this.apps.on(verb, appChanged);
    for (const [what, informer] of [
      ['functions', this.functions],
      ['apps', this.apps],
    ] as const) {
      informer.on('connect', () => this.watches.connected(what));
      informer.on('error', (error: unknown) => {
        if (this.stopped) return;
        this.watches.failed(what);
        this.log.warn({ watching: what, error: describeError(error) }, 'watch failed; restarting in 5 s');
        setTimeout(() => {
          if (!this.stopped) void informer.start().catch(() => {});
        }, 5_000).unref();
      });
    }
  }

  /**
   * Lists and watches; resolves once both kinds are listed, and only then reconciles:
   * a Function judged before the Apps are known would be reported as having none. A
   * list that fails (an API server still starting) is retried by the error handler.
   */
  async start(): Promise<void> {
    await Promise.all([this.apps.start(), this.functions.start()]);
    await Promise.all(this.synced);
    // The informers fill their caches just after their list resolves.
    await new Promise((resolve) => setImmediate(resolve));
    this.queue.resume();
    this.appConflicts.resume();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.stop();
    this.appConflicts.stop();
    await Promise.all([this.functions.stop(), this.apps.stop()]);
  }

  /** Resolves when every queued reconcile has run (tests, shutdown). */
  settled(): Promise<void> {
    return Promise.all([this.queue.settled(), this.appConflicts.settled()]).then(() => {});
  }

  private async measured(key: string): Promise<void> {
    this.metrics?.queueDepth.set(this.queue.depth);
    const end = this.metrics?.reconcileSeconds.startTimer();
    const result = await this.reconcile(key);
    end?.();
    if (result) this.metrics?.reconciles.inc({ result });
  }

  /** What came of it, for the metrics: nothing when the Function is gone. */
  private async reconcile(key: string): Promise<'deployed' | 'failed' | undefined> {
    const [namespace, name] = key.split('/') as [string, string];
    const stored = this.functions.get(name, namespace);
    if (!stored) return undefined; // Deleted: the garbage collector removes what it owned.
    const parsed = functionSchema.safeParse(stored);
    const previous = stored.status;
    if (!parsed.success) {
      // What the CRD cannot check (a cron schedule's fields, a time zone) zod does.
      const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      const generation = stored.metadata?.generation;
      const status = failedStatus(
        { ...previous, observedGeneration: generation },
        previous?.conditions,
        { reason: 'InvalidSpec', message, generation },
        new Date(),
      );
      await this.report(stored, status, { reason: 'InvalidSpec', message });
      return 'failed';
    }
    const fn: FunctionResource = parsed.data;
    const apps = this.apps
      .list(namespace)
      .map((app) => appSchema.safeParse(app))
      .filter((result) => result.success)
      .map((result) => result.data as AppResource);
    const now = new Date();
    const decided = await functionState({
      fn: { ...fn, status: previous } as FunctionResource,
      apps,
      compile: (f) => this.compile(f),
      settings: this.settings,
      now,
    });
    // ctrl-plane: conflicts settled (reconcile/claims.ts); an HPA dropped with spec.scaling.
    const claims = claimsOf(stored, this.functions.list(namespace), this.apps.list());
    const state = withClaims(decided, claims, fn, now);
    for (const object of state.objects) await this.cluster.apply(object);
    // ctrl-plane: only a spec that changed since a reconcile wrote its status can have
    // dropped spec.scaling or made a revision stale: a LIST and a DELETE spared for every
    // new Function and every reconcile of an unchanged one.
    const specChanged =
      previous?.observedGeneration !== undefined && previous.observedGeneration !== fn.metadata.generation;
    if (specChanged && state.objects.length > 0 && !fn.spec.scaling)
      await this.cluster.deleteAutoscaler(namespace, name);
    if (specChanged && state.revision) await this.pruneRevisions(namespace, name, state.revision);
    await this.report(stored, state.status, state.warning);
    const conflict = conflictNews(previous?.conditions, state.status.conditions);
    if (conflict) {
      this.log.warn({ function: key, reason: conflict.reason }, conflict.message);
      await this.cluster.warn(
        { namespace, name, uid: stored.metadata?.uid },
        conflict.reason,
        conflict.message,
      );
    }
    return state.status.status === 'deployed' ? 'deployed' : 'failed';
  }

  private async pruneRevisions(namespace: string, name: string, current: string): Promise<void> {
    const stale = staleRevisions(await this.cluster.revisionConfigMaps(namespace, name), current);
    for (const configMap of stale) await this.cluster.deleteConfigMap(namespace, configMap);
  }

  /** Writes the status when it changed, with a Warning Event when the failure is news. */
  private async report(
    stored: Stored,
    status: FunctionStatus,
    warning: { reason: string; message: string } | undefined,
  ): Promise<void> {
    const { name, namespace, uid } = stored.metadata as { name: string; namespace: string; uid?: string };
    if (isDeepStrictEqual(stored.status, status)) return;
    await this.cluster.setFunctionStatus(namespace, name, status);
    const before = stored.status?.conditions?.find((c) => c.type === 'Deployed');
    if (warning && (before?.reason !== warning.reason || before?.message !== warning.message)) {
      this.log.warn({ function: `${namespace}/${name}`, reason: warning.reason }, warning.message);
      await this.cluster.warn({ namespace, name, uid }, warning.reason, warning.message);
    }
  }

  private compile(fn: FunctionResource): Promise<string> {
    const key = `${fn.metadata.name}\0${fn.spec.code}`;
    let bundle = this.compiled.get(key);
    if (!bundle) {
      bundle = compileHandler(fn.spec.code, { filename: handlerFilename(fn.metadata.name) }).then(
        (c) => c.code,
      );
      if (this.compiled.size >= COMPILED_KEPT) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(key, bundle);
      // A failed compile is kept too: the same source fails the same way.
    }
    return bundle;
  }
}

/** An API error as one line (the API server's message, not the client's whole response). */
function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    return `${error.code} ${(body as { message?: string } | undefined)?.message ?? ''}`.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}
