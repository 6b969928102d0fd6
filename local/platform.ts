import { watch } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { functionUrl } from '../api/v1alpha1/urls.ts';
import { localManagementRoutes } from '../management/local/mount.ts';
import { authenticatorUrl } from '../runtime-image/src/db/authenticator.ts';
import { createLogPool, type createPool } from '../runtime-image/src/db/pool.ts';
import { DEFAULT_DATABASE_ROLES } from '../runtime-image/src/db/roles.ts';
import { isBbfnError } from '../runtime-image/src/errors.ts';
import type { FunctionDefinition } from '../runtime-image/src/host/host.ts';
import { runScheduled } from '../runtime-image/src/host/run-once.ts';
import { startHostServer } from '../runtime-image/src/host-server.ts';
import { applyHeapFlags } from '../runtime-image/src/threads/heap-flags.ts';
import { prepareAppDatabase } from './app-database.ts';
import { createCronScheduler } from './cron/cron-scheduler.ts';
import { formatProblem, type LoadedFunction, loadManifests } from './manifests/load-manifests.ts';
import { startEmbeddedPostgres } from './postgres/embedded-postgres.ts';
import { ensureAppSecrets } from './secrets.ts';

export interface LocalPlatformOptions {
  manifestsDir: string;
  dataDir: string;
  port: number;
  address: string;
  log: Logger;
  /** Print for a person (URLs, keys, errors); the log stays JSON. */
  print: (line: string) => void;
  watch: boolean;
  exit?: (code: number) => void;
  /** How long a deploy through the management API waits for the new revision to serve. */
  deployWaitMs?: number;
}

/** What `bbfn logs` and `bbfn token` read to find a running platform. */
export const PLATFORM_STATE_FILE = 'platform.json';

function toDefinition(loaded: LoadedFunction): FunctionDefinition {
  const { metadata, spec } = loaded.resource;
  return {
    appId: spec.appId,
    name: metadata.name,
    code: spec.code,
    trigger: spec.trigger,
    envVars: spec.envVars,
    limits: spec.limits,
  };
}

/**
 * The whole platform on one machine: an embedded Postgres (data kept in `dataDir`),
 * one database per App, every Function of the manifests directory served on one port,
 * cron triggers scheduled, and the directory watched so edits go live.
 */
