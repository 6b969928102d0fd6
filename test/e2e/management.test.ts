/**
 * The management API and MCP as a user reaches them in a cluster: through Traefik, the
 * chart's ingress rules (api-ingress.yaml, `api.ingress.appIds`) and Service
 * (api-service.yaml) to the operator's process, which deploys with server-side apply,
 * invokes the function's pods by their Service's ClusterIP (the node has no cluster DNS)
 * and reads the App's database for logs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { functionId } from '../../api/v1alpha1/urls.ts';
import { appDatabaseName, prepareAppDatabase } from '../../local/app-database.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { connectMcpOverHttp } from '../support/mcp-client.ts';
import { SEED_DEPLOY_INPUT, SEED_TOOL_NAMES } from '../support/seed-example.ts';
import { waitFor } from '../support/wait.ts';
import { API_APP_IDS, PUBLIC_HOST } from './chart-release.ts';
import { createSecret, kubectl, kubectlOk, viaIngress } from './client.ts';

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON, read loosely and asserted on
type Json = any;

const EXAMPLES = path.join(import.meta.dirname, '../../examples');
const namespace = `e2e-mgmt-${Date.now().toString(36)}`;
const [APP_ID, OTHER_APP_ID] = API_APP_IDS as [string, string];
const KEY = 'bb_sk_e2emgmtkey0123456789abcdef';
const OTHER_KEY = 'bb_sk_e2emgmtother0123456789abcd';
const JWT_SECRET = 'e2e-mgmt-jwt-secret-of-enough-length-for-hs256';
const PUBLIC_BASE = `http://${PUBLIC_HOST}`;

// The send-welcome-email example's code and envVars: the seed's example with its code filled in.
let welcome: { code: string; envVars: Record<string, string> } = { code: '', envVars: {} };

/** A management API call through the ingress, with the public base URL's host. */
async function api(method: string, route: string, body?: unknown, key: string | null = KEY) {
  const response = await viaIngress(`${PUBLIC_BASE}${route}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  let parsed: Json = null;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = { raw: response.body };
  }
  return { status: response.status, body: parsed };
}

const userToken = (userId: string) => signUserToken({ secret: JWT_SECRET, userId });

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', namespace]);
  // The examples' App (its migrations: the outbox send-welcome-email writes to) as app_abc123.
  const app = parse(await readFile(path.join(EXAMPLES, 'app.yaml'), 'utf8')) as Json;
  const { postgresUrl, podPostgresUrl } = inject('e2e');
  await prepareAppDatabase(postgresUrl, APP_ID, app.spec.database.migrations ?? [], {
    user: 'butterbase_user',
    service: 'butterbase_service',
  });
  const secret = (name: string, data: Record<string, string>) => createSecret(namespace, name, data);
  await secret('mgmt-database', { url: databaseUrl(podPostgresUrl, appDatabaseName(APP_ID)) });
  await secret('mgmt-jwt', { secret: JWT_SECRET });
  await secret('mgmt-api-keys', { keys: KEY });
  await secret('other-api-keys', { keys: OTHER_KEY });
  app.metadata.name = 'mgmt';
  app.spec.appId = APP_ID;
  app.spec.database.urlSecretRef = { name: 'mgmt-database', key: 'url' };
  app.spec.auth = {
    jwt: { secretRef: { name: 'mgmt-jwt', key: 'secret' } },
    apiKeys: { secretRef: { name: 'mgmt-api-keys', key: 'keys' } },
  };
  const other = {
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'App',
    metadata: { name: 'other' },
    spec: { appId: OTHER_APP_ID, auth: { apiKeys: { secretRef: { name: 'other-api-keys', key: 'keys' } } } },
  };
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], `${stringify(app)}---\n${stringify(other)}`);
  const example = parse(
    await readFile(path.join(EXAMPLES, 'send-welcome-email', 'function.yaml'), 'utf8'),
  ) as Json;
  welcome = { code: example.spec.code, envVars: example.spec.envVars };
  // The API sees a new App by its watch, the ingress its rules by Traefik's.
  await waitFor('the API to answer for the new App through the ingress', 60_000, async () => {
    const { status } = await api('GET', `/v1/${APP_ID}/functions`);
    return status === 200;
  });
}, 120_000);

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

describe('the management API through the ingress', () => {
  const url = `${PUBLIC_BASE}/v1/${APP_ID}/fn/send-welcome-email`;

  it("answers the seed's example input, verbatim, with its placeholder code's syntax error", async () => {
    const { status, body } = await api('POST', `/v1/${APP_ID}/functions`, SEED_DEPLOY_INPUT);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error).toMatchObject({
      code: 'VALIDATION_SYNTAX_ERROR',
      details: { line: 1, column: expect.any(Number) },
    });
  });

  /** The seed's output for the welcome function, deployed. */
  const welcomeDeployed = () => ({
    function_id: functionId(APP_ID, 'send-welcome-email'),
    name: 'send-welcome-email',
    url,
    status: 'deployed',
  });

  it("deploys the seed's example (its code filled in) into the seed's output, and deployed means serving", async () => {
    const { status, body } = await api('POST', `/v1/${APP_ID}/functions`, {
      ...SEED_DEPLOY_INPUT,
      ...welcome,
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toEqual(welcomeDeployed());
    // `deployed` is the new revision serving at its pods: invoke, through the API, reaches it
    // at once. The shared ingress routes a new Ingress once its controller has applied it
    // (Traefik batches provider changes, 2 s by default; under load a 404 was seen right
    // after the answer), so the URL is given that long, bounded, to answer.
    const invoked = await api('POST', `/v1/${APP_ID}/functions/send-welcome-email/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com' }),
      run_as: 'user',
      user_id: 'ada',
    });
    expect(invoked.body).toMatchObject({ status: 200, body: '{"accepted":true}' });
    const served = await waitFor('the new URL to answer through the ingress', 30_000, async () => {
      const answer = await viaIngress(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await userToken('ada')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com' }),
      });
      return answer.status === 404 ? undefined : answer;
    });
    expect([served.status, served.body]).toEqual([200, '{"accepted":true}']);
  });

  it('invokes it as a user, and get_logs returns that invocation’s console lines', async () => {
    const invoked = await api('POST', `/v1/${APP_ID}/functions/send-welcome-email/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com' }),
      run_as: 'user',
      user_id: 'grace',
    });
    expect(invoked.status, JSON.stringify(invoked.body)).toBe(200);
    expect(invoked.body).toMatchObject({ status: 200, body: '{"accepted":true}' });
    const id = invoked.body.invocation_id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // The line is printed in ctx.waitUntil, after the response: it lands a moment later.
    const logs = await waitFor('the background line in get_logs', 30_000, async () => {
      const got = await api('GET', `/v1/${APP_ID}/functions/send-welcome-email/logs?invocation_id=${id}`);
      return got.body.lines?.length > 0 ? got.body : undefined;
    });
    expect(logs.lines).toEqual([
      expect.objectContaining({
        invocation_id: id,
        level: 'info',
        message: 'sending welcome email to grace@example.com from welcome@example.com',
        status: 200,
        outcome: 'ok',
      }),
    ]);
  });

  it('redeploys in place: the same function_id, and the new code is what invoke runs', async () => {
    const code = `export async function handler(req, ctx) {
  console.log('v2 for', ctx.user.id);
  return Response.json({ version: 2 });
}`;
    const { body } = await api('PUT', `/v1/${APP_ID}/functions/send-welcome-email`, {
      ...SEED_DEPLOY_INPUT,
      code,
    });
    expect(body).toEqual(welcomeDeployed());
    const invoked = await api('POST', `/v1/${APP_ID}/functions/send-welcome-email/invoke`, {
      method: 'POST',
      body: '{}',
      run_as: 'user',
      user_id: 'linus',
    });
    expect(invoked.body).toMatchObject({ status: 200, body: '{"version":2}', outcome: 'ok' });
    expect(invoked.body.logs).toEqual([expect.objectContaining({ level: 'info', message: 'v2 for linus' })]);
  });

  it('refuses a wrong or missing key, and keeps each app’s key to its own app', async () => {
    const cases: [Promise<{ status: number; body: Json }>, number, string | null][] = [
      [api('GET', `/v1/${APP_ID}/functions`, undefined, null), 401, 'AUTH_REQUIRED'],
      [api('GET', `/v1/${APP_ID}/functions`, undefined, 'bb_sk_wrong'), 401, 'AUTH_INVALID_API_KEY'],
      [api('GET', `/v1/${APP_ID}/functions`, undefined, OTHER_KEY), 401, 'AUTH_INVALID_API_KEY'],
      [
        api('GET', `/v1/${APP_ID}/functions/send-welcome-email/logs`, undefined, OTHER_KEY),
        401,
        'AUTH_INVALID_API_KEY',
      ],
      [
        api('POST', `/v1/${APP_ID}/functions`, { ...SEED_DEPLOY_INPUT, ...welcome }, OTHER_KEY),
        401,
        'AUTH_INVALID_API_KEY',
      ],
      [api('GET', `/v1/${OTHER_APP_ID}/functions`, undefined, KEY), 401, 'AUTH_INVALID_API_KEY'],
      // Both Apps share the namespace: the other app's key finds no function of this name.
      [
        api('GET', `/v1/${OTHER_APP_ID}/functions/send-welcome-email`, undefined, OTHER_KEY),
        404,
        'RESOURCE_NOT_FOUND',
      ],
    ];
    for (const [request, status, code] of cases) {
      const got = await request;
      expect([got.status, got.body.error?.code], JSON.stringify(got.body)).toEqual([status, code]);
    }
    expect((await api('GET', `/v1/${OTHER_APP_ID}/functions`, undefined, OTHER_KEY)).body).toEqual({
      functions: [],
    });
  });

  it('serves MCP at /mcp through the ingress: the three tools deploy, invoke and read logs', async () => {
    const ingress = inject('e2e').ingressUrl;
    const client = await connectMcpOverHttp(new URL('/mcp', ingress), KEY, 'e2e');
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(SEED_TOOL_NAMES);
      const call = async (name: string, args: Record<string, unknown>) => {
        const result = (await client.callTool({ name, arguments: args })) as {
          isError?: boolean;
          structuredContent?: Json;
          content: unknown;
        };
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        return result.structuredContent;
      };
      const deployed = await call('deploy_function', {
        app_id: APP_ID,
        name: 'from-mcp',
        code: "export async function handler(req) {\n  console.warn('from mcp', req.method);\n  return new Response('mcp ok');\n}",
        trigger: { type: 'http', config: { auth: 'none' } },
      });
      expect(deployed).toEqual({
        function_id: functionId(APP_ID, 'from-mcp'),
        name: 'from-mcp',
        url: `${PUBLIC_BASE}/v1/${APP_ID}/fn/from-mcp`,
        status: 'deployed',
      });
      const invoked = await call('invoke_function', {
        app_id: APP_ID,
        name: 'from-mcp',
        method: 'GET',
        run_as: 'anonymous',
      });
      expect(invoked).toMatchObject({ status: 200, body: 'mcp ok' });
      const logs = await waitFor('the MCP invocation in get_logs', 30_000, async () => {
        const got = await call('manage_function', {
          app_id: APP_ID,
          action: 'get_logs',
          name: 'from-mcp',
          level: 'warn',
        });
        return got.lines.length > 0 ? got : undefined;
      });
      expect(logs.lines[0]).toMatchObject({
        invocation_id: invoked.invocation_id,
        level: 'warn',
        message: 'from mcp GET',
      });
    } finally {
      await client.close();
    }
  });
});
