import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LocalApp, LocalPlatformView } from '../management/local/local-backend.ts';
import { localManagementRoutes } from '../management/local/mount.ts';
import { createLogPool } from '../runtime-image/src/db/pool.ts';
import { runScheduled } from '../runtime-image/src/host/run-once.ts';
import { startHostServer } from '../runtime-image/src/host-server.ts';
import { sandboxThread, useSandboxWorkerEntry } from '../runtime-image/src/sandbox/sandbox-thread.ts';
import { BootQueue } from '../runtime-image/src/threads/boot-queue.ts';
import { applyHeapFlags } from '../runtime-image/src/threads/heap-flags.ts';
import { prewarmThreads } from '../runtime-image/src/threads/prewarmed-threads.ts';
import { createCronScheduler } from './cron/cron-scheduler.ts';
import { formatCliError } from './format-error.ts';
import { prepareLocalAppWithSecrets } from './local-app.ts';
import { createManifestSync } from './manifest-sync.ts';
import { loadManifests } from './manifests/load-manifests.ts';
import { watchTree } from './manifests/watch-tree.ts';
import { lockDataDir, writePlatformState } from './platform-state.ts';
import { startEmbeddedPostgres } from './postgres/embedded-postgres.ts';
import { stopStalePostgres } from './postgres/stale-server.ts';
import { bundleSandboxWorker } from './sandbox-worker-bundle.ts';
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
}

export { PLATFORM_STATE_FILE } from './platform-state.ts';

/**
 * Sandbox threads that boot at once at start: about one core's worth, beside the main
 * thread (README, "Benchmarks", measured against all of them at once).
 */
const BOOTS_AT_ONCE = Number(process.env.BBFN_BOOTS_AT_ONCE ?? 2);

/**
 * The whole platform on one machine: an embedded Postgres (data kept in `dataDir`),
 * one database per App, every Function of the manifests directory served on one port,
 * cron triggers scheduled, and the directory watched so edits go live.
 */
export async function startLocalPlatform(options: LocalPlatformOptions) {
  traceStart('platform modules loaded');
  // Before any sandbox thread exists: the same collector settings as a pod.
  applyHeapFlags();
  await mkdir(options.dataDir, { recursive: true });
  // One platform per data directory; taken before anything else touches it.
  const lock = await lockDataDir(options.dataDir);
  // What a start that fails half-way undoes, last first: no Postgres is left behind.
  const undo: Array<() => Promise<void>> = [lock.release];
  try {
    return await startOnLockedDataDir(options, lock, undo);
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw error;
  }
}

async function startOnLockedDataDir(
  options: LocalPlatformOptions,
  lock: { release: () => Promise<void> },
  undo: Array<() => Promise<void>>,
) {
  const { log, print } = options;
  // In esbuild's process, while the manifests load and Postgres starts.
  const workerBundle = bundleSandboxWorker(options.dataDir);
  workerBundle.catch(() => {}); // Awaited below; a start that fails first must not leave it unheard.
  // Read first: a missing directory fails before Postgres starts.
  const initial = await loadManifests(options.manifestsDir);
  traceStart('manifests loaded');
  // The first functions' sandbox threads boot while Postgres starts and the apps' databases
  // are prepared (their deploys take the booted threads: prewarmed-threads.ts); the others
  // boot in turns after them (bootQueue), so that the main thread keeps a core meanwhile.
  const sandboxesBooting = workerBundle.then((entry) => {
    traceStart('sandbox worker bundled');
    useSandboxWorkerEntry(entry);
    for (const fn of initial.functions.slice(0, BOOTS_AT_ONCE))
      prewarmThreads(sandboxThread(fn.resource.spec.limits.memoryMb), 1);
  });
  sandboxesBooting.catch(() => {});
  const postgresDataDir = path.join(options.dataDir, 'postgres', 'data');
  const stale = await stopStalePostgres(postgresDataDir);
  if (stale !== null) print(`stopped the Postgres (pid ${stale}) that an earlier run left running`);
  print('starting embedded Postgres…');
  const postgres = await startEmbeddedPostgres({ dataDir: postgresDataDir, persistent: true });
  undo.push(() => postgres.stop());
  traceStart('Postgres up');
  // The Apps' databases are prepared while the HTTP server is built (the sync below takes them).
  // Their secrets are made first, in one write of the store: concurrent writes would race.
  await ensureAppSecrets(options.dataDir, [
    ...new Set(initial.apps.map((loaded) => loaded.resource.spec.appId)),
  ]);
  const preparing = new Map(
    initial.apps.map((loaded) => {
      const prepared = prepareLocalAppWithSecrets(options.dataDir, postgres.url, loaded);
      prepared.catch(() => {}); // Reported by the sync, which awaits it.
      return [JSON.stringify(loaded.resource.spec), prepared] as const;
    }),
  );
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
    bootQueue: new BootQueue(BOOTS_AT_ONCE),
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
      { name: 'stop Postgres', run: () => postgres.stop() },
      { name: 'release the data directory', run: () => lock.release() },
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
  const deployed = firstSync.then(
    () => traceStart('every function booted'),
    (error: unknown) => print(`✗ start failed: ${formatCliError(error)}`),
  );

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
