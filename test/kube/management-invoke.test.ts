/**
 * invoke_function and get_logs through the cluster backend, as far as a control plane
 * without a kubelet allows: the Function is deployed through the API and reconciled by
 * the operator; then this suite plays the kubelet for its one pod (the runtime entry run
 * as a process with the Deployment's environment, Secrets resolved, and the revision
 * ConfigMap's files) on a real Postgres as the App's database. The API reaches the pod
 * at its address instead of the Service's DNS name, which needs a cluster network.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres.ts';
import { startClusterApi } from '../../management/cluster/api-server.ts';
import { MOUNT_DIR } from '../../operator/src/resources/revision.ts';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { withClient } from '../../runtime-image/src/db/with-client.ts';
import { RUNTIME_ENV } from '../../runtime-image/src/runtime-env.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { podsComeUp } from './function-pods.ts';
import { startTestOperator, type TestOperator, testOperatorSettings } from './operator-fixture.ts';

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON, read loosely and asserted on
type Json = any;

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
const namespace = butterbaseNamespace('mgmt-invoke');
const KEY = 'bb_sk_invoke_test_key';
const ROTATED_KEY = 'bb_sk_invoke_test_key_rotated';
const CODE = `export async function handler(req, ctx) {
  console.log('hello', ctx.user ? ctx.user.id : 'service');
  return Response.json({ user: ctx.user });
}`;

let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
let operator: TestOperator | undefined;
let api: Awaited<ReturnType<typeof startClusterApi>> | undefined;
let pod: PodProcess | undefined;
let podUrl = '';
let dir: string;
let kc: WatchCountingKubeConfig;

/** The suite's connection, counting the watches of every Secret it opens (the operator's process has one). */
class WatchCountingKubeConfig extends k8s.KubeConfig {
  secretWatches = 0;
  override async applySecurityAuthentication(
    context: Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0],
  ) {
    const url = new URL(context.getUrl());
    if (url.pathname === '/api/v1/secrets' && url.searchParams.get('watch') === 'true') this.secretWatches++;
    return super.applySecurityAuthentication(context);
  }
}

