import { createHmac } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDatabaseName } from '../../local/app-database.ts';
import { readSecretValues } from '../../local/secret-store.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { authenticatorUrl } from '../../runtime-image/src/db/authenticator.ts';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import { type Platform, startTestPlatform } from '../support/local-platform.ts';
import { waitFor } from '../support/wait.ts';
import { exchangeMessages } from '../support/websocket.ts';

/** Polls until `check` passes or the bound runs out. */
describe('local platform serving examples/', () => {
  let root: string;
  let platform: Platform;
  const printed: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-local-'));
    await cp(path.resolve('examples'), path.join(root, 'manifests'), { recursive: true });
    // An invalid manifest is reported and skipped; the rest serve.
    await writeFile(
      path.join(root, 'manifests', 'broken.yaml'),
      'apiVersion: butterbase.ai/v1alpha1\nkind: Function\nmetadata: { name: broken }\nspec: { appId: demo, code: "x", trigger: { type: cron, config: { schedule: "61 * * * *" } } }\n',
    );
    // A cron function: runs at the next minute boundary as the service role.
    await writeFile(
      path.join(root, 'manifests', 'tick.yaml'),
      [
        'apiVersion: butterbase.ai/v1alpha1',
        'kind: Function',
        'metadata: { name: tick }',
        'spec:',
        '  appId: demo',
        '  trigger: { type: cron, config: { schedule: "* * * * *" } }',
        '  code: |',
        '    export async function handler(req, ctx) {',
        "      const { rows } = await ctx.db.query('SELECT count(*)::int AS n FROM todos', []);",
        "      console.log('tick as', ctx.user === null ? 'service' : 'user', 'sees', rows[0].n);",
        "      return new Response('ticked');",
        '    }',
        '',
      ].join('\n'),
    );
    // A second app on the same embedded Postgres, with a table of its own.
    await writeFile(
      path.join(root, 'manifests', 'other.yaml'),
      [
        'apiVersion: butterbase.ai/v1alpha1',
        'kind: App',
        'metadata: { name: other }',
        'spec:',
        '  appId: other',
        '  database: { migrations: ["CREATE TABLE vault (v text); INSERT INTO vault VALUES (\'other secret\')"] }',
        '---',
        'apiVersion: butterbase.ai/v1alpha1',
        'kind: Function',
        'metadata: { name: peek }',
        'spec:',
        '  appId: other',
        '  trigger: { type: http, config: { method: GET, auth: none } }',
        '  code: |',
        '    export async function handler(req, ctx) {',
        "      const { rows } = await ctx.db.query('SELECT v FROM vault', []);",
        '      return Response.json(rows);',
        '    }',
        '',
      ].join('\n'),
    );
    platform = await startTestPlatform({
      manifestsDir: path.join(root, 'manifests'),
      dataDir: path.join(root, 'data'),
      print: (line) => printed.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown('test');
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('reports the invalid manifest by file and field and serves the rest', async () => {
    expect(printed.some((l) => l.includes('broken.yaml') && l.includes('spec.trigger.config.schedule'))).toBe(
      true,
    );
    const response = await fetch(`${platform.url}/v1/demo/fn/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it("gives each app a login of its own that cannot reach another app's database", async () => {
    const peek = await fetch(`${platform.url}/v1/other/fn/peek`);
    expect(await peek.json()).toEqual([{ v: 'other secret' }]);
    const url = (appId: string) => databaseUrl(platform.postgres.url, appDatabaseName(appId));
    for (const [own, other] of [
      ['demo', 'other'],
      ['other', 'demo'],
    ]) {
      const login = new URL(authenticatorUrl(url(own!)));
      login.pathname = `/${appDatabaseName(other!)}`;
      const client = new pg.Client({ connectionString: login.toString() });
      const refused = await client.connect().then(
        () => 'connected',
        (error: { code?: string }) => error.code,
      );
      await client.end().catch(() => {});
      expect(refused).toBe('42501'); // permission denied for database
    }
  });

  it('keeps each user to their own todos through RLS, while the API key sees all', async () => {
    const secret = platform.secrets.demo!;
    const alice = await signUserToken({ secret: secret.jwtSecret, userId: 'alice', expiresIn: 600 });
    const bob = await signUserToken({ secret: secret.jwtSecret, userId: 'bob', expiresIn: 600 });
    const post = (token: string, title: string) =>
      fetch(`${platform.url}/v1/demo/todos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ title }),
      });
    expect((await post(alice, 'alice todo')).status).toBeLessThan(300);
    expect((await post(bob, 'bob todo')).status).toBeLessThan(300);
    const list = async (token: string) =>
      (await (
        await fetch(`${platform.url}/v1/demo/todos`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { title: string }[];
    expect((await list(alice)).map((t) => t.title)).toEqual(['alice todo']);
    expect((await list(bob)).map((t) => t.title)).toEqual(['bob todo']);
    expect((await list(secret.apiKey)).map((t) => t.title).sort()).toEqual(['alice todo', 'bob todo']);
    expect((await fetch(`${platform.url}/v1/demo/todos`)).status).toBe(401);
  });

  it('acknowledges a retried webhook without redoing it', async () => {
    const send = () =>
      fetch(`${platform.url}/v1/demo/webhooks/stripe`, {
        method: 'POST',
        body: JSON.stringify({ id: `evt_${root}` }),
      });
    expect(await (await send()).text()).toBe('ok');
    expect(await (await send()).text()).toBe('duplicate');
  });

  it('verifies the github-webhook example with the secret it made up, and dedupes its redelivery', async () => {
    expect(printed.some((l) => l.includes('made a local signing secret for demo/github-webhook'))).toBe(true);
    const secret = (await readSecretValues(path.join(root, 'data'), 'demo'))['github-webhook']?.secret;
    expect(secret).toBeTruthy();
    const body = JSON.stringify({ action: 'opened', repository: { full_name: 'octo/hello' } });
    const send = (signature: string) =>
      fetch(`${platform.url}/v1/demo/webhooks/github`, {
        method: 'POST',
        headers: {
          'x-hub-signature-256': signature,
          'x-github-event': 'issues',
          'x-github-delivery': 'gh-1',
        },
        body,
      });
    const good = `sha256=${createHmac('sha256', secret!).update(body).digest('hex')}`;
    expect(await (await send(good)).json()).toEqual({ received: 'issues', delivery: 'gh-1' });
    expect(await (await send(good)).text()).toBe('duplicate');
    const forged = await send(`sha256=${'0'.repeat(64)}`);
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('answers each websocket message with its own invocation, and refuses plain HTTP with 426', async () => {
    const replies = await exchangeMessages(`${platform.url.replace('http', 'ws')}/v1/demo/fn/echo-socket`, [
      'one',
      'two',
    ]);
    expect(replies).toEqual(['echo: one', 'echo: two']);
    const plain = await fetch(`${platform.url}/v1/demo/fn/echo-socket`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('HTTP_UPGRADE_REQUIRED');
  });

  it('runs a cron function on its schedule as the service role, and records the run', async () => {
    await waitFor('the cron run to be printed', 75_000, async () => {
      expect(printed).toContain('cron demo/tick: 200');
      return true;
    });
    const pool = new pg.Pool({
      connectionString: databaseUrl(platform.postgres.url, appDatabaseName('demo')),
      max: 1,
    });
    try {
      await waitFor('the cron run to be recorded', 10_000, async () => {
        const [run] = await queryInvocations(pool, { appId: 'demo', functionName: 'tick' });
        expect(run).toMatchObject({ trigger: 'cron', outcome: 'ok', userId: null });
        expect(run?.lines[0]?.message).toMatch(/^tick as service sees \d+$/);
        return true;
      });
    } finally {
      await pool.end();
    }
  }, 90_000);

  it('hot-reloads an edited handler and keeps serving through a broken edit', async () => {
    const file = path.join(root, 'manifests', 'hello', 'function.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('hello: "world"', 'hello: "reloaded"'));
    await waitFor('the edited handler to serve', 10_000, async () => {
      expect(await (await fetch(`${platform.url}/v1/demo/fn/hello`)).json()).toEqual({ hello: 'reloaded' });
      return true;
    });
    await writeFile(file, original.replace('const data', 'const data = ;'));
    await waitFor('the broken edit to be reported', 10_000, async () =>
      printed.some((l) => l.includes('demo/hello') && l.includes('VALIDATION_SYNTAX_ERROR')),
    );
    const response = await fetch(`${platform.url}/v1/demo/fn/hello`);
    expect(await response.json()).toEqual({ hello: 'reloaded' });
  });
});
