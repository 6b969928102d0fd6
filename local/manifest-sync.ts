import type pg from 'pg';
import { functionUrl } from '../api/v1alpha1/urls.ts';
import { createLogPool } from '../runtime-image/src/db/pool.ts';
import type { AppRuntimeConfig, FunctionDefinition, FunctionHost } from '../runtime-image/src/host/host.ts';
import { appDatabaseName } from './app-database.ts';
import type { CronScheduler } from './cron/cron-scheduler.ts';
import { formatCliError } from './format-error.ts';
import { prepareLocalAppWithSecrets } from './local-app.ts';
import {
  formatProblem,
  type LoadedApp,
  type LoadedFunction,
  type ManifestProblem,
  type ManifestSet,
} from './manifests/load-manifests.ts';
import type { LocalAppSecrets } from './secrets.ts';
import { traceStart } from './start-trace.ts';
import { withLocalWebhookSecret } from './webhook-secret.ts';

export interface SyncTarget {
  host: FunctionHost;
  url: string;
  addApp(config: AppRuntimeConfig, logPool: pg.Pool): void;
}

export interface ManifestSyncOptions {
  target: SyncTarget;
  scheduler: CronScheduler;
  postgresUrl: string;
  dataDir: string;
  /** One line for the person at the terminal per change. */
  print: (line: string) => void;
  /** An App is ready to serve: at the start, or added to the manifests while running. */
  onAppAdded: (appId: string, secrets: LocalAppSecrets, whileRunning: boolean, databaseUrl: string) => void;
  /** After each sync, every App's id with the names of its functions that serve. */
  onSynced: (apps: Record<string, string[]>) => Promise<void>;
  /**
   * Apps already being prepared (prepareLocalAppWithSecrets), by their spec as JSON: at
   * start, the platform prepares the databases while its HTTP server is built.
   */
  preparing?: Map<string, ReturnType<typeof prepareLocalAppWithSecrets>>;
}

interface FunctionState {
  /** The manifest file it was last loaded from (relative to the manifests directory). */
  file: string;
  /** The definition last deployed or tried, as JSON: unchanged ones are not deployed again. */
  definition: string;
  /** What its last deploy failed with, printed once until it changes. */
  error: string | null;
}

/**
 * Makes the host serve what the manifests say, and prints only what changed: new and
 * fixed problems, Apps added, functions deployed, updated, failed or removed. A function
 * whose manifest has become invalid (a YAML syntax error included) keeps its version
 * serving, as one whose code no longer compiles does; one whose manifest is gone, or no
 * longer defines it, is removed.
 */