const call = async (method: string, url: string, body?: unknown, key = KEY) => {
  const response = await fetch(`${api!.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
};

/** What a kubelet would start for the function's Deployment: its env with Secrets resolved, its ConfigMap's files. */
async function startPodOf(name: string): Promise<string> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const deployment = await apps.readNamespacedDeployment({ namespace, name: `fn-${name}` });
  const spec = deployment.spec!.template.spec!;
  const configMap = spec.volumes!.find((v) => v.configMap)!.configMap!.name!;
  const files = (await core.readNamespacedConfigMap({ namespace, name: configMap })).data!;
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  const env: Record<string, string> = {};
  for (const variable of spec.containers[0]!.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    const secret = ref ? await core.readNamespacedSecret({ namespace, name: ref.name! }) : undefined;
    const value = ref ? Buffer.from(secret!.data![ref.key]!, 'base64').toString() : variable.value!;
    env[variable.name] = value.replace(MOUNT_DIR, dir);
  }
  delete env[RUNTIME_ENV.port];
  // The pod template does not carry spec.auth.apiKeys yet (another branch adds it); the key is given here.
  env[RUNTIME_ENV.apiKeys] ??= KEY;
  pod = launchPod(POD_ENTRY, { ...env, BBFN_WORKERS: '1' }, 60_000);
  return pod.serving;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-mgmt-invoke-'));
  postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg') });
  await withClient(postgres.url, (admin) => admin.query('CREATE DATABASE app_invoke'));
  const secrets = {
    'database-url': databaseUrl(postgres.url, 'app_invoke'),
    jwt: 'a-test-jwt-secret-of-enough-length-0123456789',
    keys: KEY,
  };
  kc = new WatchCountingKubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'app-secrets' }, stringData: secrets },
  });
  const ref = (key: string) => ({ secretRef: { name: 'app-secrets', key } });
  await custom.createNamespacedCustomObject({
    group: 'butterbase.ai',
    version: 'v1alpha1',
    namespace,
    plural: 'apps',
    body: {
      apiVersion: 'butterbase.ai/v1alpha1',
      kind: 'App',
      metadata: { name: 'invoke' },
      spec: {
        appId: 'app_invoke',
        database: { urlSecretRef: { name: 'app-secrets', key: 'database-url' } },
        auth: { jwt: ref('jwt'), apiKeys: ref('keys') },
      },
    },
  });
  const log = pino({ level: 'silent' });
  // The App reconciler bootstraps the app database and writes the pods' runtime Secret. It
  // and the API follow one Secret watch, as in the operator's process (main.ts).
  operator = await startTestOperator({ apps: true, log, kc });
  const { secretWatch } = operator;
  api = await startClusterApi({
    kc,
    publicBaseUrl: testOperatorSettings.publicBaseUrl,
    port: 0,
    address: '127.0.0.1',
    deployWaitMs: 30_000,
    secretWatch,
    log,
    serviceUrl: () => podUrl,
  });
}, 180_000);

afterAll(async () => {
  await pod?.stop();
  await api?.close();
  await operator?.stop();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('invoke_function and get_logs in a cluster', () => {
  it('invokes the deployed revision as the service and as a user, then reads its lines from the App database', async () => {
    // The Deployment's pod is reported running (function-pods.ts); startPodOf then runs its process.
    const kubelet = podsComeUp(namespace);
    const deployed = await call('POST', '/v1/app_invoke/functions', {
      app_id: 'app_invoke',
      name: 'greet',
      code: CODE,
      trigger: { type: 'http', config: { method: 'POST' } },
    }).finally(() => kubelet.stop());
    expect(deployed.body).toMatchObject({ status: 'deployed' });
    podUrl = await startPodOf('greet');

    const asService = await call('POST', '/v1/app_invoke/functions/greet/invoke', { body: '{}' });
    expect(asService.body).toMatchObject({
      status: 200,
      outcome: 'ok',
      logs: [{ level: 'info', message: 'hello service' }],
    });
    const asUser = await call('POST', '/v1/app_invoke/functions/greet/invoke', {
      run_as: 'user',
      user_id: 'dora',
    });
    expect(JSON.parse(asUser.body.body)).toEqual({ user: { id: 'dora' } });
    const anonymous = await call('POST', '/v1/app_invoke/functions/greet/invoke', { run_as: 'anonymous' });
    expect(anonymous.body.status).toBe(401);

    const logs = await call('GET', '/v1/app_invoke/functions/greet/logs');
    expect(logs.body.lines.map((l: { message: string }) => l.message)).toEqual([
      'hello dora',
      'hello service',
    ]);
    const invocation = await call('GET', `/v1/app_invoke/invocations/${asUser.body.invocation_id}`);
    expect(invocation.body).toMatchObject({
      function_name: 'greet',
      user_id: 'dora',
      status: 200,
      outcome: 'ok',
    });
  }, 120_000);

  it('follows one Secret watch with the App controller: a rotated API key reaches both through it', async () => {
    expect(kc.secretWatches).toBe(1);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const credentials = async () =>
      (
        (await custom.getNamespacedCustomObject({
          group: 'butterbase.ai',
          version: 'v1alpha1',
          namespace,
          plural: 'apps',
          name: 'invoke',
        })) as { status?: { credentialsRevision?: string } }
      ).status?.credentialsRevision;
    const before = await credentials();
    expect(before).toBeTruthy();

    const core = kc.makeApiClient(k8s.CoreV1Api);
    const secret = await core.readNamespacedSecret({ namespace, name: 'app-secrets' });
    secret.data!.keys = Buffer.from(ROTATED_KEY).toString('base64');
    await core.replaceNamespacedSecret({ namespace, name: 'app-secrets', body: secret });

    // The API's SecretCache: the new key lets in, the old one no longer does.
    await waitFor('the API to take the rotated key', 10_000, async () => {
      const [rotated, old] = await Promise.all([
        call('GET', '/v1/app_invoke/functions', undefined, ROTATED_KEY),
        call('GET', '/v1/app_invoke/functions'),
      ]);
      return rotated.status === 200 && old.status === 401;
    });
    // The App controller: the same event re-reconciles the App, whose runtime Secret changes.
    await waitFor('the App controller to follow the rotation', 30_000, async () => {
      const now = await credentials();
      return now !== undefined && now !== before;
    });
    expect(kc.secretWatches).toBe(1);
  }, 60_000);
});
