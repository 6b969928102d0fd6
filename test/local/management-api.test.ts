import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionId } from '../../api/v1alpha1/urls.ts';
import { type Platform, startTestPlatform } from '../support/local-platform.ts';
import { SEED_DEPLOY_INPUT } from '../support/seed-example.ts';

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON, read loosely and asserted on
type Json = any;

const APPS = `apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: abc }
spec: { appId: app_abc123 }
---
apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: other }
spec: { appId: other }
`;

const WELCOME_CODE = `export async function handler(req, ctx) {
  const { email } = await req.json();
  console.log('welcome', email, 'from', ctx.user ? ctx.user.id : 'service');
  console.warn('sent');
  return new Response(JSON.stringify({ sent: email, user: ctx.user, greeting: ctx.env.GREETING ?? null }), {
    headers: { 'Content-Type': 'application/json' },
  });
}
`;

describe('the management API on the local platform', () => {
  let root: string;
  let platform: Platform;
  let key: string;
  let otherKey: string;

  const api = (method: string, url: string, body?: unknown, bearer: string | null = key) =>
    fetch(`${platform.url}${url}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Json,
  });

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-mgmt-'));
    await writeFile(path.join(root, 'apps.yaml'), APPS);
    platform = await startTestPlatform({
      manifestsDir: root,
      dataDir: path.join(root, '.data'),
    });
    key = platform.secrets.app_abc123!.apiKey;
    otherKey = platform.secrets.other!.apiKey;
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown('test');
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('answers the seed example verbatim with the syntax error of its placeholder code, with line and column', async () => {
    const { status, body } = await json(await api('POST', '/v1/app_abc123/functions', SEED_DEPLOY_INPUT));
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_SYNTAX_ERROR');
    expect(body.error.details).toMatchObject({ line: 1, column: expect.any(Number) });
  });

  it("deploys the seed's example (its code filled in) and answers exactly the seed's output", async () => {
    const { status, body } = await json(
      await api('POST', '/v1/app_abc123/functions', { ...SEED_DEPLOY_INPUT, code: WELCOME_CODE }),
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      function_id: functionId('app_abc123', 'send-welcome-email'),
      name: 'send-welcome-email',
      url: `${platform.url}/v1/app_abc123/fn/send-welcome-email`,
      status: 'deployed',
    });
    expect(body.function_id).toMatch(/^fn_[a-z0-9]{12}$/);
    // The directory stays the source of truth: the manifest is there.
    const manifest = await readFile(
      path.join(root, 'app_abc123', 'send-welcome-email.function.yaml'),
      'utf8',
    );
    expect(manifest).toContain('kind: Function');
    expect(manifest).toContain("console.warn('sent');");
    // It serves at its URL and at its extra route.
    const served = await fetch(`${platform.url}/v1/app_abc123/welcome`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ email: 'a@example.com' }),
    });
    expect(await served.json()).toMatchObject({ sent: 'a@example.com', user: null });
  });

  it('redeploys the same name in place: same function_id, new code serving, the bad code refused', async () => {
    const first = await json(await api('GET', '/v1/app_abc123/functions/send-welcome-email'));
    const redeployed = await json(
      await api('PUT', '/v1/app_abc123/functions/send-welcome-email', {
        ...SEED_DEPLOY_INPUT,
        code: WELCOME_CODE.replace("'welcome'", "'hello again'"),
        envVars: { GREETING: 'hi' },
      }),
    );
    expect(redeployed.body).toMatchObject({ function_id: first.body.function_id, status: 'deployed' });
    const invoked = await json(
      await api('POST', '/v1/app_abc123/functions/send-welcome-email/invoke', {
        body: '{"email":"b@example.com"}',
      }),
    );
    expect(JSON.parse(invoked.body.body)).toMatchObject({ greeting: 'hi' });
    expect(invoked.body.logs[0].message).toContain('hello again');

    const broken = await json(
      await api('POST', '/v1/app_abc123/functions', {
        ...SEED_DEPLOY_INPUT,
        code: 'export async function handler(req) {\n  return new Response(;\n}',
      }),
    );
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({
      code: 'VALIDATION_SYNTAX_ERROR',
      details: { line: 2, column: expect.any(Number) },
    });
    const noHandler = await json(
      await api('POST', '/v1/app_abc123/functions', { ...SEED_DEPLOY_INPUT, code: 'export const x = 1;' }),
    );
    expect(noHandler.body.error.code).toBe('VALIDATION_INVALID_SCHEMA');
    // The previous version keeps serving.
    const after = await json(
      await api('POST', '/v1/app_abc123/functions/send-welcome-email/invoke', {
        body: '{"email":"c@example.com"}',
      }),
    );
    expect(after.body.logs[0].message).toContain('hello again');
  });

  it('invokes as the service, a user or anonymous, with the invocation id, duration and console lines', async () => {
    const invoke = (request: Record<string, unknown>) =>
      api('POST', '/v1/app_abc123/functions/send-welcome-email/invoke', {
        method: 'POST',
        body: '{"email":"d@example.com"}',
        ...request,
      }).then(json);
    const asService = await invoke({ run_as: 'service' });
    expect(asService.status).toBe(200);
    expect(asService.body).toMatchObject({
      invocation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 200,
      outcome: 'ok',
      error: null,
      duration_ms: expect.any(Number),
      headers: expect.objectContaining({ 'content-type': 'application/json' }),
    });
    expect(JSON.parse(asService.body.body)).toMatchObject({ user: null });
    expect(asService.body.logs.map((l: { level: string }) => l.level)).toEqual(['info', 'warn']);

    const asUser = await invoke({ run_as: 'user', user_id: 'alice' });
    expect(JSON.parse(asUser.body.body)).toMatchObject({ user: { id: 'alice' } });
    expect(asUser.body.logs[0].message).toContain('from alice');

    const anonymous = await invoke({ run_as: 'anonymous' });
    expect(anonymous.body.status).toBe(401);
    expect(JSON.parse(anonymous.body.body).error.code).toBe('AUTH_REQUIRED');

    const userWithoutId = await invoke({ run_as: 'user' });
    expect(userWithoutId.body.error.code).toBe('VALIDATION_INVALID_REQUEST');
  });

  it('get_logs returns an invocation’s console lines, newest first, with its outcome; get_invocation the record', async () => {
    const invoked = await json(
      await api('POST', '/v1/app_abc123/functions/send-welcome-email/invoke', {
        body: '{"email":"logs@example.com"}',
      }),
    );
    const id = invoked.body.invocation_id as string;
    const all = await json(await api('GET', '/v1/app_abc123/functions/send-welcome-email/logs?limit=2'));
    expect(all.body.lines).toHaveLength(2);
    expect(all.body.lines[0]).toMatchObject({
      invocation_id: id,
      level: 'warn',
      message: 'sent',
      status: 200,
      outcome: 'ok',
      error: null,
    });
    expect(all.body.lines[1]).toMatchObject({
      invocation_id: id,
      level: 'info',
      function_name: 'send-welcome-email',
    });
    expect(all.body.lines[0].duration_ms).toBeGreaterThan(0);

    const byId = await json(
      await api('GET', `/v1/app_abc123/functions/send-welcome-email/logs?invocation_id=${id}`),
    );
    expect(byId.body.lines.map((l: { message: string }) => l.message)).toEqual([
      'sent',
      'hello again logs@example.com from service',
    ]);
    const warnOnly = await json(
      await api('GET', `/v1/app_abc123/functions/send-welcome-email/logs?level=warn&invocation_id=${id}`),
    );
    expect(warnOnly.body.lines.map((l: { level: string }) => l.level)).toEqual(['warn']);
    const byText = await json(
      await api('GET', '/v1/app_abc123/functions/send-welcome-email/logs?text=LOGS%40EXAMPLE'),
    );
    expect(byText.body.lines.every((l: { invocation_id: string }) => l.invocation_id === id)).toBe(true);
    expect(byText.body.lines).toHaveLength(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await json(
      await api('GET', `/v1/app_abc123/functions/send-welcome-email/logs?since=${future}`),
    );
    expect(none.body.lines).toEqual([]);
    const past = await json(
      await api('GET', `/v1/app_abc123/functions/send-welcome-email/logs?until=2000-01-01T00:00:00Z`),
    );
    expect(past.body.lines).toEqual([]);

    const record = await json(await api('GET', `/v1/app_abc123/invocations/${id}`));
    expect(record.body).toMatchObject({
      invocation_id: id,
      function_name: 'send-welcome-email',
      status: 200,
      outcome: 'ok',
      trigger: 'http',
    });
    expect(record.body.logs).toHaveLength(2);
  });

  it('lists, gets and deletes; a deleted function stops answering and its file goes', async () => {
    await json(
      await api('POST', '/v1/app_abc123/functions', {
        app_id: 'app_abc123',
        name: 'temp',
        code: 'export async function handler() { return new Response("t"); }',
        trigger: { type: 'http', config: { auth: 'none' } },
      }),
    );
    const list = await json(await api('GET', '/v1/app_abc123/functions'));
    expect(list.body.functions.map((f: { name: string }) => f.name).sort()).toEqual([
      'send-welcome-email',
      'temp',
    ]);
    const got = await json(await api('GET', '/v1/app_abc123/functions/send-welcome-email'));
    expect(got.body).toMatchObject({
      status: 'deployed',
      env_var_names: ['GREETING'],
      trigger: { type: 'http', config: { method: 'POST' } },
    });
    expect(got.body.code).toContain('hello again');

    expect((await fetch(`${platform.url}/v1/app_abc123/fn/temp`)).status).toBe(200);
    const deleted = await json(await api('DELETE', '/v1/app_abc123/functions/temp'));
    expect(deleted.body).toEqual({ name: 'temp', deleted: true });
    expect((await fetch(`${platform.url}/v1/app_abc123/fn/temp`)).status).toBe(404);
    await expect(stat(path.join(root, 'app_abc123', 'temp.function.yaml'))).rejects.toThrow();
    expect((await json(await api('GET', '/v1/app_abc123/functions/temp'))).body.error.code).toBe(
      'RESOURCE_NOT_FOUND',
    );
  });

  it('answers every error as {"error":{"code","message"}} with a stable code', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [api('GET', '/v1/app_abc123/functions', undefined, null), 401, 'AUTH_REQUIRED'],
      [api('GET', '/v1/app_abc123/functions', undefined, 'bb_sk_wrong'), 401, 'AUTH_INVALID_API_KEY'],
      [
        api('POST', '/v1/app_nope/functions', {
          ...SEED_DEPLOY_INPUT,
          app_id: 'app_nope',
          code: WELCOME_CODE,
        }),
        404,
        'RESOURCE_NOT_FOUND',
      ],
      [api('GET', '/v1/app_abc123/functions/nope'), 404, 'RESOURCE_NOT_FOUND'],
      [
        api('GET', '/v1/app_abc123/invocations/0190a0b0-0000-7000-8000-000000000000'),
        404,
        'RESOURCE_NOT_FOUND',
      ],
      [api('POST', '/v1/app_abc123/functions', '{not json'), 400, 'VALIDATION_INVALID_REQUEST'],
      [
        api('POST', '/v1/app_abc123/functions', { ...SEED_DEPLOY_INPUT, extra: 1 }),
        400,
        'VALIDATION_INVALID_REQUEST',
      ],
      [
        api('POST', '/v1/app_abc123/functions', { ...SEED_DEPLOY_INPUT, name: 'Bad_Name' }),
        400,
        'VALIDATION_INVALID_REQUEST',
      ],
      [
        api('POST', '/v1/app_abc123/functions', { ...SEED_DEPLOY_INPUT, app_id: 'other' }),
        400,
        'VALIDATION_INVALID_REQUEST',
      ],
      [
        api('POST', '/v1/app_abc123/functions', {
          ...SEED_DEPLOY_INPUT,
          name: 'squatter',
          code: WELCOME_CODE,
          trigger: { type: 'http', config: { path: '/functions' } },
        }),
        400,
        'VALIDATION_INVALID_REQUEST',
      ],
      [
        api('POST', '/v1/app_abc123/functions', { ...SEED_DEPLOY_INPUT, name: 'twin', code: WELCOME_CODE }),
        409,
        'VALIDATION_ROUTE_CONFLICT',
      ],
      [
        api('POST', '/v1/app_abc123/functions', {
          ...SEED_DEPLOY_INPUT,
          name: 's3',
          code: WELCOME_CODE,
          trigger: { type: 's3_upload' },
        }),
        400,
        'VALIDATION_UNSUPPORTED_TRIGGER',
      ],
      [
        api('GET', '/v1/app_abc123/functions/send-welcome-email/logs?level=loud'),
        400,
        'VALIDATION_INVALID_REQUEST',
      ],
    ];
    for (const [request, status, code] of cases) {
      const { status: got, body } = await json(await request);
      expect([got, body.error?.code], JSON.stringify(body)).toEqual([status, code]);
      expect(typeof body.error.message).toBe('string');
    }
  });

  it("keeps apps apart: one app's key never sees another app's functions or logs", async () => {
    for (const url of [
      '/v1/app_abc123/functions',
      '/v1/app_abc123/functions/send-welcome-email',
      '/v1/app_abc123/functions/send-welcome-email/logs',
    ]) {
      const { status, body } = await json(await api('GET', url, undefined, otherKey));
      expect([status, body.error.code]).toEqual([401, 'AUTH_INVALID_API_KEY']);
    }
    const invoke = await json(
      await api('POST', '/v1/app_abc123/functions/send-welcome-email/invoke', {}, otherKey),
    );
    expect(invoke.status).toBe(401);
    const own = await json(await api('GET', '/v1/other/functions', undefined, otherKey));
    expect(own.body).toEqual({ functions: [] });
  });

  it('serves an OpenAPI document made from the same schemas', async () => {
    const document = (await (await fetch(`${platform.url}/openapi.json`)).json()) as Json;
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/{appId}/functions',
        '/v1/{appId}/functions/{name}',
        '/v1/{appId}/invocations/{id}',
      ]),
    );
    const deploySchema =
      document.paths['/v1/{appId}/functions'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(deploySchema.properties)).toEqual(['app_id', 'name', 'code', 'trigger', 'envVars']);
    expect(deploySchema.required).toEqual(['name', 'code', 'trigger']);
    const output =
      document.paths['/v1/{appId}/functions'].post.responses['200'].content['application/json'].schema;
    expect(Object.keys(output.properties)).toEqual(['function_id', 'name', 'url', 'status']);
  });
});
