import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { FunctionResource } from '../../api/v1alpha1/function.types.ts';
import { functionId, functionUrl } from '../../api/v1alpha1/urls.ts';
import { loadManifests } from '../../local/manifests/load-manifests.ts';
import type { LoadedFunction, ManifestProblem } from '../../local/manifests/types.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import type { FunctionDeployment } from '../../runtime-image/src/host/deployment.ts';
import type { FunctionHost } from '../../runtime-image/src/host/host.ts';
import type { InvocationWriter } from '../../runtime-image/src/invocations/writer.ts';
import { callFunction, invokeOutput } from '../call-function.ts';
import { compileForDeploy, functionManifest } from '../deploy-input.ts';
import type { ManagementBackend } from '../functions-api.ts';
import { awaitInvocation, readInvocation, readLogs } from '../invocation-reads.ts';
import type { FunctionDetail, FunctionSummary, InvokeOutput } from '../schemas.ts';
import { removeFunctionManifest, writeFunctionManifest } from './manifest-file.ts';

export interface LocalApp {
  apiKey: string;
  jwtSecret: string;
  /** The app database, where its invocation records and console lines are. */
  logPool: pg.Pool;
}

/** What the backend needs of the running platform (it exists only once the server listens). */
export interface LocalPlatformView {
  host: FunctionHost;
  url: string;
  writers: Map<string, InvocationWriter>;
  /** Loads the directory and applies it, as the file watcher does; resolves when done. */
  reload: () => Promise<void>;
}

export interface LocalBackendOptions {
  manifestsDir: string;
  apps: ReadonlyMap<string, LocalApp>;
  platform: () => LocalPlatformView;
  /** How long deploy and delete wait for the platform to serve the change (then: `pending`). */
  deployWaitMs: number;
}

const POLL_MS = 50;

/**
 * The management API of `npm start`: a deploy edits the served directory (which stays
 * the source of truth) and waits until the platform serves the new revision; reads look
 * at the directory, the running host and the app's database.
 */
