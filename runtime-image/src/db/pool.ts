import pg from 'pg';

export interface PoolOptions {
  /** Connections per pool; each sandbox worker has its own pool. */
  max?: number;
  /** How long a checkout may wait for a new connection: a down database fails fast. */
  connectionTimeoutMillis?: number;
  /** Idle connections are closed after this long, so a quiet pod holds none. */
  idleTimeoutMillis?: number;
  /**
   * Server-side cap on a transaction left open while the handler awaits something
   * else (`ctx.db.transaction` around a hung fetch): Postgres ends the session
   * instead of the pool leaking a connection forever.
   */
  idleInTransactionTimeoutMillis?: number;
  applicationName?: string;
  /**
   * Write queries without waiting for the previous answer (pg pipelining). Default true.
   * A `ctx.db.query` is one round trip either way (its settings and statement are one
   * submitted query, ctx/role-statement.ts); this lets a caller's next query go out
   * while the server still answers an earlier one.
   */
  pipeline?: boolean;
  /**
   * Commits wait for the WAL flush (default true). Off, a database crash can lose the
   * last fraction of a second of what the pool wrote: for the invocation log only.
   */
  synchronousCommit?: boolean;
  /** Errors of idle connections (server restart, network cut); the pool has already dropped them. */
  onError?: (error: Error) => void;
}

/**
 * A pg pool tuned for function traffic. Session settings belong in the startup
 * packet (as here), not in `SET` on connect: `ctx.db` resets session state at the
 * start of each transaction, and startup values are what a reset returns to.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMillis ?? 60_000,
    application_name: options.applicationName ?? 'butterbase-functions',
    pipeline: options.pipeline ?? true,
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
    // Lets a worker thread or a test exit without ending the pool first.
    allowExitOnIdle: true,
  });
  // Without a listener, an idle connection's error (the server restarting) would be
  // an uncaught 'error' event and take the whole host down. The pool has already
  // removed that client; the next checkout opens a fresh connection.
  pool.on('error', (error) => options.onError?.(error));
  return pool;
}

/**
 * The pool of a host's invocation writer: a couple of plain connections, because the
 * writer's COPY cannot run on a pipelined one, whose commits don't wait for the WAL
 * flush (a database crash can lose the last fraction of a second of log rows, never
 * app data). Set for the session, so a batch of records alone is one statement.
 */
export function createLogPool(url: string): pg.Pool {
  return createPool(url, {
    max: 2,
    pipeline: false,
    synchronousCommit: false,
    applicationName: 'butterbase-functions-log',
  });
}
