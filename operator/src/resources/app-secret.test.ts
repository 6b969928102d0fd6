import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type AppResource, appSchema } from '../../../api/v1alpha1/app.types.ts';
import { functionSchema } from '../../../api/v1alpha1/function.types.ts';
import { RUNTIME_ENV } from '../../../runtime-image/src/runtime-env.ts';
import { testSettings } from '../test-fixtures.ts';
import { appSecret, credentialsRevision, parseApiKeys } from './app-secret.ts';
import { functionObjects } from './function-objects.ts';
import { revisionOf } from './revision.ts';
import { CREDENTIALS_ANNOTATION } from './runtime-pod.ts';

const settings = testSettings();

function app(extra: Record<string, unknown> = {}): AppResource {
  return appSchema.parse({
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop', namespace: 'team-a', uid: 'uid-shop' },
    spec: {
      appId: 'shop',
      database: { urlSecretRef: { name: 'shop-db', key: 'url' } },
      auth: { apiKeys: { secretRef: { name: 'shop-keys', key: 'keys' } } },
    },
    ...extra,
  });
}

const fn = functionSchema.parse({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'Function',
  metadata: { name: 'orders', namespace: 'team-a', uid: 'uid-orders' },
  spec: { appId: 'shop', trigger: { type: 'http' }, code: 'export async function handler() {}' },
});

function podTemplate(forApp: AppResource) {
  const objects = functionObjects(fn, forApp, revisionOf(fn, 'bundle'), settings);
  return (objects.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template;
}

describe('parseApiKeys', () => {
  it.each([
    ['bb_sk_1', ['bb_sk_1']],
    ['bb_sk_1,bb_sk_2', ['bb_sk_1', 'bb_sk_2']],
    ['bb_sk_1\nbb_sk_2\n', ['bb_sk_1', 'bb_sk_2']],
    [' bb_sk_1 ,\r\n\n bb_sk_2 ', ['bb_sk_1', 'bb_sk_2']],
    ['\n , \n', []],
  ])('reads %j as %j', (text, keys) => {
    expect(parseApiKeys(text)).toEqual(keys);
  });
});

describe('appSecret', () => {
  it('holds the authenticator login and the keys, comma-joined, owned by the App', () => {
    const secret = appSecret(app(), {
      sandboxDatabaseUrl: 'postgres://butterbase_authenticator_x:pw@db/shop',
      apiKeys: ['bb_sk_1', 'bb_sk_2'],
      jwtSecret: 'hs256 secret\n',
    });
    expect(secret.metadata).toMatchObject({
      name: 'bbfn-app-shop',
      namespace: 'team-a',
      ownerReferences: [{ kind: 'App', name: 'shop', uid: 'uid-shop', controller: true }],
    });
    const decoded = Object.fromEntries(
      Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(decoded).toEqual({
      'sandbox-database-url': 'postgres://butterbase_authenticator_x:pw@db/shop',
      'api-keys': 'bb_sk_1,bb_sk_2',
      'jwt-secret': 'hs256 secret\n',
    });
  });

  it('has a revision that changes with the keys or the login, and only then', () => {
    const base = { sandboxDatabaseUrl: 'postgres://a', apiKeys: ['k1'] };
    expect(credentialsRevision(base)).toBe(credentialsRevision({ ...base }));
    expect(credentialsRevision(base)).not.toBe(credentialsRevision({ ...base, apiKeys: ['k2'] }));
    expect(credentialsRevision(base)).not.toBe(credentialsRevision({ ...base, sandboxDatabaseUrl: 'x' }));
    expect(credentialsRevision(base)).not.toBe(credentialsRevision({ ...base, jwtSecret: 's1' }));
    expect(credentialsRevision({ ...base, jwtSecret: 's1' })).not.toBe(
      credentialsRevision({ ...base, jwtSecret: 's2' }),
    );
    expect(credentialsRevision({})).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("a Function's pods and its App's credentials", () => {
  it('read the API keys and the login from the App secret, never the admin URL', () => {
    const template = podTemplate(app());
    const env = template.spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === RUNTIME_ENV.apiKeys)).toEqual({
      name: RUNTIME_ENV.apiKeys,
      valueFrom: { secretKeyRef: { name: 'bbfn-app-shop', key: 'api-keys', optional: true } },
    });
    expect(env.find((e) => e.name === RUNTIME_ENV.migrate)?.value).toBe('false');
    expect(JSON.stringify(template)).not.toContain('shop-db');
  });

  it("read the JWT secret from the App secret, not the user's Secret (an edit then rolls them)", () => {
    const withJwt = app();
    withJwt.spec.auth.jwt.secretRef = { name: 'shop-jwt', key: 'secret' };
    const env = podTemplate(withJwt).spec!.containers[0]!.env!;
    expect(env.find((e) => e.name === RUNTIME_ENV.jwtSecret)).toEqual({
      name: RUNTIME_ENV.jwtSecret,
      valueFrom: { secretKeyRef: { name: 'bbfn-app-shop', key: 'jwt-secret', optional: true } },
    });
    expect(JSON.stringify(env)).not.toContain('shop-jwt');
    expect(podTemplate(app()).spec!.containers[0]!.env!.map((e) => e.name)).not.toContain(
      RUNTIME_ENV.jwtSecret,
    );
  });

  it('roll when the credentials revision in App status changes', () => {
    expect(podTemplate(app()).metadata!.annotations![CREDENTIALS_ANNOTATION]).toBeUndefined();
    const v1 = podTemplate(app({ status: { credentialsRevision: 'aaaa' } }));
    const v2 = podTemplate(app({ status: { credentialsRevision: 'bbbb' } }));
    expect(v1.metadata!.annotations![CREDENTIALS_ANNOTATION]).toBe('aaaa');
    expect(v2.metadata!.annotations![CREDENTIALS_ANNOTATION]).toBe('bbbb');
  });
});
