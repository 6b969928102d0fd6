import type pg from 'pg';
import type { Caller } from '../auth/caller.ts';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import type { DatabaseRoles } from '../db/roles.ts';
import { BbfnError } from '../errors.ts';
import { type DbResult, extendedQuery, toDbResult } from './db-result.ts';
import {
  abortSession,
  beginSql,
  openSession,
  type RoleSession,
  releaseSession,
  runWithSettings,
  sessionSettings,
} from './db-session.ts';

/** Who an invocation runs for; decides the role and the JWT claims of every `ctx.db` query. */
export type { Caller } from '../auth/caller.ts';
export { createPool, type PoolOptions } from '../db/pool.ts';
export type { DbResult, FieldInfo } from './db-result.ts';

export interface DbQueryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params?: readonly unknown[],
  ): Promise<DbResult<R>>;
}

/** The seed's `ctx.db`. */
export interface FunctionDb extends DbQueryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: DbQueryable) => Promise<T>): Promise<T>;
}

/** The role and claims a caller's transactions run with; anonymous never gets the service role. */
function settingsFor(caller: Caller, roles: DatabaseRoles): readonly string[] {
  switch (caller.kind) {
    case 'user':
      // `sub` is forced to the verified user id so butterbase.user_id() and ctx.user.id agree.
      return sessionSettings(roles.user, JSON.stringify({ ...caller.claims, sub: caller.userId }));
    case 'anonymous':
      return sessionSettings(roles.user, '{}');
    case 'service':
      return sessionSettings(roles.service, '{}');
    default:
      throw new TypeError(`Unknown caller kind ${JSON.stringify((caller as { kind?: unknown }).kind)}`);
  }
}

function validate(text: unknown, params: unknown): readonly unknown[] {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new BbfnError(
      'DATABASE_INVALID_QUERY',
      'ctx.db.query(text, params): text must be a non-empty SQL string',
    );
  }
  if (params === undefined) return [];
  if (!Array.isArray(params)) {
    throw new BbfnError('DATABASE_INVALID_QUERY', 'ctx.db.query(text, params): params must be an array');
  }
  return params;
}

async function runStatement<R extends pg.QueryResultRow>(
  session: RoleSession,
  text: string,
  params: readonly unknown[],
): Promise<DbResult<R>> {
  return toDbResult(await session.client.query<R>(extendedQuery(text, params)));
}

/** A statement that failed inside `transaction()` leaves it aborted; COMMIT then only rolls back. */
function rolledBack(cause: unknown): Error {
  const error = new Error(
    'The transaction was rolled back because a statement in it failed (the error was caught inside transaction())',
    cause === undefined ? undefined : { cause },
  );
  // SQLSTATE in_failed_sql_transaction, so handlers can test `error.code` as for any pg error.
  return Object.assign(error, { code: '25P02' });
}

/**
 * `ctx.db` for one invocation. Every `query` is its own short transaction (as in
 * PostgREST): the role/claims settings and the statement, before one Sync (one network
 * round trip, one reply; role-statement.ts). SQL errors (syntax, constraint, RLS) reach
 * the handler as the original pg error; an unreachable database is DATABASE_UNAVAILABLE (503).
 *
 * In a sandbox the connection's session user is the authenticator (db/authenticator.ts),
 * which holds no privilege of its own: SQL such as `RESET ROLE` in a handler's own text
 * leaves the function role for a role that can read nothing.
 */
export function createFunctionDb(pool: pg.Pool, caller: Caller, roles: DatabaseRoles): FunctionDb {
  const settings = settingsFor(caller, roles);
  const openSql = beginSql(settings);

  // `failure` collects the last SQL error of a transaction() for a silent rollback's cause.
  async function inTransaction<T>(
    work: (session: RoleSession) => Promise<T>,
    failure: { error?: unknown } = {},
  ): Promise<T> {
    const session = await openSession(pool, openSql);
    let result: T;
    try {
      result = await work(session);
    } catch (error) {
      await abortSession(session, error);
      throw isConnectionError(error) ? databaseUnavailable(error) : error;
    }
    let commit: pg.QueryResult;
    try {
      commit = await session.client.query('COMMIT');
    } catch (error) {
      // A deferred constraint fails here as a pg error; a lost connection as 503.
      releaseSession(session, error);
      throw isConnectionError(error) ? databaseUnavailable(error) : error;
    }
    releaseSession(session);
    if (commit.command === 'ROLLBACK') throw rolledBack(failure.error);
    return result;
  }

  return {
    async query(text, params) {
      // Validated before a connection is taken, so a bad call costs no round trip.
      const values = validate(text, params);
      return toDbResult(await runWithSettings(pool, settings, extendedQuery(text, values)));
    },
    async transaction(fn) {
      if (typeof fn !== 'function') {
        throw new BbfnError('DATABASE_INVALID_QUERY', 'ctx.db.transaction(fn): fn must be an async function');
      }
      const failure: { error?: unknown } = {};
      return await inTransaction(async (session) => {
        let open = true;
        const tx: DbQueryable = {
          async query(text, params) {
            const values = validate(text, params);
            if (!open) {
              throw new BbfnError(
                'DATABASE_INVALID_QUERY',
                'This transaction has already finished; use ctx.db.query',
              );
            }
            try {
              return await runStatement(session, text, values);
            } catch (error) {
              failure.error = error;
              throw isConnectionError(error) ? databaseUnavailable(error) : error;
            }
          },
        };
        try {
          return await fn(tx);
        } finally {
          open = false;
        }
      }, failure);
    },
  };
}
