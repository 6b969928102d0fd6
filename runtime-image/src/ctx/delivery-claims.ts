import pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import type { DatabaseRoles } from '../db/roles.ts';
import { checkout, releaseSession } from './db-session.ts';
import type { Idempotency } from './idempotency.ts';

/**
 * The webhook trigger's dedupe, on the seed's own store (`_idempotency_keys`, scope =
 * the provider): a delivery id is claimed before the handler runs, and released when
 * the handler failed, so the provider's retry runs it again.
 */
export interface DeliveryClaims {
  claim(scope: string, key: string, ttlSeconds: number): Promise<boolean>;
  release(scope: string, key: string): Promise<void>;
}

export function createDeliveryClaims(
  pool: pg.Pool,
  roles: DatabaseRoles,
  idempotency: Idempotency,
): DeliveryClaims {
  return {
    claim: (scope, key, ttlSeconds) => idempotency.claim(key, { scope, ttlSeconds }),
    async release(scope, key) {
      const session = await checkout(pool);
      // One round trip, as the claim's batch: the role is set for this implicit transaction only.
      const sql =
        `SELECT set_config('role', ${pg.escapeLiteral(roles.service)}, true); ` +
        `DELETE FROM public._idempotency_keys WHERE scope = ${pg.escapeLiteral(scope)} AND key = ${pg.escapeLiteral(key)}`;
      try {
        await session.client.query(sql);
        releaseSession(session);
      } catch (error) {
        releaseSession(session, error);
        if (session.broken || isConnectionError(error)) throw databaseUnavailable(error);
        throw error;
      }
    },
  };
}
