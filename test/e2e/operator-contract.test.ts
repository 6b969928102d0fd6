/**
 * Issue 18's App checks with real pods: the chart's operator, not the test, bootstraps two
 * app databases on the node's one Postgres from nothing but their admin URL Secrets (roles,
 * the `butterbase` schema, each App's migrations, once each, in order); their functions
 * read the migrated tables through Traefik under RLS; and each app's pods hold only their
 * own app's login, which Postgres refuses on the other app's database.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { AppStatus } from '../../api/v1alpha1/status.types.ts';
import { APP_REASONS } from '../../operator/src/reconcile/app-status.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { authenticatorRole } from '../../runtime-image/src/db/authenticator.ts';
import { databaseUrl } from '../../runtime-image/src/db/database-url.ts';
import { withClient } from '../../runtime-image/src/db/with-client.ts';
import { RUNTIME_ENV } from '../../runtime-image/src/runtime-env.ts';
import { waitFor } from '../support/wait.ts';
import { createSecret, kubectl, kubectlOk } from './client.ts';
import { podEnvironment, tryPodLogin } from './pod-login-probe.ts';
import {
  appReady,
  conditionsByType,
  eventsOf,
  firstAnswer,
  functionPods,
  functionReports,
} from './resource-waits.ts';

const suffix = Date.now().toString(36);
const namespace = `e2e-contract-${suffix}`;
const JWT_SECRET = 'e2e-contract-jwt-secret-of-enough-length';

/** One tenant: its App, its fresh (empty) database, its key, the rows its second migration seeds. */
interface Tenant {
  app: string;
  appId: string;
  database: string;
  apiKey: string;
  owners: string[];
}
const tenants: Record<'a' | 'b', Tenant> = {
  a: {
    app: 'tenant-a',
    appId: `contract-a-${suffix}`,
    database: `contract_a_${suffix}`,
    apiKey: 'bb_sk_e2econtracta0123456789abcd',
    owners: ['alice', 'bob'],
  },
  b: {
    app: 'tenant-b',
    appId: `contract-b-${suffix}`,
    database: `contract_b_${suffix}`,
    apiKey: 'bb_sk_e2econtractb0123456789abcd',
    owners: ['carol'],
  },
};

/** The table with RLS, then its rows: the second only runs after the first (each once, in order). */
const migrations = (owners: string[]) => [
  `CREATE TABLE notes (
     id bigserial PRIMARY KEY,
     owner_id text NOT NULL DEFAULT butterbase.user_id(),
     body text NOT NULL
   );
   ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
   CREATE POLICY notes_own ON notes FOR SELECT USING (owner_id = butterbase.user_id());`,
  `INSERT INTO notes (owner_id, body) VALUES ${owners.map((o) => `('${o}', '${o}''s note')`).join(', ')};`,
];

/** What a handler can learn about where ctx.db goes, and what it can read of its environment. */
const NOTES_CODE = `export async function handler(req, ctx) {
  const notes = await ctx.db.query('SELECT owner_id, body FROM notes ORDER BY id', []);
  const who = await ctx.db.query(
    'SELECT current_database() AS database, current_user AS role, session_user AS login', []);
  const env = Object.entries(globalThis.process?.env ?? {});
  return Response.json({
    notes: notes.rows,
    ...who.rows[0],
    user: ctx.user,
    ctxEnv: ctx.env,
    envNames: env.map(([name]) => name).sort(),
    envHasDatabaseUrl: env.some(([, value]) => /postgres(ql)?:\\/\\//.test(String(value))),
  });
}
`;

const adminUrl = (tenant: Tenant, server: string) => databaseUrl(server, tenant.database);
const urls: Record<string, string> = {};

async function notesVia(tenant: Tenant, bearer: string) {
  const url = urls[tenant.app]!;
  const response = await firstAnswer(url, 200, { headers: { authorization: `Bearer ${bearer}` } });
  return JSON.parse(response.body) as {
    notes: { owner_id: string; body: string }[];
    database: string;
    role: string;
    login: string;
    user: { id: string } | null;
    ctxEnv: Record<string, string>;
    envNames: string[];
    envHasDatabaseUrl: boolean;
  };
}