export function createLocalBackend(options: LocalBackendOptions): ManagementBackend {
  const { manifestsDir, apps } = options;

  function app(appId: string): LocalApp {
    const found = apps.get(appId);
    if (!found) throw new BbfnError('RESOURCE_NOT_FOUND', `App "${appId}" doesn't exist`);
    return found;
  }

  async function manifests(appId: string) {
    const set = await loadManifests(manifestsDir);
    return {
      functions: set.functions.filter((fn) => fn.resource.spec.appId === appId),
      problems: set.problems,
    };
  }

  async function find(
    appId: string,
    name: string,
  ): Promise<{ fn: LoadedFunction; problems: ManifestProblem[] }> {
    const { functions, problems } = await manifests(appId);
    const fn = functions.find((candidate) => candidate.resource.metadata.name === name);
    if (!fn) throw new BbfnError('RESOURCE_NOT_FOUND', `No function "${name}" in app "${appId}"`);
    return { fn, problems };
  }

  function summary(resource: FunctionResource, problems: ManifestProblem[]): FunctionSummary {
    const { appId, trigger } = resource.spec;
    const name = resource.metadata.name;
    const problem = problems.find((p) => p.name === name && p.kind === 'Function');
    const serving = options.platform().host.registry.get(appId, name);
    return {
      function_id: functionId(appId, name),
      name,
      app_id: appId,
      url: functionUrl(options.platform().url, appId, name),
      status: problem ? 'failed' : serving ? 'deployed' : 'pending',
      trigger,
      ...(problem ? { message: problem.message } : {}),
    };
  }

  /** Polls the host, at most `deployWaitMs`, until `done` says the change is served. */
  async function waitFor(
    done: (serving: FunctionDeployment | undefined) => boolean,
    appId: string,
    name: string,
  ) {
    const deadline = Date.now() + options.deployWaitMs;
    for (;;) {
      if (done(options.platform().host.registry.get(appId, name))) return true;
      if (Date.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  }

  // One edit of the directory at a time: each reads where a function is, then rewrites
  // that file, and two at once could lose one (two functions in one file).
  let edits = Promise.resolve();
  function editing(edit: () => Promise<void>): Promise<void> {
    const next = edits.then(edit);
    edits = next.catch(() => {});
    return next;
  }

  return {
    async apiKeys(appId) {
      const found = apps.get(appId);
      return found ? [found.apiKey] : null;
    },

    async deploy(input) {
      app(input.app_id);
      const { manifest, parsed } = functionManifest(input);
      const compiled = await compileForDeploy(input);
      await editing(async () => {
        const { functions } = await manifests(input.app_id);
        refuseWhatCannotServe(parsed, functions);
        const existing = functions.find((fn) => fn.resource.metadata.name === input.name);
        await writeFunctionManifest(manifestsDir, existing, manifest, {
          appId: input.app_id,
          name: input.name,
        });
      });
      await options.platform().reload();
      const wanted = JSON.stringify([parsed.spec.trigger, parsed.spec.envVars, parsed.spec.limits]);
      const served = await waitFor(
        (serving) =>
          serving !== undefined &&
          serving.revision === compiled.shortHash &&
          JSON.stringify([serving.trigger, serving.envVars, serving.limits]) === wanted,
        input.app_id,
        input.name,
      );
      return {
        function_id: functionId(input.app_id, input.name),
        name: input.name,
        url: functionUrl(options.platform().url, input.app_id, input.name),
        status: served ? 'deployed' : 'pending',
      };
    },

    async list(appId) {
      app(appId);
      const { functions, problems } = await manifests(appId);
      return functions.map((fn) => summary(fn.resource, problems));
    },

    async get(appId, name): Promise<FunctionDetail> {
      app(appId);
      const { fn, problems } = await find(appId, name);
      return {
        ...summary(fn.resource, problems),
        code: fn.resource.spec.code,
        env_var_names: Object.keys(fn.resource.spec.envVars),
      };
    },

    async delete(appId, name) {
      app(appId);
      await editing(async () => removeFunctionManifest(manifestsDir, (await find(appId, name)).fn));
      await options.platform().reload();
      await waitFor((serving) => serving === undefined, appId, name);
    },

    async invoke(input): Promise<InvokeOutput> {
      const { apiKey, jwtSecret, logPool } = app(input.app_id);
      const platform = options.platform();
      const serving = platform.host.registry.get(input.app_id, input.name);
      if (!serving)
        throw new BbfnError(
          'RESOURCE_NOT_FOUND',
          `No function "${input.name}" is deployed in app "${input.app_id}"`,
        );
      const result = await callFunction(
        platform.url,
        input,
        {
          apiKey: async () => apiKey,
          userToken: (userId) => signUserToken({ secret: jwtSecret, userId, expiresIn: 300 }),
        },
        serving.limits.timeoutSeconds,
      );
      const writer = platform.writers.get(input.app_id);
      const record = result.invocationId
        ? await awaitInvocation(logPool, input.app_id, result.invocationId, {
            attempts: 20,
            intervalMs: POLL_MS,
            ...(writer ? { beforeEach: () => writer.flush() } : {}),
          })
        : null;
      return invokeOutput(result, record);
    },

    invocation: (appId, id) => readInvocation(app(appId).logPool, appId, id),

    async logs(appId, name, query) {
      const { logPool } = app(appId);
      const platform = options.platform();
      await platform.writers.get(appId)?.flush();
      const found = await readLogs(logPool, appId, name, query);
      // A function removed from the manifests still has its lines; a name never deployed is a mistake.
      if (found.lines.length === 0 && !platform.host.registry.get(appId, name)) {
        const names = platform.host.registry
          .list()
          .filter((d) => d.appId === appId)
          .map((d) => d.name)
          .sort();
        throw new BbfnError(
          'RESOURCE_NOT_FOUND',
          `no function "${name}" in app "${appId}" (functions: ${names.join(', ') || 'none'})`,
        );
      }
      return found;
    },
  };
}

/**
 * What the platform would refuse after the file is written, refused before: the deploy
 * answers why at once instead of waiting, and the directory keeps only what serves.
 */
function refuseWhatCannotServe(fn: FunctionResource, others: readonly LoadedFunction[]): void {
  const trigger = fn.spec.trigger;
  if (trigger.type === 's3_upload' || trigger.type === 'webhook')
    throw new BbfnError(
      'VALIDATION_UNSUPPORTED_TRIGGER',
      `Trigger type "${trigger.type}" is not yet implemented`,
    );
  if (trigger.type !== 'http' || !trigger.config.path) return;
  const owner = others.find(
    (other) =>
      other.resource.metadata.name !== fn.metadata.name &&
      other.resource.spec.trigger.type === 'http' &&
      other.resource.spec.trigger.config.path === trigger.config.path,
  );
  if (owner)
    throw new BbfnError(
      'VALIDATION_ROUTE_CONFLICT',
      `Path "${trigger.config.path}" is already served by function "${owner.resource.metadata.name}"`,
    );
}
