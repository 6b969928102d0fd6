/**
 * The management API as the operator serves it, against the real control plane: a
 * deploy is a server-side apply of the Function under the API's own field manager and
 * answers once the operator reports the new generation; keys come from each App's
 * Secret and never reach another App. Invoking needs running pods (no kubelet here):
 * that part is for the e2e cluster.
 */
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { functionId } from '../../api/v1alpha1/urls.ts';
import { startClusterApi } from '../../management/cluster/api-server.ts';
import { API_FIELD_MANAGER } from '../../management/cluster/cluster-backend.ts';
import { SecretWatch } from '../../operator/src/kube/secret-watch.ts';
import { connectMcpOverHttp } from '../support/mcp-client.ts';
import { SEED_TOOL_NAMES } from '../support/seed-example.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { podsComeUp } from './function-pods.ts';
import { kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator, testOperatorSettings } from './operator-fixture.ts';

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON, read loosely and asserted on
type Json = any;

const namespace = butterbaseNamespace('mgmt-api');
let kubelet: { stop(): Promise<void> } | undefined;
const KEY_A = 'bb_sk_kube_app_a_key';
const KEY_A2 = 'bb_sk_kube_app_a_second';
const KEY_B = 'bb_sk_kube_app_b_key';
const KEY_B_ROTATED = 'bb_sk_kube_app_b_rotated';

/**
 * The API's own connection to the real API server, counting the requests it sends to
 * read Apps and Secrets (watches are not counted: they are one long request each).
 */
class CountingKubeConfig extends k8s.KubeConfig {
  appAndSecretReads = 0;
  override async applySecurityAuthentication(
    context: Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0],
  ) {
    if (/\/(apps|secrets)(\/|\?|$)/.test(new URL(context.getUrl()).pathname)) this.appAndSecretReads++;
    return super.applySecurityAuthentication(context);
  }
}
let apiKc: CountingKubeConfig;

const CODE = `export async function handler(req, ctx) {
  return new Response(JSON.stringify({ hello: 'world' }), { headers: { 'Content-Type': 'application/json' } });
}`;
const SEED_INPUT = {
  app_id: 'app_kube_a',
  name: 'send-welcome-email',
  code: CODE,
  trigger: { type: 'http', config: { method: 'POST', path: '/welcome', auth: 'required' } },
};

function manifests(): string {
  const app = (name: string, appId: string) => `apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: ${name} }
spec:
  appId: ${appId}
  auth: { apiKeys: { secretRef: { name: ${name}-keys, key: keys } } }
`;
  return [
    app('a', 'app_kube_a'),
    app('b', 'app_kube_b'),
    'apiVersion: v1\nkind: Secret\nmetadata: { name: a-keys }\nstringData:\n  keys: |\n    ' +
      `${KEY_A}\n    ${KEY_A2}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata: { name: b-keys }\nstringData: { keys: "${KEY_B}" }\n`,
  ].join('---\n');
}

let operator: TestOperator | undefined;
let api: Awaited<ReturnType<typeof startClusterApi>> | undefined;

