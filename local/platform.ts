import path from 'node:path';
import type { Logger } from 'pino';
import type { LocalApp, LocalPlatformView } from '../management/local/local-backend.ts';
import { localManagementRoutes } from '../management/local/mount.ts';
import { createLogPool } from '../runtime-image/src/db/pool.ts';
import { runScheduled } from '../runtime-image/src/host/run-once.ts';
import { startHostServer } from '../runtime-image/src/host-server.ts';
import { BootQueue } from '../runtime-image/src/threads/boot-queue.ts';
import { createCronScheduler } from './cron/cron-scheduler.ts';
import { formatCliError } from './format-error.ts';
import { prepareLocalAppWithSecrets } from './local-app.ts';
import { createManifestSync } from './manifest-sync.ts';
import { loadManifests } from './manifests/load-manifests.ts';
import { watchTree } from './manifests/watch-tree.ts';
import { type BegunPlatform, beginLocalPlatform } from './platform-begin.ts';
import { writePlatformState } from './platform-state.ts';
import { loadEmbeddedPostgres } from './postgres/embedded-postgres.ts';
import { ensureAppSecrets, type LocalAppSecrets } from './secrets.ts';
import { traceStart } from './start-trace.ts';

export interface LocalPlatformOptions {
  manifestsDir: string;
  dataDir: string;
  port: number;
  address: string;
  log: Logger;
  /** Print for a person (URLs, keys, errors); the log stays JSON. */
  print: (line: string) => void;
  watch: boolean;
  /** An App added to the manifests while the platform runs (the ones at start are in `secrets`). */
  onAppAdded?: (appId: string, secrets: LocalAppSecrets) => void;
  exit?: (code: number) => void;
  /** How long a deploy through the management API waits for the new revision to serve. */
  deployWaitMs?: number;
  /** Its first steps, already taken (`bbfn start` takes them before it loads this module). */
  begun?: BegunPlatform;
}

export { PLATFORM_STATE_FILE } from './platform-state.ts';

/**
 * Sandbox threads that boot at once: the two cores of the machines this runs on. All
 * seven examples' at once starved the main thread while it built the HTTP server and
 * prepared the Apps (README, "Benchmarks").
 */
const BOOTS_AT_ONCE = 2;

/**
 * The whole platform on one machine: an embedded Postgres (data kept in `dataDir`),
 * one database per App, every Function of the manifests directory served on one port,
 * cron triggers scheduled, and the directory watched so edits go live.
 */
export async function startLocalPlatform(options: LocalPlatformOptions) {
  traceStart('platform modules loaded');
  const begun = options.begun ?? (await beginLocalPlatform(options));
  // What a start that fails half-way undoes, last first: no Postgres is left behind.
  const undo: Array<() => Promise<void>> = [begun.abandon];
  try {
    return await startOnBegun(options, begun, undo);
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw error;
  }
}

