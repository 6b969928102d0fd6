/**
 * The product's main path on a real node: the chart's operator (a Deployment in the
 * cluster) deploys the examples' Functions from `kubectl apply`, pods run on the kubelet,
 * and requests reach them through Traefik at the URLs their status reports.
 */
import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { appDatabaseName, prepareAppDatabase } from '../../local/app-database.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { queryInvocations } from '../../runtime-image/src/invocations/query.ts';
import { waitFor } from '../support/wait.ts';
import { exchangeMessages } from '../support/websocket.ts';
import { createSecret, ingressWebsocketUrl, kubectl, kubectlOk, viaIngress } from './client.ts';
import { NODE_NETWORK } from './network.ts';
import { TRAEFIK_USER } from './traefik-rbac.ts';

const EXAMPLES = path.join(import.meta.dirname, '../../examples');
const namespace = `e2e-demo-${Date.now().toString(36)}`;
const JWT_SECRET = 'e2e-jwt-secret-of-enough-length-for-hs256';
// Platform API keys are `bb_sk_…` (the App reconciler leaves out anything else).
const API_KEYS = ['bb_sk_e2ekeyone0123456789abcdef', 'bb_sk_e2ekeytwo0123456789abcdef'];
// The github-webhook example's signing secret (its Secret, made below).
const GITHUB_SECRET = 'e2e github webhook secret';
const urls = new Map<string, string>();

interface FunctionObject {
  metadata: { name: string; generation?: number };
  status?: { url?: string; status?: string; observedGeneration?: number };
}

async function getFunction(name: string): Promise<FunctionObject> {
  return JSON.parse(await kubectlOk(['-n', namespace, 'get', 'fn', name, '-o', 'json'])) as FunctionObject;
}

/** Waits for the operator to report the Function's current generation deployed. */
async function deployedUrl(name: string): Promise<string> {
  return waitFor(`Function ${name} to be deployed`, 120_000, async () => {
    const fn = await getFunction(name);
    const { status } = fn;
    if (status?.status === 'deployed' && status.url && status.observedGeneration === fn.metadata.generation)
      return status.url;
    return undefined;
  });
}

/** Polls through the ingress until the Function answers `expected`; returns that response. */
async function firstAnswer(url: string, expected: number, init?: Parameters<typeof viaIngress>[1]) {
  return waitFor(
    `${url} to answer ${expected} through the ingress`,
    120_000,
    async () => {
      const response = await viaIngress(url, init);
      return response.status === expected ? response : undefined;
    },
    50,
  );
}

/** Replaces hello's handler with one that returns `body` (a JS expression) as JSON. */
async function setHelloCode(body: string) {
  const code = `export async function handler() {\n  return Response.json(${body});\n}\n`;
  await kubectlOk([
    '-n',
    namespace,
    'patch',
    'fn',
    'hello',
    '--type',
    'merge',
    '-p',
    JSON.stringify({ spec: { code } }),
  ]);
}