export async function startLocalPlatform(options: LocalPlatformOptions) {
  const { log, print } = options;
  // Before any sandbox thread exists: the same collector settings as a pod.
  applyHeapFlags();
  await mkdir(options.dataDir, { recursive: true });
  print('starting embedded Postgres…');
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(options.dataDir, 'postgres', 'data'),
    persistent: true,
  });
  const initial = await loadManifests(options.manifestsDir);
  for (const problem of initial.problems) print(`✗ ${formatProblem(problem)} (skipped)`);
  const appIds = initial.apps.map((a) => a.resource.spec.appId);
  const secrets = await ensureAppSecrets(options.dataDir, appIds);
  const apps = [];
  const logPools: Record<string, ReturnType<typeof createPool>> = {};
  for (const loaded of initial.apps) {
    const spec = loaded.resource.spec;
    const roles = spec.roles ?? DEFAULT_DATABASE_ROLES;
    const url = await prepareAppDatabase(postgres.url, spec.appId, spec.database.migrations ?? [], roles);
    logPools[spec.appId] = createLogPool(url);
    apps.push({
      appId: spec.appId,
      sandboxDatabaseUrl: authenticatorUrl(url),
      roles,
      auth: { apiKeys: [secrets[spec.appId]!.apiKey], jwt: { secret: secrets[spec.appId]!.jwtSecret } },
    });
  }
  let stopWatching = () => {};
  let reload = async () => {};
  const registerRoutes = localManagementRoutes({
    manifestsDir: options.manifestsDir,
    secrets,
    logPools,
    log,
    ...(options.deployWaitMs !== undefined ? { deployWaitMs: options.deployWaitMs } : {}),
    platform: () => ({ host: server.host, url: server.url, writers: server.writers, reload }),
  });
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
    apps,
    logPools,
    // It listens before the first deploys finish: until then, say so rather than 404.
    starting: true,
    registerRoutes,
    ...(options.exit ? { exit: options.exit } : {}),
    extraShutdownSteps: [
      {
        name: 'stop watching and scheduling',
        run: async () => {
          stopWatching();
          await scheduler.stop();
        },
      },
      { name: 'stop Postgres', run: () => postgres.stop() },
    ],
  });

  const deployed = new Set<string>();
  /** Deploys what changed; removes what is gone, except functions whose manifest is now broken. */
  async function apply(functions: LoadedFunction[], brokenNames = new Set<string>()): Promise<void> {
    const seen = new Set<string>();
    // All deploys start at once (compiles and sandbox threads overlap); results are
    // reported in manifest order.
    const started = functions.map((loaded) => {
      const definition = toDefinition(loaded);
      const previous = server.host.registry.get(definition.appId, definition.name)?.revision;
      const deploying = server.host.deploy(definition);
      deploying.catch(() => {}); // Reported below, in order.
      return { loaded, definition, previous, deploying };
    });
    for (const { loaded, definition, previous, deploying } of started) {
      const key = `${definition.appId}/${definition.name}`;
      seen.add(key);
      try {
        const deployment = await deploying;
        if (previous !== deployment.revision)
          print(
            `${previous ? '↻ updated' : '✓ deployed'} ${key} (${deployment.revision}) ${describeEndpoint(server.url, definition)}`,
          );
        if (definition.trigger.type === 'cron')
          scheduler.schedule({
            key,
            schedule: definition.trigger.config.schedule,
            ...(definition.trigger.config.timeZone ? { timeZone: definition.trigger.config.timeZone } : {}),
          });
        else scheduler.unschedule(key);
        deployed.add(key);
      } catch (error) {
        const where = `${loaded.file}`;
        const detail = isBbfnError(error) ? `${error.code}: ${error.message}` : String(error);
        print(
          `✗ ${key} (${where}): ${detail}${deployed.has(key) ? ' — the previous version keeps serving' : ''}`,
        );
      }
    }
    for (const key of [...deployed]) {
      const [appId, name] = key.split('/') as [string, string];
      if (seen.has(key) || brokenNames.has(name)) continue;
      await server.host.undeploy(appId, name);
      scheduler.unschedule(key);
      deployed.delete(key);
      print(`– removed ${key}`);
    }
  }
  await apply(initial.functions);
  server.host.starting = false;

  // One reload at a time, for the watcher and for deploys through the API alike.
  let running = Promise.resolve();
  reload = () => {
    running = running
      .then(async () => {
        const set = await loadManifests(options.manifestsDir);
        for (const problem of set.problems) print(`✗ ${formatProblem(problem)}`);
        // A manifest that no longer validates keeps its previous version serving.
        const broken = new Set(set.problems.flatMap((p) => (p.name ? [p.name] : [])));
        await apply(set.functions, broken);
      })
      .catch((error: unknown) => print(`✗ reload failed: ${String(error)}`));
    return running;
  };
  if (options.watch) {
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(options.manifestsDir, { recursive: true }, (_event, file) => {
      if (!file || !/\.ya?ml$/.test(String(file))) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 150);
    });
    stopWatching = () => watcher.close();
  }

  const state = { url: server.url, postgresUrl: postgres.url, pid: process.pid, apps: appIds };
  await writeFile(path.join(options.dataDir, PLATFORM_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  return { ...server, postgres, secrets, scheduler };
}

function describeEndpoint(baseUrl: string, definition: FunctionDefinition): string {
  const trigger = definition.trigger;
  if (trigger.type === 'cron') return `cron "${trigger.config.schedule}"`;
  const url = functionUrl(baseUrl, definition.appId, definition.name);
  if (trigger.type === 'websocket') return `websocket ${url.replace(/^http/, 'ws')}`;
  if (trigger.type === 'http')
    return `${trigger.config.method} ${url}${trigger.config.path ? ` and ${baseUrl}/v1/${definition.appId}${trigger.config.path}` : ''} (auth ${trigger.config.auth})`;
  return '';
}