const call = async (method: string, url: string, body?: unknown, key: string | null = KEY_A) => {
  const response = await fetch(`${api!.url}${url}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
};

beforeAll(async () => {
  const applied = await kubectl(['apply', '-n', namespace, '-f', '-'], manifests());
  expect(applied.ok, applied.out).toBe(true);
  const log = pino({ level: 'silent' });
  operator = await startTestOperator({ log });
  // No kubelet here: a deploy answers `deployed` once its pods run, so they are made to (function-pods.ts).
  kubelet = podsComeUp(namespace);
  apiKc = new CountingKubeConfig();
  apiKc.loadFromFile(inject('kubeconfig'));
  api = await startClusterApi({
    kc: apiKc,
    publicBaseUrl: testOperatorSettings.publicBaseUrl,
    port: 0,
    address: '127.0.0.1',
    deployWaitMs: 30_000,
    secretWatch: new SecretWatch(apiKc, log),
    log,
  });
});

afterAll(async () => {
  await kubelet?.stop();
  await api?.close();
  await operator?.stop();
});

describe('the management API in a cluster', () => {
  it("applies the seed's example as a Function with its own field manager and answers the seed's output", async () => {
    const { status, body } = await call('POST', '/v1/app_kube_a/functions', SEED_INPUT);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toEqual({
      function_id: functionId('app_kube_a', 'send-welcome-email'),
      name: 'send-welcome-email',
      url: 'https://fn.example.com/v1/app_kube_a/fn/send-welcome-email',
      status: 'deployed',
    });
    const stored = await kubectl([
      'get',
      'fn',
      'send-welcome-email',
      '-n',
      namespace,
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    const fn = JSON.parse(stored.out) as Json;
    expect(fn.spec).toMatchObject({ appId: 'app_kube_a', code: CODE, trigger: SEED_INPUT.trigger });
    expect(fn.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain(API_FIELD_MANAGER);
    expect(fn.status).toMatchObject({ status: 'deployed', observedGeneration: fn.metadata.generation });
  });

  it('redeploys in place (same function_id, next generation) and refuses bad code without touching the object', async () => {
    const before = JSON.parse(
      (await kubectl(['get', 'fn', 'send-welcome-email', '-n', namespace, '-o', 'json'])).out,
    ) as Json;
    const again = await call('PUT', '/v1/app_kube_a/functions/send-welcome-email', {
      ...SEED_INPUT,
      code: CODE.replace("'world'", "'again'"),
      envVars: { GREETING: 'hi' },
    });
    expect(again.body).toMatchObject({
      function_id: functionId('app_kube_a', 'send-welcome-email'),
      status: 'deployed',
    });
    const broken = await call('POST', '/v1/app_kube_a/functions', {
      ...SEED_INPUT,
      code: 'export async function handler( {',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'VALIDATION_SYNTAX_ERROR', details: { line: 1 } });
    const after = JSON.parse(
      (await kubectl(['get', 'fn', 'send-welcome-email', '-n', namespace, '-o', 'json'])).out,
    ) as Json;
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(after.spec.code).toContain("'again'");
    expect(after.spec.envVars).toEqual({ GREETING: 'hi' });
  });

  it('lists and gets what kubectl sees, and deletes it', async () => {
    await call('POST', '/v1/app_kube_a/functions', {
      ...SEED_INPUT,
      name: 'temp',
      trigger: { type: 'http', config: { auth: 'none' } },
    });
    const list = await call('GET', '/v1/app_kube_a/functions', undefined, KEY_A2);
    expect(list.body.functions.map((f: { name: string }) => f.name).sort()).toEqual([
      'send-welcome-email',
      'temp',
    ]);
    const got = await call('GET', '/v1/app_kube_a/functions/send-welcome-email');
    expect(got.body).toMatchObject({
      status: 'deployed',
      env_var_names: ['GREETING'],
      url: 'https://fn.example.com/v1/app_kube_a/fn/send-welcome-email',
    });
    expect((await call('DELETE', '/v1/app_kube_a/functions/temp')).body).toEqual({
      name: 'temp',
      deleted: true,
    });
    expect((await kubectl(['get', 'fn', 'temp', '-n', namespace])).ok).toBe(false);
  });

  it('answers errors with stable codes and keeps one app’s key away from another’s functions', async () => {
    const cases: [Promise<{ status: number; body: Json }>, number, string][] = [
      [call('GET', '/v1/app_kube_a/functions', undefined, null), 401, 'AUTH_REQUIRED'],
      [call('GET', '/v1/app_kube_a/functions', undefined, 'bb_sk_wrong'), 401, 'AUTH_INVALID_API_KEY'],
      [call('GET', '/v1/app_kube_a/functions', undefined, KEY_B), 401, 'AUTH_INVALID_API_KEY'],
      [
        call('GET', '/v1/app_kube_a/functions/send-welcome-email', undefined, KEY_B),
        401,
        'AUTH_INVALID_API_KEY',
      ],
      [call('POST', '/v1/app_kube_a/functions', SEED_INPUT, KEY_B), 401, 'AUTH_INVALID_API_KEY'],
      [
        call('POST', '/v1/app_missing/functions', { ...SEED_INPUT, app_id: 'app_missing' }),
        404,
        'RESOURCE_NOT_FOUND',
      ],
      [call('GET', '/v1/app_kube_a/functions/nope'), 404, 'RESOURCE_NOT_FOUND'],
      // Both Apps share the namespace: B's key reaches A's Function under no path.
      [
        call('GET', '/v1/app_kube_b/functions/send-welcome-email', undefined, KEY_B),
        404,
        'RESOURCE_NOT_FOUND',
      ],
      [
        call('DELETE', '/v1/app_kube_b/functions/send-welcome-email', undefined, KEY_B),
        404,
        'RESOURCE_NOT_FOUND',
      ],
      [
        call('POST', '/v1/app_kube_b/functions', { ...SEED_INPUT, app_id: 'app_kube_b' }, KEY_B),
        409,
        'VALIDATION_ROUTE_CONFLICT',
      ],
      [
        call('POST', '/v1/app_kube_a/functions', { ...SEED_INPUT, code: 'export const x = 1;' }),
        400,
        'VALIDATION_INVALID_SCHEMA',
      ],
      [
        call('POST', '/v1/app_kube_a/functions', {
          ...SEED_INPUT,
          trigger: { type: 'cron', config: { schedule: '61 * * * *' } },
        }),
        400,
        'VALIDATION_INVALID_REQUEST',
      ],
    ];
    for (const [request, status, code] of cases) {
      const got = await request;
      expect([got.status, got.body.error?.code], JSON.stringify(got.body)).toEqual([status, code]);
    }
    expect((await call('GET', '/v1/app_kube_b/functions', undefined, KEY_B)).body).toEqual({ functions: [] });
    const stillA = await call('GET', '/v1/app_kube_a/functions/send-welcome-email');
    expect(stillA.body).toMatchObject({ app_id: 'app_kube_a', status: 'deployed' });
  });

  it('serves the MCP tools at /mcp with the App key', async () => {
    const client = await connectMcpOverHttp(new URL(`${api!.url}/mcp`), KEY_B);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(SEED_TOOL_NAMES);
      const deployed = (await client.callTool({
        name: 'deploy_function',
        arguments: { app_id: 'app_kube_b', name: 'from-mcp', code: CODE, trigger: { type: 'http' } },
      })) as { structuredContent?: Json };
      expect(deployed.structuredContent).toMatchObject({ name: 'from-mcp', status: 'deployed' });
      const listed = (await client.callTool({
        name: 'manage_function',
        arguments: { app_id: 'app_kube_b', action: 'list' },
      })) as {
        structuredContent?: Json;
      };
      expect(listed.structuredContent.functions.map((f: { name: string }) => f.name)).toEqual(['from-mcp']);
    } finally {
      await client.close();
    }
  });

  it('authorizes from its watches, and refuses a rotated-out key within seconds', async () => {
    // The first use of an App's key Secret reads it; after that the watch keeps it current.
    expect((await call('GET', '/v1/app_kube_b/functions', undefined, KEY_B)).status).toBe(200);
    const before = apiKc.appAndSecretReads;
    expect(before, 'the counter sees the first list of Apps and read of the Secret').toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) {
      expect((await call('GET', '/v1/app_kube_b/functions', undefined, KEY_B)).status).toBe(200);
      expect((await call('GET', '/v1/app_kube_a/functions', undefined, KEY_B)).status).toBe(401);
    }
    expect(apiKc.appAndSecretReads - before).toBe(0);

    const rotated = await kubectl(
      ['apply', '-n', namespace, '-f', '-'],
      `apiVersion: v1\nkind: Secret\nmetadata: { name: b-keys }\nstringData: { keys: "${KEY_B_ROTATED}" }\n`,
    );
    expect(rotated.ok, rotated.out).toBe(true);
    const rotatedAt = performance.now();
    await waitFor('the rotated-out key to be refused', 10_000, async () => {
      const old = await call('GET', '/v1/app_kube_b/functions', undefined, KEY_B);
      return old.status === 401 && old.body.error.code === 'AUTH_INVALID_API_KEY';
    });
    console.log(
      `kube: the rotated-out key was refused ${Math.round(performance.now() - rotatedAt)} ms after the apply`,
    );
    expect((await call('GET', '/v1/app_kube_b/functions', undefined, KEY_B_ROTATED)).status).toBe(200);
    expect(apiKc.appAndSecretReads - before).toBe(0);
  });
});