async function startOnBegun(
  options: LocalPlatformOptions,
  begun: BegunPlatform,
  undo: Array<() => Promise<void>>,
) {
  const { log, print } = options;
  const initial = await loadManifests(options.manifestsDir);
  traceStart('manifests loaded');
  // The thread booted ahead (platform-begin.ts) is kept for the first function a request
  // waits for (bootQueue.keepPrewarmedForHurried); the functions' own threads boot in turns
  // once their Apps are ready, so that the main thread keeps a core meanwhile.
  const bootQueue = new BootQueue(BOOTS_AT_ONCE);
  bootQueue.keepPrewarmedForHurried = true;
  const sandboxesBooting = begun.workerBundle;
  // The Apps' secrets are made first, in one write of the store (concurrent writes would
  // race); their databases are prepared as soon as Postgres is up (the sync takes them),
  // while the HTTP server is built.
  await ensureAppSecrets(options.dataDir, [
    ...new Set(initial.apps.map((loaded) => loaded.resource.spec.appId)),
  ]);
  const preparingApps = begun.postgres.then((postgres) => {
    traceStart('Postgres up');
    return new Map(
      initial.apps.map((loaded) => {
        const prepared = prepareLocalAppWithSecrets(options.dataDir, postgres.url, loaded);
        prepared.catch(() => {}); // Reported by the sync, which awaits it.
        return [JSON.stringify(loaded.resource.spec), prepared] as const;
      }),
    );
  });
  preparingApps.catch(() => {}); // Awaited below, once the HTTP server is up.
  let stopWatching = () => {};
  /** What the management API serves: each App's keys and a pool on its database, as Apps are added. */
  const managedApps = new Map<string, LocalApp>();
  const scheduler = createCronScheduler({
    log,
    onRun: async (fn) => {
      const [appId, name] = fn.key.split('/') as [string, string];
      const deployment = server.host.registry.get(appId, name);
      if (!deployment) return;
      const result = await runScheduled(deployment, server.host.options.sink, server.url);
      print(`cron ${fn.key}: ${result.status}${result.errorCode ? ` ${result.errorCode}` : ''}`);
    },
  });
  // Its graceful shutdown listens for signals: not before embedded-postgres's hooks are dropped.
  await loadEmbeddedPostgres();
  const server = await startHostServer({
    settings: {
      port: options.port,
      address: options.address,
      workers: 1,
      poolMax: 5,
      bodyLimit: 6 * 1024 * 1024,
      trustProxy: false,
    },
    log,
    // Apps are added by the manifest sync below, at start and while running.
    apps: [],
    logPools: {},
    // Records and console lines survive Postgres being down and the process ending.
    spoolDir: path.join(options.dataDir, 'spool'),
    // It listens before the first deploys finish: until then, say so rather than 404.
    starting: true,
    bootQueue,
    registerRoutes: localManagementRoutes({
      manifestsDir: options.manifestsDir,
      apps: managedApps,
      log,
      ...(options.deployWaitMs !== undefined ? { deployWaitMs: options.deployWaitMs } : {}),
      platform: (): LocalPlatformView => ({
        host: server.host,
        url: server.url,
        writers: server.writers,
        reload,
      }),
    }),
    ...(options.exit ? { exit: options.exit } : {}),
    extraShutdownSteps: [
      {
        name: 'stop watching and scheduling',
        run: async () => {
          stopWatching();
          await scheduler.stop();
        },
      },
      {
        name: 'close the management API pools',
        run: async () => {
          await Promise.all([...managedApps.values()].map((app) => app.logPool.end()));
        },
      },
      { name: 'stop Postgres, release the data directory', run: () => begun.abandon() },
    ],
  }).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? new Error(
          `port ${options.port} on ${options.address} is in use; pick another with --port N (or PORT=N)`,
          { cause: error },
        )
      : error;
  });
  traceStart('HTTP server listening');
  undo.push(async () => {
    await server.app.close();
    await server.host.close();
  });
  const postgres = await begun.postgres;
  const preparing = await preparingApps;

  const secrets: Record<string, LocalAppSecrets> = {};
  const sync = createManifestSync({
    target: server,
    scheduler,
    postgresUrl: postgres.url,
    dataDir: options.dataDir,
    preparing,
    print,
    onAppAdded: (appId, appSecrets, whileRunning, databaseUrl) => {
      secrets[appId] = appSecrets;
      const { apiKey, jwtSecret } = appSecrets;
      managedApps.set(appId, { apiKey, jwtSecret, logPool: createLogPool(databaseUrl) });
      if (whileRunning) options.onAppAdded?.(appId, appSecrets);
    },
    onSynced: (apps) =>
      writePlatformState(options.dataDir, { url: server.url, postgresUrl: postgres.url, apps }),
  });
  await sandboxesBooting;
  // The platform serves once every App is ready and every function routed; requests to a
  // function whose sandbox still boots wait for it. Each boot is reported as it ends
  // (a handler that cannot load included), after the URLs are printed.
  const serving = Promise.withResolvers<void>();
  const firstSync = sync.sync(initial, true, serving.resolve);
  firstSync.then(serving.resolve, serving.reject);
  await serving.promise;
  server.host.starting = false;
  traceStart('serving');
  const deployed = firstSync
    .then(
      () => traceStart('every function booted'),
      (error: unknown) => print(`✗ start failed: ${formatCliError(error)}`),
    )
    .finally(() => {
      // A thread still kept goes to the next deploy (a reload) instead.
      bootQueue.keepPrewarmedForHurried = false;
    });

  let reloads = 0;
  // One reload at a time, for the watcher and for deploys through the management API alike.
  let running = deployed;
  function reload(): Promise<void> {
    running = running
      .then(async () => sync.sync(await loadManifests(options.manifestsDir)))
      .catch((error: unknown) => print(`✗ reload failed: ${formatCliError(error)}`))
      .finally(() => reloads++);
    return running;
  }
  if (options.watch) {
    const watcher = await watchTree(options.manifestsDir, () => void reload(), { ignore: [options.dataDir] });
    stopWatching = () => watcher.close();
  }
  return {
    ...server,
    postgres,
    secrets,
    scheduler,
    /** Every function of the start has booted or failed, and been reported. */
    deployed,
    /** How many reloads have finished: what a test waits on after changing a file. */
    reloads: () => reloads,
  };
}