/** A short-lived pool on the examples' app database, as its owner (the App's migrations made its tables). */
async function withAppDatabase<T>(use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({
    connectionString: databaseUrl(inject('e2e').postgresUrl, appDatabaseName('demo')),
    max: 1,
  });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

const userToken = (userId: string) => signUserToken({ secret: JWT_SECRET, userId });

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', namespace]);
  const app = parse(await readFile(path.join(EXAMPLES, 'app.yaml'), 'utf8')) as {
    spec: {
      appId: string;
      database: { migrations?: string[]; urlSecretRef?: unknown };
      auth?: Record<string, unknown>;
    };
  };
  // The app database, bootstrapped as the local platform does it (roles, RLS helpers and
  // the App's migrations), reached by pods through the bridge address.
  const hostUrl = await prepareAppDatabase(
    inject('e2e').postgresUrl,
    app.spec.appId,
    app.spec.database.migrations ?? [],
    {
      user: 'butterbase_user',
      service: 'butterbase_service',
    },
  );
  expect(hostUrl).toContain(appDatabaseName(app.spec.appId));
  const podUrl = databaseUrl(inject('e2e').podPostgresUrl, appDatabaseName(app.spec.appId));
  const secret = (name: string, data: Record<string, string>) => createSecret(namespace, name, data);
  await secret('demo-database', { url: podUrl });
  await secret('demo-jwt', { secret: JWT_SECRET });
  await secret('demo-api-keys', { keys: API_KEYS.join(',') });
  await secret('github-webhook', { secret: GITHUB_SECRET });
  app.spec.database.urlSecretRef = { name: 'demo-database', key: 'url' };
  app.spec.auth = {
    jwt: { secretRef: { name: 'demo-jwt', key: 'secret' } },
    apiKeys: { secretRef: { name: 'demo-api-keys', key: 'keys' } },
  };
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(app));
  const dirs = (await readdir(EXAMPLES, { withFileTypes: true })).filter((d) => d.isDirectory());
  for (const dir of dirs)
    await kubectlOk(['-n', namespace, 'apply', '-f', path.join(EXAMPLES, dir.name, 'function.yaml')]);
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

