import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import pg from 'pg';
import type { FunctionResource } from '../../api/v1alpha1/function.types.ts';
import { API_GROUP, API_VERSION } from '../../api/v1alpha1/group.ts';
import type { FunctionStatus } from '../../api/v1alpha1/status.types.ts';
import { functionId, functionUrl } from '../../api/v1alpha1/urls.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { callFunction, invokeOutput } from '../call-function.ts';
import { compileForDeploy, functionManifest } from '../deploy-input.ts';
import type { ManagementBackend } from '../functions-api.ts';
import { awaitInvocation, readInvocation, readLogs } from '../invocation-reads.ts';
import type { FunctionSummary } from '../schemas.ts';
import type { ClusterCache } from './cluster-cache.ts';
import { type FoundApp, splitApiKeys } from './cluster-reads.ts';
import { FunctionAddresses } from './function-address.ts';

/** The API's writes are its own in server-side apply, apart from the operator's `butterbase-functions`. */
export const API_FIELD_MANAGER = 'butterbase-functions-api';

export interface ClusterBackendOptions {
  kc: KubeConfig;
  publicBaseUrl: string;
  /** How long a deploy waits for the operator to report the new generation. */
  deployWaitMs: number;
  /** Apps, their Secrets and the Functions' Services, kept from watches (cluster-cache.ts). */
  cache: ClusterCache;
  /**
   * Where a function's pods answer; by default its Service's ClusterIP, port 80, which
   * needs no cluster DNS. A test without a cluster network points at a pod it runs.
   */
  serviceUrl?: (namespace: string, name: string) => string;
}

type Stored = FunctionResource & { status?: FunctionStatus };

const POLL_MS = 250;

/**
 * The management API in a cluster: a deploy is a server-side apply of the Function (so
 * kubectl and GitOps see the same object) and waits for the operator's status; keys come
 * from the App's `spec.auth.apiKeys` Secret, logs from the App's database, invocations
 * go to the function's Service.
 */