export function createManifestSync(options: ManifestSyncOptions) {
  const { target, scheduler, print } = options;
  const host = target.host;
  let reported = new Map<string, ManifestProblem>();
  const appSpecs = new Map<string, string>();
  const appErrors = new Map<string, string>();
  const functions = new Map<string, FunctionState>();

  function serving(key: string) {
    const [appId, name] = key.split('/') as [string, string];
    return host.registry.get(appId, name);
  }

  function reportProblems(problems: ManifestProblem[], initial: boolean): void {
    const now = new Map(problems.map((problem) => [formatProblem(problem), problem]));
    for (const [line, problem] of now) {
      if (reported.has(line)) continue;
      const kept = [...functions]
        .filter(
          ([key, fn]) => (fn.file === problem.file || key.split('/')[1] === problem.name) && serving(key),
        )
        .map(([key]) => key);
      const outcome = initial
        ? ' (skipped)'
        : kept.length > 0
          ? ` — ${kept.join(', ')} keep${kept.length === 1 ? 's' : ''} serving the previous version`
          : '';
      print(`✗ ${line}${outcome}`);
    }
    const filesNow = new Set(problems.map((problem) => problem.file));
    for (const file of new Set([...reported.values()].map((problem) => problem.file))) {
      if (!filesNow.has(file)) print(`✓ ${file}: no problems now`);
    }
    reported = now;
  }

  async function syncApps(apps: LoadedApp[], initial: boolean): Promise<Set<string>> {
    const changed = new Set<string>();
    for (const loaded of apps) {
      const { appId } = loaded.resource.spec;
      const spec = JSON.stringify(loaded.resource.spec);
      const before = appSpecs.get(appId);
      if (before === spec) continue;
      try {
        const early = options.preparing?.get(spec);
        options.preparing?.delete(spec);
        const { secrets, config, databaseUrl } = await (early ??
          prepareLocalAppWithSecrets(options.dataDir, options.postgresUrl, loaded));
        if (before === undefined) {
          target.addApp(config, createLogPool(databaseUrl));
          if (!initial) print(`✓ app ${appId}: added, database ${appDatabaseName(appId)}`);
          options.onAppAdded(appId, secrets, !initial, databaseUrl);
        } else {
          host.setApp(config);
          print(`↻ app ${appId}: updated, its migrations run again`);
        }
        appSpecs.set(appId, spec);
        appErrors.delete(appId);
        changed.add(appId);
      } catch (error) {
        const detail = formatCliError(error, { causes: false });
        if (appErrors.get(appId) !== detail) print(`✗ app ${appId} (${loaded.file}): ${detail}`);
        appErrors.set(appId, detail);
      }
    }
    return changed;
  }

  async function syncFunctions(
    set: ManifestSet,
    appsChanged: Set<string>,
    onServing?: () => void,
  ): Promise<void> {
    const seen = new Set<string>();
    // All deploys start at once (compiles and sandbox threads overlap); results are
    // reported in manifest order.
    const started = [];
    /** Settles as each deploy routes its function or fails first. */
    const routed: Promise<unknown>[] = [];
    for (const loaded of set.functions) {
      const definition = await toDefinition(loaded, options.dataDir, print);
      const key = `${definition.appId}/${definition.name}`;
      const json = JSON.stringify(definition);
      seen.add(key);
      const known = functions.get(key);
      if (known) known.file = loaded.file;
      const unchanged =
        known?.definition === json && known.error === null && !appsChanged.has(definition.appId);
      if (unchanged && serving(key)) continue;
      const previous = serving(key);
      const { promise: routedNow, resolve: onRouted } = Promise.withResolvers<void>();
      // At start, a function takes requests while its sandbox boots (they wait for it).
      const deploying = host.deploy(definition, { serveWhileBooting: onServing !== undefined, onRouted });
      deploying.catch(() => {}); // Reported below, in order.
      routed.push(Promise.race([routedNow, deploying.catch(() => {})]));
      started.push({ loaded, key, json, definition, previous, deploying });
    }
    if (onServing)
      void Promise.all(routed)
        .then(synced)
        .then(onServing, () => {}); // A state that cannot be written fails the sync's own write below.
    for (const { loaded, key, json, definition, previous, deploying } of started) {
      const state = functions.get(key) ?? { file: loaded.file, definition: json, error: null };
      state.definition = json;
      functions.set(key, state);
      try {
        const deployment = await deploying;
        if (deployment !== previous)
          print(
            `${previous ? '↻ updated' : '✓ deployed'} ${key} (${deployment.revision}) ${describeEndpoint(target.url, definition)}`,
          );
        else if (state.error !== null) print(`✓ ${key}: fixed, ${deployment.revision} serves`);
        state.error = null;
        const trigger = definition.trigger;
        if (trigger.type === 'cron')
          scheduler.schedule({
            key,
            schedule: trigger.config.schedule,
            ...(trigger.config.timeZone ? { timeZone: trigger.config.timeZone } : {}),
          });
        else scheduler.unschedule(key);
      } catch (error) {
        const detail = formatCliError(error, { causes: false });
        if (state.error !== detail)
          print(
            `✗ ${key} (${loaded.file}): ${detail}${serving(key) ? ' — the previous version keeps serving' : ''}`,
          );
        state.error = detail;
      }
    }
    const brokenFiles = new Set(set.problems.map((problem) => problem.file));
    const brokenNames = new Set(set.problems.flatMap((problem) => (problem.name ? [problem.name] : [])));
    for (const [key, state] of functions) {
      if (seen.has(key)) continue;
      const [appId, name] = key.split('/') as [string, string];
      // Its manifest does not load now: the version that serves stays, as for a compile error.
      if (serving(key) && (brokenFiles.has(state.file) || brokenNames.has(name))) continue;
      functions.delete(key);
      if (!(await host.undeploy(appId, name))) continue;
      scheduler.unschedule(key);
      print(`– removed ${key}`);
    }
  }

  /**
   * Tells onSynced what serves now, one call at a time: at start it is also told once
   * every function is routed, which may still be writing when the sync ends.
   */
  let lastSynced: Promise<void> = Promise.resolve();
  function synced(): Promise<void> {
    lastSynced = lastSynced.catch(() => {}).then(() => options.onSynced(listing()));
    return lastSynced;
  }

  function listing(): Record<string, string[]> {
    const apps: Record<string, string[]> = {};
    for (const appId of appSpecs.keys()) apps[appId] = [];
    for (const deployment of host.registry.list()) {
      apps[deployment.appId] = [...(apps[deployment.appId] ?? []), deployment.name];
    }
    for (const names of Object.values(apps)) names.sort();
    return apps;
  }

  return {
    /**
     * Applies one load of the manifests; `initial` for the first, at start. Rejects only
     * when the platform's state cannot be written. With `onServing` (at start), functions
     * are routed before their sandboxes boot, and it is called once every App is ready and
     * every function routed (or failed): the platform serves from then on, while the boots
     * finish and are reported.
     */
    async sync(set: ManifestSet, initial = false, onServing?: () => void): Promise<void> {
      reportProblems(set.problems, initial);
      const appsChanged = await syncApps(set.apps, initial);
      if (initial) traceStart('apps ready');
      await syncFunctions(set, appsChanged, onServing);
      await synced();
    },
  };
}

async function toDefinition(
  loaded: LoadedFunction,
  dataDir: string,
  print: (line: string) => void,
): Promise<FunctionDefinition> {
  const { metadata, spec } = loaded.resource;
  const definition: FunctionDefinition = {
    appId: spec.appId,
    name: metadata.name,
    code: spec.code,
    trigger: spec.trigger,
    envVars: spec.envVars,
    limits: spec.limits,
  };
  // A webhook's signing secret resolves from the data directory's store (secret-store.ts).
  return spec.trigger.type === 'webhook'
    ? withLocalWebhookSecret(definition, spec.trigger, dataDir, print)
    : definition;
}

function describeEndpoint(baseUrl: string, definition: FunctionDefinition): string {
  const trigger = definition.trigger;
  if (trigger.type === 'cron') return `cron "${trigger.config.schedule}"`;
  const url = functionUrl(baseUrl, definition.appId, definition.name);
  if (trigger.type === 'websocket') return `websocket ${url.replace(/^http/, 'ws')}`;
  if (trigger.type === 'webhook')
    return `${trigger.config.provider} webhook POST ${url}${trigger.config.path ? ` and ${baseUrl}/v1/${definition.appId}${trigger.config.path}` : ''}`;
  if (trigger.type === 'http')
    return `${trigger.config.method} ${url}${trigger.config.path ? ` and ${baseUrl}/v1/${definition.appId}${trigger.config.path}` : ''} (auth ${trigger.config.auth})`;
  return '';
}