describe('the examples through the ingress', () => {
  it('hello answers 200 {"hello":"world"} at the URL in its status', async () => {
    const url = await deployedUrl('hello');
    urls.set('hello', url);
    expect(url).toMatch(/\/v1\/demo\/fn\/hello$/);
    const response = await firstAnswer(url, 200);
    expect(JSON.parse(response.body)).toEqual({ hello: 'world' });
    expect(response.headers['content-type']).toContain('application/json');
  });

  it('kubectl get fn shows the URL and status; describe shows conditions', async () => {
    const table = await kubectlOk(['-n', namespace, 'get', 'fn', 'hello', '-o', 'wide']);
    expect(table).toContain(urls.get('hello') ?? '/v1/demo/fn/hello');
    expect(table).toMatch(/deployed/);
    const described = await kubectlOk(['-n', namespace, 'describe', 'fn', 'hello']);
    expect(described).toMatch(/Conditions:/);
    expect(described).toMatch(/Type:\s+Ready/);
    expect(described).toMatch(/Reason:\s+Available/);
  });

  it("todos: a user JWT sees only that user's rows", async () => {
    const url = await deployedUrl('todos');
    const [alice, bob] = [await userToken('alice'), await userToken('bob')];
    const post = (token: string, title: string) =>
      firstAnswer(url, 201, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
    await post(alice, 'alice one');
    await post(bob, 'bob one');
    const list = async (token: string) =>
      (
        JSON.parse((await firstAnswer(url, 200, { headers: { authorization: `Bearer ${token}` } })).body) as {
          title: string;
        }[]
      ).map((row) => row.title);
    expect(await list(alice)).toEqual(['alice one']);
    expect(await list(bob)).toEqual(['bob one']);
  });

  it("todos: the App's platform API key (spec.auth.apiKeys) sees every user's rows", async () => {
    const url = await deployedUrl('todos');
    const response = await firstAnswer(url, 200, { headers: { authorization: `Bearer ${API_KEYS[1]}` } });
    const titles = (JSON.parse(response.body) as { title: string }[]).map((row) => row.title);
    expect(titles).toEqual(expect.arrayContaining(['alice one', 'bob one']));
  });

  it('a code update rolls out under a bounded load with zero failed requests', async () => {
    const url = await deployedUrl('hello');
    await firstAnswer(url, 200);
    await setHelloCode('{ hello: "v2" }');
    // At most 60000 requests or 150 s, one at a time; it stops once the new code answered 50.
    const failures: string[] = [];
    let sawNew = 0;
    let sent = 0;
    const deadline = Date.now() + 150_000;
    while (sent < 60_000 && Date.now() < deadline && sawNew < 50) {
      const response = await viaIngress(url);
      sent++;
      if (response.status !== 200) failures.push(`${response.status} ${response.body.slice(0, 80)}`);
      else if (response.body.includes('v2')) sawNew++;
    }
    console.log(`e2e: rollout under load: ${sent} requests, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(sawNew).toBe(50);
  });

  it('a broken update keeps the old revision answering and says why in status and an Event', async () => {
    const url = await deployedUrl('hello');
    // The old pod of the last rollout serves on while it terminates (preStop): wait until
    // only v2 answers, 20 times in a row.
    let inARow = 0;
    await waitFor('only v2 to answer', 60_000, async () => {
      const response = await viaIngress(url);
      inARow = response.status === 200 && response.body.includes('v2') ? inARow + 1 : 0;
      return inARow >= 20 || undefined;
    });
    await setHelloCode('(');
    const fn = await waitFor('hello to be reported failed', 60_000, async () => {
      const stored = await getFunction('hello');
      return stored.status?.status === 'failed' ? stored : undefined;
    });
    const condition = (
      fn.status as { conditions?: { type: string; reason: string; message: string }[] }
    ).conditions!.find((c) => c.type === 'Ready');
    expect(condition).toMatchObject({ reason: 'CompileFailed' });
    expect(condition!.message).toMatch(/VALIDATION_SYNTAX_ERROR/);
    const response = await firstAnswer(url, 200);
    expect(JSON.parse(response.body)).toEqual({ hello: 'v2' });
    const events = await kubectlOk([
      '-n',
      namespace,
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=hello,reason=CompileFailed',
      '-o',
      'name',
    ]);
    expect(events.trim()).not.toBe('');
  });

  it('the stripe-webhook example acknowledges a retried event without redoing it', async () => {
    const url = (await deployedUrl('stripe-webhook')).replace(/\/fn\/stripe-webhook$/, '/webhooks/stripe');
    const event = { method: 'POST', body: JSON.stringify({ id: `evt_${namespace}`, type: 'invoice.paid' }) };
    expect((await firstAnswer(url, 200, event)).body).toBe('ok');
    expect((await viaIngress(url, event)).body).toBe('duplicate');
  });

  it('the github-webhook example verifies the signature on the raw bytes and dedupes a redelivery', async () => {
    const url = (await deployedUrl('github-webhook')).replace(/\/fn\/github-webhook$/, '/webhooks/github');
    const body = JSON.stringify({ action: 'opened', repository: { full_name: 'octo/e2e' } });
    const delivery = (secret: string) => ({
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': `d-${namespace}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
    const first = await firstAnswer(url, 200, delivery(GITHUB_SECRET));
    expect(JSON.parse(first.body)).toEqual({ received: 'issues', delivery: `d-${namespace}` });
    expect((await viaIngress(url, delivery(GITHUB_SECRET))).body).toBe('duplicate');
    const forged = await viaIngress(url, delivery('not the secret'));
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body).error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('the websocket example echoes through the ingress', async () => {
    const url = await deployedUrl('echo-socket');
    const replies = await waitFor('the echo through the ingress', 60_000, () =>
      exchangeMessages(ingressWebsocketUrl(url), ['hi', 'there']),
    );
    expect(replies).toEqual(['echo: hi', 'echo: there']);
  });

  it("the cron example's CronJob makes a Job whose pod runs and exits 0", async () => {
    // A cron Function has no URL: wait for it to be deployed only.
    await waitFor('cleanup-idempotency to be deployed', 120_000, async () => {
      const fn = await getFunction('cleanup-idempotency');
      return fn.status?.status === 'deployed' || undefined;
    });
    const cronJob = await waitFor('the CronJob', 60_000, async () => {
      const { ok, out } = await kubectl(['-n', namespace, 'get', 'cronjobs', '-o', 'name']);
      return ok && out.trim() ? out.trim().split('\n')[0] : undefined;
    });
    await kubectlOk(['-n', namespace, 'create', 'job', '--from', cronJob!, 'cleanup-now']);
    const succeeded = await waitFor('the Job to succeed', 120_000, async () => {
      const out = await kubectlOk([
        '-n',
        namespace,
        'get',
        'job',
        'cleanup-now',
        '-o',
        'jsonpath={.status.succeeded}',
      ]);
      return out === '1' ? out : undefined;
    });
    expect(succeeded).toBe('1');
    const logs = await kubectlOk(['-n', namespace, 'logs', 'job/cleanup-now']);
    expect(logs).toMatch(/deleted \d+ expired idempotency keys/);
    // The run is an invocation of its own, with its console lines, in the App's database.
    const stored = await waitFor('the cron invocation and its lines to be stored', 60_000, async () => {
      const [found] = await withAppDatabase((pool) =>
        queryInvocations(pool, { appId: 'demo', functionName: 'cleanup-idempotency' }),
      );
      return found && found.lines.length > 0 ? found : undefined;
    });
    expect(stored).toMatchObject({ trigger: 'cron', outcome: 'ok', userId: null });
    expect(stored.lines.map((line) => line.message).join('\n')).toMatch(
      /deleted \d+ expired idempotency keys/,
    );
  });

  it('send-welcome-email answers at once and its ctx.waitUntil work lands in the outbox', async () => {
    const url = (await deployedUrl('send-welcome-email')).replace(/\/fn\/send-welcome-email$/, '/welcome');
    const recipient = `ada-${namespace}@example.com`;
    const response = await firstAnswer(url, 200, {
      method: 'POST',
      headers: { authorization: `Bearer ${await userToken('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: recipient }),
    });
    expect(JSON.parse(response.body)).toEqual({ accepted: true });
    const row = await waitFor('the outbox row written in the background', 60_000, async () => {
      const { rows } = await withAppDatabase((pool) =>
        pool.query('SELECT requested_by, recipient FROM outbox WHERE recipient = $1', [recipient]),
      );
      return rows[0];
    });
    expect(row).toEqual({ requested_by: 'alice', recipient });
  });

  it('deleting a Function removes its route: its URL then answers 404', async () => {
    // Still failed from the broken update: the URL is in its status all the same.
    const url = (await getFunction('hello')).status!.url!;
    await firstAnswer(url, 200);
    await kubectlOk(['-n', namespace, 'delete', 'fn', 'hello', '--wait=true']);
    const response = await firstAnswer(url, 404);
    expect(response.status).toBe(404);
  });
});

describe('the node', () => {
  it.skipIf(!inject('e2e').ownNode)(
    'runs Traefik as its own user: it reads Ingresses and writes nothing else',
    async () => {
      const can = async (...args: string[]) =>
        (await kubectl(['auth', 'can-i', ...args, '--as', TRAEFIK_USER])).ok;
      expect(await can('watch', 'ingresses.networking.k8s.io')).toBe(true);
      expect(await can('list', 'endpointslices.discovery.k8s.io')).toBe(true);
      expect(await can('update', 'ingresses.networking.k8s.io', '--subresource=status')).toBe(true);
      expect(await can('update', 'ingresses.networking.k8s.io')).toBe(false);
      expect(await can('create', 'pods')).toBe(false);
      expect(await can('get', 'functions.butterbase.ai')).toBe(false);
    },
  );

  // Only on the node this run built: another cluster's pods live on its own network.
  it.skipIf(!inject('e2e').ownNode)('runs the pods on its own bridge', async () => {
    const ips = await kubectlOk(['-n', namespace, 'get', 'pods', '-o', 'jsonpath={.items[*].status.podIP}']);
    const prefix = NODE_NETWORK.podCidr.split('.').slice(0, 3).join('.');
    expect(
      ips
        .split(' ')
        .filter(Boolean)
        .every((ip) => ip.startsWith(`${prefix}.`)),
    ).toBe(true);
  });
});
