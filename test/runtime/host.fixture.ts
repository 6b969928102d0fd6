import type pg from 'pg';
import { inject } from 'vitest';
import { generateApiKey } from '../../runtime-image/src/auth/api-key.ts';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { authenticatorUrl } from '../../runtime-image/src/db/authenticator.ts';
import { migrate } from '../../runtime-image/src/db/migrate.ts';
import { createLogPool, createPool } from '../../runtime-image/src/db/pool.ts';
import { createTestDatabase } from '../../runtime-image/src/db/test-database.ts';
import type { FunctionDefinition } from '../../runtime-image/src/host/host.ts';
import { startHostServer } from '../../runtime-image/src/host-server.ts';
import type { InvocationWriter } from '../../runtime-image/src/invocations/writer.ts';
import { createLogger } from '../../runtime-image/src/logger.ts';

export const APP_ID = 'demo';
export const JWT_SECRET = 'test-secret-for-the-runtime-suite-0123456789';

export interface HostFixtureOptions {
  backgroundLimitMs?: number;
}

export type DeployInput = Partial<Omit<FunctionDefinition, 'appId' | 'name' | 'code'>> & {
  name: string;
  code: string;
};

/** A migrated database, the host server on loopback with app `demo` (JWT secret + one API key). */
export async function startHostFixture(options: HostFixtureOptions = {}) {
  const db = await createTestDatabase(inject('postgresUrl'), 'bbfn_runtime');
  await migrate(db.url);
  const apiKey = generateApiKey();
  const log = createLogger({ name: 'runtime-test', level: 'silent' });
  const logPool = createLogPool(db.url);
  // `logPool` (one app) and `logPools` (per app) are both given: the host-server
  // signature is in flux, and each version reads only its own field.
  const serverOptions = {
    settings: {
      port: 0,
      address: '127.0.0.1',
      workers: 1,
      poolMax: 4,
      bodyLimit: 1024 * 64,
      trustProxy: false,
    },
    log,
    apps: [
      {
        appId: APP_ID,
        sandboxDatabaseUrl: authenticatorUrl(db.url),
        roles: { user: 'butterbase_user', service: 'butterbase_service' },
        auth: { jwt: { secret: JWT_SECRET }, apiKeys: [apiKey] },
      },
    ],
    logPool,
    logPools: { [APP_ID]: logPool },
    ...(options.backgroundLimitMs !== undefined ? { backgroundLimitMs: options.backgroundLimitMs } : {}),
    exit: () => {},
  } as unknown as Parameters<typeof startHostServer>[0];
  const server = await startHostServer(serverOptions);
  const loose = server as unknown as {
    writer?: InvocationWriter | null;
    writers?: Map<string, InvocationWriter>;
  };
  const writer = loose.writers?.get(APP_ID) ?? loose.writer;
  if (!writer) throw new Error('the host server has no invocation writer for the app');
  // The fixture's own admin pool: the log pool is ended by shutdown.
  const pool: pg.Pool = createPool(db.url, { max: 4 });
  let closed = false;

  return {
    url: server.url,
    host: server.host,
    writer,
    shutdown: server.shutdown,
    pool,
    apiKey,
    dbUrl: db.url,
    token: (userId: string) => signUserToken({ secret: JWT_SECRET, userId }),
    fnUrl: (name: string) => `${server.url}/v1/${APP_ID}/fn/${name}`,
    deploy: (input: DeployInput) =>
      server.host.deploy({
        appId: APP_ID,
        trigger: { type: 'http', config: { method: 'ANY', auth: 'required' } },
        envVars: {},
        limits: { timeoutSeconds: 10, memoryMb: 128 },
        ...input,
      }),
    async close() {
      if (closed) return;
      closed = true;
      await server.shutdown('test close');
      await pool.end().catch(() => {});
      await db.drop();
    },
  };
}

export type HostFixture = Awaited<ReturnType<typeof startHostFixture>>;
