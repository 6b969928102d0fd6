/**
 * The App controller on the real control plane, with the test run's real Postgres: an
 * App's database is bootstrapped and its migrations run once each; a refused one is
 * reported with its index and Postgres's message; a database that is down is a
 * reported, retried condition; the API keys reach the pods' spec, and editing them
 * rolls the pods; the pods get the app's own authenticator login and never the admin
 * URL; two apps on one Postgres cannot reach each other's database, and a function of
 * one, run from its pod template, reads only its own rows.
 */
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppStatus } from '../../api/v1alpha1/status.types.ts';
import { AppController } from '../../operator/src/controller/app-controller.ts';
import { FunctionController } from '../../operator/src/controller/function-controller.ts';
import { AppCluster } from '../../operator/src/kube/app-cluster.ts';
import { Cluster } from '../../operator/src/kube/cluster.ts';
import { SecretWatch } from '../../operator/src/kube/secret-watch.ts';
import { credentialsRevision } from '../../operator/src/resources/app-secret.ts';
import { CREDENTIALS_ANNOTATION } from '../../operator/src/resources/runtime-pod.ts';
import type { OperatorSettings } from '../../operator/src/settings.ts';
import { authenticatorRole } from '../../runtime-image/src/db/authenticator.ts';
import { createTestDatabase, type TestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { withClient } from '../../runtime-image/src/db/with-client.ts';
import { RUNTIME_ENV } from '../../runtime-image/src/runtime-env.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { kubectl } from './kubectl.ts';
import { launchPodTemplate } from './pod-template-process.ts';

const namespace = butterbaseNamespace('app-controller');
const settings: OperatorSettings = {
  runtimeImage: 'butterbase-functions/runtime:test',
  imagePullPolicy: 'IfNotPresent',
  publicBaseUrl: 'https://fn.example.com',
  ingress: { className: 'butterbase' },
  runtimeResources: { cpuRequest: '100m', cpuLimit: '1' },
};
const log = pino({ level: 'silent' });
const kc = new k8s.KubeConfig();
const databases: Record<'shop' | 'blog' | 'broken', TestDatabase> = {} as never;
let apps: AppController | undefined;
let functions: FunctionController | undefined;

const NOTES = (owner: string) => `CREATE TABLE notes (v text); INSERT INTO notes VALUES ('${owner} row')`;
const COUNTER = 'CREATE TABLE counter (n int); INSERT INTO counter VALUES (1)';

function appYaml(name: string, secret: string, migrations: string[], extra = ''): string {
  return `apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: ${name} }
spec:
  appId: ${name}
  database:
    urlSecretRef: { name: ${secret}, key: url }
    migrations: ${JSON.stringify(migrations)}
${extra}`;
}

async function apply(yaml: string): Promise<void> {
  const applied = await kubectl(['apply', '-n', namespace, '-f', '-'], yaml);
  expect(applied.ok, applied.out).toBe(true);
}

async function setSecret(name: string, data: Record<string, string>): Promise<void> {
  const literals = Object.entries(data).map(([key, value]) => `--from-literal=${key}=${value}`);
  const made = await kubectl([
    'create',
    'secret',
    'generic',
    name,
    '-n',
    namespace,
    ...literals,
    '--dry-run=client',
    '-o',
    'yaml',
  ]);
  expect(made.ok, made.out).toBe(true);
  await apply(made.out);
}

async function get<T>(kind: string, name: string): Promise<T> {
  const result = await kubectl(['get', kind, name, '-n', namespace, '-o', 'json']);
  if (!result.ok) throw new Error(result.out);
  return JSON.parse(result.out) as T;
}

const appStatus = async (name: string) => (await get<{ status?: AppStatus }>('app', name)).status;
const condition = (status: AppStatus | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);

async function secretData(name: string): Promise<Record<string, string>> {
  const secret = await get<{ data: Record<string, string> }>('secret', name);
  return Object.fromEntries(
    Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
  );
}

async function eventReasons(object: string): Promise<string[]> {
  const events = await kubectl([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${object},involvedObject.kind=App`,
    '-o',
    'jsonpath={range .items[*]}{.type}/{.reason}{"\\n"}{end}',
  ]);
  return events.out.split('\n').filter(Boolean);
}

type Deployment = k8s.V1Deployment;
const podTemplate = async () => (await get<Deployment>('deploy', 'fn-orders')).spec!.template;

async function rows<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  return await withClient(url, async (client) => (await client.query<R>(text)).rows);
}

beforeAll(async () => {
  kc.loadFromFile(inject('kubeconfig'));
  const server = inject('postgresUrl');
  for (const name of ['shop', 'blog', 'broken'] as const)
    databases[name] = await createTestDatabase(server, `bbfn_kube_${name}`);
  await setSecret('shop-db', { url: databases.shop.url });
  await setSecret('blog-db', { url: databases.blog.url });
  await setSecret('broken-db', { url: databases.broken.url });
  await setSecret('down-db', { url: 'postgres://postgres:postgres@127.0.0.1:1/nothing' });
  await setSecret('shop-keys', { keys: 'bb_sk_one\nbb_sk_two' });
  await apply(
    appYaml(
      'shop',
      'shop-db',
      [NOTES('shop'), COUNTER],
      '  auth:\n    apiKeys: { secretRef: { name: shop-keys, key: keys } }\n',
    ),
  );
  await apply(appYaml('blog', 'blog-db', [NOTES('blog')]));
  await apply(
    appYaml('broken', 'broken-db', ['CREATE TABLE a (x int)', 'SELEC 1', 'CREATE TABLE b (x int)']),
  );
  await apply(appYaml('down', 'down-db', []));
  await setSecret('mistyped-db', { url: 'mysql://root@db/app' });
  await apply(appYaml('mistyped', 'mistyped-db', []));
  await apply(`apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata: { name: orders }
spec:
  appId: shop
  trigger: { type: http, config: { method: GET, auth: required } }
  code: |
    export async function handler(req, ctx) {
      const notes = await ctx.db.query('SELECT v FROM notes', []);
      const where = await ctx.db.query('SELECT current_database() AS db', []);
      return Response.json({ notes: notes.rows, db: where.rows[0].db, user: ctx.user });
    }
`);
  const cluster = new Cluster(kc);
  apps = new AppController(kc, cluster, new AppCluster(kc), new SecretWatch(kc, log), log);
  functions = new FunctionController(kc, cluster, settings, log);
  await Promise.all([apps.start(), functions.start()]);
});

afterAll(async () => {
  await Promise.all([apps?.stop(), functions?.stop()]);
  // The namespace goes first (butterbaseNamespace), then nothing is connected to these.
  await Promise.all(Object.values(databases).map((db) => db.drop()));
});

describe('the App controller', () => {
  it('bootstraps the database and runs each migration once, in order; a new one runs alone', async () => {
    const status = await waitFor('shop to be Ready', 60_000, async () => {
      const s = await appStatus('shop');
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    });
    expect(status).toMatchObject({ migrationsApplied: 2, observedGeneration: 1 });
    expect(condition(status, 'DatabaseReady')).toMatchObject({ status: 'True', reason: 'DatabaseReady' });
    expect(await rows(databases.shop.url, 'SELECT v FROM notes')).toEqual([{ v: 'shop row' }]);
    expect(await eventReasons('shop')).toEqual(
      expect.arrayContaining(['Normal/MigrationsApplied', 'Normal/DatabaseReady', 'Normal/Ready']),
    );

    // A third entry: the first two (CREATE TABLE, not re-runnable) must not run again.
    await apply(
      appYaml(
        'shop',
        'shop-db',
        [NOTES('shop'), COUNTER, 'UPDATE counter SET n = n + 10'],
        '  auth:\n    apiKeys: { secretRef: { name: shop-keys, key: keys } }\n',
      ),
    );
    const after = await waitFor('the third migration', 60_000, async () => {
      const s = await appStatus('shop');
      return s?.observedGeneration === 2 ? s : undefined;
    });
    expect(after).toMatchObject({ migrationsApplied: 3 });
    expect(condition(after, 'Ready')?.status).toBe('True');
    expect(await rows(databases.shop.url, 'SELECT n FROM counter')).toEqual([{ n: 11 }]);
    expect(await rows(databases.shop.url, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1 }]);
  });

  it('reports a refused migration with its index and the Postgres message, and runs none after it', async () => {
    const status = await waitFor('broken to report its migration', 60_000, async () => {
      const s = await appStatus('broken');
      return s?.failedMigration ? s : undefined;
    });
    expect(status).toMatchObject({
      migrationsApplied: 1,
      failedMigration: { index: 1, message: 'syntax error at or near "SELEC"' },
    });
    expect(condition(status, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'MigrationFailed' });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'DatabaseNotReady' });
    expect(await eventReasons('broken')).toContain('Warning/MigrationFailed');
    expect(await rows(databases.broken.url, "SELECT to_regclass('b') IS NULL AS missing")).toEqual([
      { missing: true },
    ]);
  });

  it('drops failedMigration from status once the migration is fixed (the status is replaced, not merged)', async () => {
    await apply(
      appYaml('broken', 'broken-db', ['CREATE TABLE a (x int)', 'SELECT 1', 'CREATE TABLE b (x int)']),
    );
    const status = await waitFor('broken to be ready', 60_000, async () => {
      const s = await appStatus('broken');
      return condition(s, 'Ready')?.status === 'True' ? s : undefined;
    });
    expect(status.migrationsApplied).toBe(3);
    expect(status).not.toHaveProperty('failedMigration');
  });

  it('reports a database that is down, or a URL that is none, as a condition, and keeps reconciling the others', async () => {
    const status = await waitFor('down to report its database', 60_000, async () => {
      const s = await appStatus('down');
      return condition(s, 'DatabaseReady')?.reason === 'DatabaseUnavailable' ? s : undefined;
    });
    expect(condition(status, 'DatabaseReady')!.message).toMatch(/cannot be reached: .*ECONNREFUSED/);
    expect(condition(status, 'Ready')?.status).toBe('False');
    expect(await eventReasons('down')).toContain('Warning/DatabaseUnavailable');
    expect(condition(await appStatus('blog'), 'Ready')?.status).toBe('True');
    const mistyped = await waitFor('mistyped to report its URL', 60_000, async () =>
      condition(await appStatus('mistyped'), 'DatabaseReady'),
    );
    expect(mistyped).toMatchObject({
      status: 'False',
      reason: 'InvalidDatabaseUrl',
      message: 'The database URL must start with postgres:// (got mysql://) (Secret mistyped-db key url)',
    });
  });

  it("gives the pods the App's API keys, and rolls them when the keys change", async () => {
    expect((await secretData('bbfn-app-shop'))['api-keys']).toBe('bb_sk_one,bb_sk_two');
    const before = await waitFor('the credentials on the pod template', 60_000, async () => {
      const template = await podTemplate();
      const revision = (await appStatus('shop'))?.credentialsRevision;
      return revision && template.metadata?.annotations?.[CREDENTIALS_ANNOTATION] === revision
        ? template
        : undefined;
    });
    expect(before.spec!.containers[0]!.env).toContainEqual({
      name: RUNTIME_ENV.apiKeys,
      valueFrom: { secretKeyRef: { name: 'bbfn-app-shop', key: 'api-keys', optional: true } },
    });
    // One new key, and an entry that is no API key at all: reported, and left out.
    await setSecret('shop-keys', { keys: 'bb_sk_three,\nnot-a-key' });
    await waitFor(
      'the new keys in the runtime Secret',
      60_000,
      async () => (await secretData('bbfn-app-shop'))['api-keys'] === 'bb_sk_three',
    );
    const rolled = await waitFor('the pods to roll', 60_000, async () => {
      const annotation = (await podTemplate()).metadata?.annotations?.[CREDENTIALS_ANNOTATION];
      return annotation && annotation !== before.metadata!.annotations![CREDENTIALS_ANNOTATION]
        ? annotation
        : undefined;
    });
    const status = await appStatus('shop');
    expect(rolled).toBe(status?.credentialsRevision);
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidApiKeys',
      message: expect.stringMatching(/entry 2 is not a platform API key/),
    });
    expect(await eventReasons('shop')).toEqual(
      expect.arrayContaining(['Normal/CredentialsChanged', 'Warning/InvalidApiKeys']),
    );
  });

  it("gives the pods the App's JWT secret from its runtime Secret, and rolls them when it is edited", async () => {
    const revision = async () => (await podTemplate()).metadata?.annotations?.[CREDENTIALS_ANNOTATION];
    // The pods' revision once they carry this JWT secret (and whatever else the runtime Secret holds).
    const rolledFor = async (jwtSecret: string) => {
      const data = await secretData('bbfn-app-shop');
      if (data['jwt-secret'] !== jwtSecret) return undefined;
      const expected = credentialsRevision({
        sandboxDatabaseUrl: data['sandbox-database-url'],
        apiKeys: data['api-keys']?.split(','),
        jwtSecret,
      });
      return (await revision()) === expected ? expected : undefined;
    };
    // Valid keys again (the test before left an invalid entry), so Ready speaks of the JWT secret.
    await setSecret('shop-keys', { keys: 'bb_sk_three' });
    await setSecret('shop-jwt', { secret: 'first-signing-secret' });
    await apply(
      appYaml(
        'shop',
        'shop-db',
        [NOTES('shop'), COUNTER],
        '  auth:\n    apiKeys: { secretRef: { name: shop-keys, key: keys } }\n' +
          '    jwt: { secretRef: { name: shop-jwt, key: secret } }\n',
      ),
    );
    const first = await waitFor('the JWT secret in the runtime Secret and the pods', 60_000, () =>
      rolledFor('first-signing-secret'),
    );
    const env = (await podTemplate()).spec!.containers[0]!.env!;
    expect(env).toContainEqual({
      name: RUNTIME_ENV.jwtSecret,
      valueFrom: { secretKeyRef: { name: 'bbfn-app-shop', key: 'jwt-secret', optional: true } },
    });
    expect(JSON.stringify(env)).not.toContain('shop-jwt');

    // The edit alone, no change to the App: the Secret watch brings it, the pods roll.
    await setSecret('shop-jwt', { secret: 'second-signing-secret' });
    const second = await waitFor('the pods to roll for the new JWT secret', 60_000, () =>
      rolledFor('second-signing-secret'),
    );
    expect(second).not.toBe(first);
    expect(second).toBe((await appStatus('shop'))?.credentialsRevision);
    expect(await eventReasons('shop')).toContain('Normal/CredentialsChanged');

    // Gone: the App says so, and the pods keep running without it (JWTs are refused).
    await kubectl(['delete', 'secret', 'shop-jwt', '-n', namespace]);
    const missing = await waitFor('shop to report its JWT secret missing', 60_000, async () => {
      const ready = condition(await appStatus('shop'), 'Ready');
      return ready?.reason === 'JwtSecretNotFound' ? ready : undefined;
    });
    expect(missing.message).toMatch(/shop-jwt.*spec\.auth\.jwt\.secretRef/);
    expect(await secretData('bbfn-app-shop')).not.toHaveProperty('jwt-secret');
  });

  it("gives the pods the app's own authenticator login, never the admin URL", async () => {
    const template = await podTemplate();
    const text = JSON.stringify(template);
    expect(text).not.toContain('shop-db');
    expect(text).not.toContain(databases.shop.url);
    const env = template.spec!.containers[0]!.env!;
    expect(env.map((e) => e.name)).not.toContain(RUNTIME_ENV.databaseUrl);
    expect(env).toContainEqual({ name: RUNTIME_ENV.migrate, value: 'false' });
    expect(env).toContainEqual({
      name: RUNTIME_ENV.sandboxDatabaseUrl,
      valueFrom: { secretKeyRef: { name: 'bbfn-app-shop', key: 'sandbox-database-url' } },
    });
    const login = new URL((await secretData('bbfn-app-shop'))['sandbox-database-url']!);
    const admin = new URL(databases.shop.url);
    expect(login.username).toBe(authenticatorRole(databases.shop.url));
    expect(login.password).not.toBe(admin.password);
    expect(login.pathname).toBe(admin.pathname);
  });

  it("keeps two apps on one Postgres apart: neither login reaches the other's database", async () => {
    const shop = (await secretData('bbfn-app-shop'))['sandbox-database-url']!;
    const blog = (await secretData('bbfn-app-blog'))['sandbox-database-url']!;
    expect(new URL(shop).username).not.toBe(new URL(blog).username);
    for (const [login, own, other] of [
      [shop, databases.shop, databases.blog],
      [blog, databases.blog, databases.shop],
    ] as const) {
      expect(await rows(login, 'SELECT current_database() AS db')).toEqual([{ db: own.name }]);
      const crossing = new URL(login);
      crossing.pathname = `/${other.name}`;
      const refused = await rows(crossing.toString(), 'SELECT 1').then(
        () => 'connected',
        (error: { code?: string }) => error.code,
      );
      expect(refused).toBe('42501'); // permission denied for database
    }
  });

  it('runs a function of one app from its pod template: its own rows only, its keys, its log', async () => {
    const pod = await launchPodTemplate(kc, namespace, await podTemplate());
    try {
      const base = await pod.serving;
      const url = `${base}/v1/shop/fn/orders`;
      const call = (key?: string) => fetch(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});
      // The key rotated in the test before: the old one is refused, the new one is the service role.
      expect((await call('bb_sk_one')).status).toBe(401);
      const answer = await call('bb_sk_three');
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({
        notes: [{ v: 'shop row' }],
        db: databases.shop.name,
        user: null,
      });
      // The invocation record went in with the same login (no admin URL in the pod).
      await waitFor('the invocation record', 15_000, async () => {
        const [stored] = await rows<{ n: number }>(
          databases.shop.url,
          "SELECT count(*)::int AS n FROM butterbase.invocations WHERE function_name = 'orders'",
        );
        // A failed write says why in the pod's warnings: carry them into the timeout's cause.
        if (stored!.n === 0) throw new Error(JSON.stringify(pod.lines.filter((l) => Number(l.level) >= 40)));
        return stored!.n > 0;
      });
    } finally {
      await pod.cleanup();
    }
    expect(pod.lines.some((line) => line.msg === 'database migrated')).toBe(false);
  });
});
