import pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import { queryWithSettings, SettingsFailed } from './role-statement.ts';

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
 * The statements that give a transaction its role and claims. `RESET ALL` / `RESET ROLE`
 * undo session-level state an earlier handler may have left on this pooled connection
 * (`SET search_path`, `SET statement_timeout`, `set_config(…, false)`), so one caller's
 * settings never leak into another's queries. Values are escaped literals; role names
 * are also validated identifiers (db/roles.ts). `SET LOCAL` rather than
 * `SELECT set_config(…, true)`: the same transaction-local settings without a query to
 * plan or a row to send back and parse (~2% less backend CPU a transaction, measured
 * on one connection).
 */
export function sessionSettings(role: string, claimsJson: string): readonly string[] {
  return [
    'RESET ALL',
    'RESET ROLE',
    `SET LOCAL ROLE ${pg.escapeIdentifier(role)}`,
    `SET LOCAL request.jwt.claims = ${pg.escapeLiteral(claimsJson)}`,
  ];
}

/** The simple-protocol text that opens an explicit transaction with those settings: one round trip. */
export function beginSql(settings: readonly string[]): string {
  return `BEGIN; ${settings.join('; ')}`;
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

/**
 * One statement in a transaction of its own, with the settings before it, in one
 * network round trip, one write and one protocol cycle (role-statement.ts).
 */
export async function runWithSettings(
  pool: pg.Pool,
  settings: readonly string[],
  statement: pg.QueryConfig,
): Promise<pg.QueryResult> {
  for (let attempt = 1; ; attempt++) {
    const session = await checkout(pool);
    let result: pg.QueryResult;
    try {
      result = await queryWithSettings(session.client, settings, statement);
    } catch (error) {
      releaseSession(session, error);
      if (!(error instanceof SettingsFailed)) {
        throw isConnectionError(error) ? databaseUnavailable(error) : error;
      }
      const { cause } = error;
      // A connection found dead before anything was written (restarted server) is
      // replaced once; nothing of the handler's ran on it.
      const unsent = cause instanceof Error && NOT_SENT.some((m) => cause.message.includes(m));
      if (unsent && attempt < 2) continue;
      // Otherwise the platform's setup (role missing, login not a member) or the network.
      throw databaseUnavailable(cause);
    }
    releaseSession(session);
    return result;
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