beforeAll(async () => {
  const { postgresUrl, podPostgresUrl } = inject('e2e');
  await kubectlOk(['create', 'namespace', namespace]);
  const documents: unknown[] = [];
  for (const tenant of Object.values(tenants)) {
    // The operator does not create databases (a platform team or its provisioner does):
    // an empty one, with nothing of the platform's in it yet.
    await withClient(postgresUrl, (admin) => admin.query(`CREATE DATABASE ${tenant.database}`));
    await createSecret(namespace, `${tenant.app}-db`, { url: adminUrl(tenant, podPostgresUrl) });
    await createSecret(namespace, `${tenant.app}-keys`, { keys: tenant.apiKey });
    await createSecret(namespace, `${tenant.app}-jwt`, { secret: JWT_SECRET });
    documents.push(
      {
        apiVersion: 'butterbase.ai/v1alpha1',
        kind: 'App',
        metadata: { name: tenant.app },
        spec: {
          appId: tenant.appId,
          database: {
            urlSecretRef: { name: `${tenant.app}-db`, key: 'url' },
            migrations: migrations(tenant.owners),
          },
          auth: {
            jwt: { secretRef: { name: `${tenant.app}-jwt`, key: 'secret' } },
            apiKeys: { secretRef: { name: `${tenant.app}-keys`, key: 'keys' } },
          },
        },
      },
      {
        apiVersion: 'butterbase.ai/v1alpha1',
        kind: 'Function',
        metadata: { name: `${tenant.app}-notes` },
        spec: {
          appId: tenant.appId,
          code: NOTES_CODE,
          trigger: { type: 'http', config: { method: 'GET', auth: 'required' } },
          envVars: { GREETING: 'hello' },
        },
      },
    );
  }
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], documents.map((d) => stringify(d)).join('---\n'));
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  // On a cluster of KUBECONFIG the Postgres outlives the run: leave it as found (FORCE ends
  // the sessions of pods still terminating; an authenticator role goes with its grants).
  const { postgresUrl, podPostgresUrl } = inject('e2e');
  await withClient(postgresUrl, async (admin) => {
    for (const tenant of Object.values(tenants)) {
      await admin.query(`DROP DATABASE IF EXISTS ${tenant.database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${authenticatorRole(adminUrl(tenant, podPostgresUrl))}`);
    }
  });
});

describe('the App reconciler with real pods', () => {
  it('bootstraps each empty database and runs its migrations once each: Ready, DatabaseReady, migrationsApplied', async () => {
    for (const tenant of Object.values(tenants)) {
      const status: AppStatus = await appReady(namespace, tenant.app);
      const { Ready, DatabaseReady } = conditionsByType(status.conditions);
      expect(DatabaseReady).toMatchObject({ status: 'True' });
      expect(Ready).toMatchObject({ status: 'True' });
      expect(status.migrationsApplied).toBe(2);
      expect(status.failedMigration).toBeUndefined();
      expect(
        (await eventsOf(namespace, tenant.app, APP_REASONS.migrationsApplied)).map((e) => e.type),
      ).toContain('Normal');
      // In the database: the platform's schema and the app's rows, seeded once.
      const seeded = await withClient(adminUrl(tenant, inject('e2e').postgresUrl), async (admin) => {
        const { rows } = await admin.query<{ owner_id: string }>('SELECT owner_id FROM notes ORDER BY id');
        const platform = await admin.query("SELECT 1 FROM pg_namespace WHERE nspname = 'butterbase'");
        return { owners: rows.map((r) => r.owner_id), platform: platform.rowCount };
      });
      expect(seeded).toEqual({ owners: tenant.owners, platform: 1 });
    }
  });

  it('runs a migration appended later alone: the ones before it are not run again', async () => {
    const { a } = tenants;
    const added = 'ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;';
    const patch = [{ op: 'add', path: '/spec/database/migrations/-', value: added }];
    await kubectlOk(['-n', namespace, 'patch', 'app', a.app, '--type', 'json', '-p', JSON.stringify(patch)]);
    const status = await waitFor('migrationsApplied to be 3', 60_000, async () => {
      const ready = await appReady(namespace, a.app);
      return ready.migrationsApplied === 3 ? ready : undefined;
    });
    expect(conditionsByType(status.conditions).DatabaseReady).toMatchObject({ status: 'True' });
    const events = await eventsOf(namespace, a.app, APP_REASONS.migrationsApplied);
    expect(events.map((e) => e.message).sort()).toEqual([
      'Ran spec.database.migrations 0, 1 (2 applied)',
      'Ran spec.database.migrations 2 (3 applied)',
    ]);
    // The seed ran once: still one row per owner, now with the new column.
    const rows = await withClient(
      adminUrl(a, inject('e2e').postgresUrl),
      async (admin) => (await admin.query('SELECT owner_id, pinned FROM notes ORDER BY id')).rows,
    );
    expect(rows).toEqual(a.owners.map((owner_id) => ({ owner_id, pinned: false })));
  });

  it("a function reads the migrated table through Traefik: a user JWT sees that user's rows (RLS)", async () => {
    const { a } = tenants;
    urls[a.app] = (await functionReports(namespace, `${a.app}-notes`, 'deployed')).status!.url!;
    const alice = await notesVia(a, await signUserToken({ secret: JWT_SECRET, userId: 'alice' }));
    expect(alice).toMatchObject({ database: a.database, role: 'butterbase_user', user: { id: 'alice' } });
    expect(alice.notes).toEqual([{ owner_id: 'alice', body: "alice's note" }]);
    const bob = await notesVia(a, await signUserToken({ secret: JWT_SECRET, userId: 'bob' }));
    expect(bob.notes.map((n) => n.owner_id)).toEqual(['bob']);
  });

  it('…and a platform API key runs it as butterbase_service, which sees every row', async () => {
    const { a, b } = tenants;
    const service = await notesVia(a, a.apiKey);
    expect(service).toMatchObject({ database: a.database, role: 'butterbase_service', user: null });
    expect(service.notes.map((n) => n.owner_id)).toEqual(['alice', 'bob']);
    // App B's function, on B's database, with B's key; A's key is no key of B's.
    urls[b.app] = (await functionReports(namespace, `${b.app}-notes`, 'deployed')).status!.url!;
    const other = await notesVia(b, b.apiKey);
    expect(other).toMatchObject({ database: b.database, role: 'butterbase_service' });
    expect(other.notes.map((n) => n.owner_id)).toEqual(['carol']);
    expect(
      (await firstAnswer(urls[b.app]!, 401, { headers: { authorization: `Bearer ${a.apiKey}` } })).status,
    ).toBe(401);
  });
});

