import pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';

/**
 * One pooled connection inside a transaction that runs as a function role with the
 * caller's JWT claims, both set transaction-locally so they vanish at COMMIT/ROLLBACK
 * and the connection goes back to the pool clean.
 */
export interface RoleSession {
  client: pg.PoolClient;
  /** Set when the connection reported an error while checked out: never reuse it. */
  broken: boolean;
  markBroken: () => void;
}

/**
 * The simple-protocol text that opens a session: one round trip for BEGIN and the
 * settings. `RESET ALL` / `RESET ROLE` undo session-level state an earlier handler
 * may have left on this pooled connection (`SET search_path`, `SET statement_timeout`,
 * `set_config(…, false)`), so one caller's settings never leak into another's queries.
 * Values are escaped literals; role names are also validated identifiers (db/roles.ts).
 * `SET LOCAL` rather than `SELECT set_config(…, true)`: the same transaction-local
 * settings without a query to plan or a row to send back and parse (~2% less backend
 * CPU a transaction, measured on one connection).
 */
export function beginSql(role: string, claimsJson: string): string {
  return (
    'BEGIN; RESET ALL; RESET ROLE; ' +
    `SET LOCAL ROLE ${pg.escapeIdentifier(role)}; ` +
    `SET LOCAL request.jwt.claims = ${pg.escapeLiteral(claimsJson)}`
  );
}

/** Checks out a connection, mapping any failure to connect to DATABASE_UNAVAILABLE. */
export async function checkout(pool: pg.Pool): Promise<RoleSession> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    // Refused, timed out, authentication failed, pool ended: none is the handler's SQL.
    throw databaseUnavailable(error);
  }
  const session: RoleSession = {
    client,
    broken: false,
    markBroken: () => {
      session.broken = true;
    },
  };
  // While checked out the pool's idle listener is detached; an 'error' event without a
  // listener (server restart while a handler awaits something between two queries of
  // a transaction) would crash the process.
  client.on('error', session.markBroken);
  client.on('end', session.markBroken);
  return session;
}

/**
 * Checks out a connection and opens the transaction. A connection the server closed
 * while it sat idle in the pool (database restarted) fails here before any of the
 * handler's SQL ran and with nothing to undo, so that case is retried once on a
 * fresh connection.
 */
export async function openSession(pool: pg.Pool, sql: string): Promise<RoleSession> {
  for (let attempt = 1; ; attempt++) {
    const session = await checkout(pool);
    try {
      await session.client.query(sql);
      return session;
    } catch (error) {
      releaseSession(session, error);
      // Anything else failing here (the role missing because migrate() never ran, the
      // login not a member of it) is the platform's setup, not the handler's SQL.
      if (!isConnectionError(error) || attempt >= 2) throw databaseUnavailable(error);
    }
  }
}

// pg reports these without writing anything to the socket.
const NOT_SENT = ['is not queryable'];

/** The part of pg's client that writes to the server, as pg's own extended queries cork it. */
interface CorkableClient {
  connection?: { stream?: { cork?: () => void; uncork?: () => void } };
}

/**
 * Runs `send` with the connection's socket corked, so that the queries it submits (pg
 * writes a pipelined query as soon as it is submitted) leave in one write. Written as
 * three, a `ctx.db` query woke the database's backend up to three times, and the
 * syscalls were the serving thread's largest cost in a CPU profile of the db bench.
 * Measured there (2 vCPUs, loaded by other work), CPU per request: the serving thread
 * ~410–560 µs → ~330–350, the Postgres backend ~1,140–1,250 µs → ~1,030–1,090.
 */
function inOneWrite<T>(client: pg.PoolClient, send: () => T): T {
  const stream = (client as CorkableClient).connection?.stream;
  stream?.cork?.();
  try {
    return send();
  } finally {
    stream?.uncork?.();
  }
}

/**
 * One statement in a transaction of its own, in one network round trip and one write
 * (inOneWrite): BEGIN with the settings, the statement and COMMIT are written back to back on a pipelining
 * connection (pg `pipeline: true`). Postgres still runs them in order and each has
 * its own Sync: if the opening fails, the transaction is aborted and the statement is
 * refused (25P02), so it can never run without the role; if the statement fails,
 * COMMIT only rolls back.
 */
export async function runPipelined(
  pool: pg.Pool,
  sql: string,
  statement: pg.QueryConfig,
): Promise<pg.QueryResult> {
  for (let attempt = 1; ; attempt++) {
    const session = await checkout(pool);
    const { client } = session;
    const [opened, ran, committed] = await Promise.allSettled(
      inOneWrite(client, () => [client.query(sql), client.query(statement), client.query('COMMIT')]),
    );
    if (opened.status === 'rejected') {
      releaseSession(session, opened.reason);
      // A connection found dead before anything was written (restarted server) is
      // replaced once; nothing of the handler's ran on it.
      const unsent =
        opened.reason instanceof Error && NOT_SENT.some((m) => opened.reason.message.includes(m));
      if (unsent && attempt < 2) continue;
      // Otherwise the platform's setup (role missing, login not a member) or the network.
      throw databaseUnavailable(opened.reason);
    }
    const failure =
      ran.status === 'rejected' ? ran.reason : committed.status === 'rejected' ? committed.reason : undefined;
    releaseSession(session, failure);
    if (failure !== undefined) throw isConnectionError(failure) ? databaseUnavailable(failure) : failure;
    return (ran as PromiseFulfilledResult<pg.QueryResult>).value;
  }
}

/**
 * Gives the connection back, or destroys it when it broke or is somehow still inside
 * a transaction: the pool then opens fresh connections, which is how it recovers once
 * the database is back.
 */
export function releaseSession(session: RoleSession, error?: unknown): void {
  const { client } = session;
  client.removeListener('error', session.markBroken);
  client.removeListener('end', session.markBroken);
  const unusable =
    session.broken ||
    (error !== undefined && isConnectionError(error)) ||
    client.getTransactionStatus() !== 'I';
  client.release(unusable ? asError(error) : undefined);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('connection discarded after a failed transaction');
}

/** ROLLBACK after a failure, then release; a rollback that fails too means the connection is gone. */
export async function abortSession(session: RoleSession, error: unknown): Promise<void> {
  if (!session.broken && !isConnectionError(error)) {
    try {
      await session.client.query('ROLLBACK');
    } catch (rollbackError) {
      releaseSession(session, rollbackError);
      return;
    }
  }
  releaseSession(session, error);
}