export function createClusterBackend(
  options: ClusterBackendOptions,
): ManagementBackend & { close(): Promise<void> } {
  const custom = options.kc.makeApiClient(CustomObjectsApi);
  const objects = KubernetesObjectApi.makeApiClient(options.kc);
  const addresses = new FunctionAddresses(options.kc, options.cache, options.serviceUrl);
  const pools = new Map<string, { url: string; pool: pg.Pool }>();
  const fnApi = (namespace: string) => ({
    group: API_GROUP,
    version: API_VERSION,
    namespace,
    plural: 'functions',
  });

  const { cache } = options;
  const secretValue = (namespace: string, ref: { name: string; key: string }) =>
    cache.secretValue(namespace, ref);

  async function app(appId: string): Promise<FoundApp> {
    const found = cache.findApp(appId);
    if (!found) throw new BbfnError('RESOURCE_NOT_FOUND', `App "${appId}" doesn't exist`);
    return found;
  }

  /** The Function of this name in the App's namespace, whichever app it belongs to. */
  async function named(found: FoundApp, name: string): Promise<Stored | null> {
    try {
      return (await custom.getNamespacedCustomObject({ ...fnApi(found.namespace), name })) as Stored;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return null;
      throw error;
    }
  }

  /** The App's Function of this name: another app's (Apps may share a namespace) is not found. */
  async function stored(found: FoundApp, name: string): Promise<Stored> {
    const fn = await named(found, name);
    if (fn?.spec.appId === found.app.spec.appId) return fn;
    throw new BbfnError('RESOURCE_NOT_FOUND', `No function "${name}" in app "${found.app.spec.appId}"`);
  }

  function summary(fn: Stored): FunctionSummary {
    const { appId, trigger } = fn.spec;
    const name = fn.metadata.name;
    const current = fn.status?.observedGeneration === fn.metadata.generation;
    const status = current ? (fn.status?.status ?? 'pending') : 'pending';
    const condition = fn.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      function_id: fn.status?.functionId ?? functionId(appId, name),
      name,
      app_id: appId,
      url: fn.status?.url ?? functionUrl(options.publicBaseUrl, appId, name),
      status,
      trigger,
      ...(status === 'failed' && condition ? { message: condition.message } : {}),
    };
  }

  /** The App's database (its admin URL, from `spec.database.urlSecretRef`): invocation records. */
  async function database(found: FoundApp): Promise<pg.Pool> {
    const ref = found.app.spec.database.urlSecretRef;
    const url = ref ? await secretValue(found.namespace, ref) : null;
    if (!url)
      throw new BbfnError('DATABASE_UNAVAILABLE', `App "${found.app.spec.appId}" has no database URL Secret`);
    const appId = found.app.spec.appId;
    const current = pools.get(appId);
    if (current?.url === url) return current.pool;
    // The URL Secret changed (a rotated password, a moved database): the old pool goes.
    void current?.pool.end().catch(() => {});
    const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 30_000 });
    pool.on('error', () => {}); // An idle client's error: the next query reports it.
    pools.set(appId, { url, pool });
    return pool;
  }

  return {
    async close() {
      await Promise.all([...pools.values()].map(({ pool }) => pool.end()));
      pools.clear();
    },

    async apiKeys(appId) {
      const found = cache.findApp(appId);
      if (!found) return null;
      const ref = found.app.spec.auth.apiKeys?.secretRef;
      return ref ? splitApiKeys(await secretValue(found.namespace, ref)) : [];
    },

    async deploy(input) {
      const found = await app(input.app_id);
      const { manifest } = functionManifest(input, found.namespace);
      await compileForDeploy(input);
      // Names are per namespace: an apply must never take over another app's Function.
      const taken = await named(found, input.name);
      if (taken && taken.spec.appId !== input.app_id)
        throw new BbfnError(
          'VALIDATION_ROUTE_CONFLICT',
          `The name "${input.name}" is taken in namespace ${found.namespace} by another app's function`,
        );
      const applied = (await objects.patch(
        manifest as KubernetesObject,
        undefined,
        undefined,
        API_FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      )) as Stored;
      const generation = applied.metadata.generation;
      const deadline = Date.now() + options.deployWaitMs;
      let fn = applied;
      // Until the operator reports this generation serving (its pods available) or failed:
      // `pending` is a rollout still under way.
      const settled = (f: Stored) =>
        f.status?.observedGeneration === generation &&
        (f.status?.status === 'deployed' || f.status?.status === 'failed');
      while (!settled(fn) && Date.now() < deadline) {
        await sleep(POLL_MS);
        fn = await stored(found, input.name);
      }
      // So that invoke_function right after this answer reaches the new revision.
      if (fn.status?.status === 'deployed') await addresses.awaitRollout(fn, deadline);
      const done = fn.status?.observedGeneration === generation ? fn.status?.status : undefined;
      if (done === 'failed') {
        const condition = fn.status?.conditions?.find((c) => c.type === 'Ready');
        throw new BbfnError(
          'VALIDATION_INVALID_MANIFEST',
          condition?.message ?? 'The operator could not deploy it',
          {
            details: { reason: condition?.reason },
          },
        );
      }
      return {
        function_id: functionId(input.app_id, input.name),
        name: input.name,
        url: functionUrl(options.publicBaseUrl, input.app_id, input.name),
        status: done === 'deployed' ? 'deployed' : 'pending',
      };
    },

    async list(appId) {
      const found = await app(appId);
      const list = (await custom.listNamespacedCustomObject(
        fnApi(found.namespace),
      )) as KubernetesListObject<Stored>;
      return list.items.filter((fn) => fn.spec?.appId === appId).map(summary);
    },

    async get(appId, name) {
      const fn = await stored(await app(appId), name);
      return { ...summary(fn), code: fn.spec.code, env_var_names: Object.keys(fn.spec.envVars ?? {}) };
    },

    async delete(appId, name) {
      const found = await app(appId);
      await stored(found, name);
      await custom.deleteNamespacedCustomObject({ ...fnApi(found.namespace), name });
    },

    async invoke(input) {
      const found = await app(input.app_id);
      const fn = await stored(found, input.name);
      const { auth } = found.app.spec;
      const result = await callFunction(
        addresses.baseUrl(found.namespace, input.name),
        input,
        {
          apiKey: async () => {
            const ref = auth.apiKeys?.secretRef;
            const [key] = ref ? splitApiKeys(await secretValue(found.namespace, ref)) : [];
            if (!key)
              throw new BbfnError(
                'AUTH_INVALID_API_KEY',
                'The App has no platform API key to run as the service',
              );
            return key;
          },
          userToken: async (userId) => {
            const ref = auth.jwt.secretRef;
            const secret = ref ? await secretValue(found.namespace, ref) : null;
            if (!secret)
              throw new BbfnError(
                'AUTH_INVALID_TOKEN',
                'The App has no HS256 JWT secret to sign a user token with',
              );
            return signUserToken({
              secret,
              userId,
              expiresIn: 300,
              ...(auth.jwt.issuer ? { issuer: auth.jwt.issuer } : {}),
              ...(auth.jwt.audience ? { audience: auth.jwt.audience } : {}),
            });
          },
        },
        fn.spec.limits?.timeoutSeconds ?? 30,
      );
      const record = result.invocationId
        ? await awaitInvocation(await database(found), input.app_id, result.invocationId, {
            attempts: 20,
            intervalMs: POLL_MS,
          })
        : null;
      return invokeOutput(result, record);
    },

    async invocation(appId, id) {
      return readInvocation(await database(await app(appId)), appId, id);
    },

    async logs(appId, name, query) {
      return readLogs(await database(await app(appId)), appId, name, query);
    },
  };
}