describe('least privilege with real pods', () => {
  it("a handler sees its envVars only: no login, no admin URL; ctx.db is its app's own login", async () => {
    const { a } = tenants;
    const seen = await notesVia(a, a.apiKey);
    expect(seen.ctxEnv).toEqual({ GREETING: 'hello' });
    expect(seen.envHasDatabaseUrl).toBe(false);
    expect(seen.envNames).not.toContain(RUNTIME_ENV.sandboxDatabaseUrl);
    expect(seen.envNames).not.toContain(RUNTIME_ENV.databaseUrl);
    // The session's login is the app's authenticator, not the admin the App's Secret names.
    expect(seen.login).toBe(authenticatorRole(adminUrl(a, inject('e2e').podPostgresUrl)));
  });

  it("the pods' spec and container environment hold no admin URL, only the app's own login", async () => {
    const { a } = tenants;
    const admin = new URL(adminUrl(a, inject('e2e').podPostgresUrl));
    const pods = await kubectlOk([
      '-n',
      namespace,
      'get',
      'pods',
      '-l',
      `butterbase.ai/function=${a.app}-notes`,
      '-o',
      'json',
    ]);
    expect(JSON.parse(pods).items.length).toBeGreaterThan(0);
    expect(pods).not.toContain(`${a.app}-db`);
    expect(pods).not.toContain(admin.password);
    const [pod] = await functionPods(namespace, `${a.app}-notes`);
    const env = await podEnvironment(namespace, pod!);
    expect(env).not.toHaveProperty(RUNTIME_ENV.databaseUrl);
    expect(Object.values(env).join('\n')).not.toContain(admin.password);
    const login = new URL(env[RUNTIME_ENV.sandboxDatabaseUrl]!);
    expect(login.username).toBe(authenticatorRole(admin.toString()));
    expect(login.pathname).toBe(`/${a.database}`);
  });

  it("app A's pod, with its own login, gets into A's database and is refused on B's", async () => {
    const { a, b } = tenants;
    const [pod] = await functionPods(namespace, `${a.app}-notes`);
    expect(await tryPodLogin(namespace, pod!)).toMatchObject({ connected: true, database: a.database });
    const crossing = await tryPodLogin(namespace, pod!, b.database);
    expect(crossing).toEqual({
      connected: false,
      code: '42501',
      message: `permission denied for database "${b.database}"`,
    });
  });

  it("neither app's login (the operator's runtime Secrets) reaches the other's database", async () => {
    const login = async (tenant: Tenant) => {
      const data = await kubectlOk([
        '-n',
        namespace,
        'get',
        'secret',
        `bbfn-app-${tenant.app}`,
        '-o',
        'json',
      ]);
      const encoded = (JSON.parse(data) as { data: Record<string, string> }).data['sandbox-database-url']!;
      return new URL(Buffer.from(encoded, 'base64').toString());
    };
    const [loginA, loginB] = [await login(tenants.a), await login(tenants.b)];
    expect(loginA.username).not.toBe(loginB.username);
    for (const [own, other] of [
      [loginA, tenants.b],
      [loginB, tenants.a],
    ] as const) {
      const crossing = new URL(own);
      crossing.pathname = `/${other.database}`;
      const refused = await withClient(crossing.toString(), () => Promise.resolve('connected')).catch(
        (error: { code?: string }) => error.code,
      );
      expect(refused).toBe('42501');
    }
  });
});
