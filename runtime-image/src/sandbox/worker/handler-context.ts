import type pg from 'pg';
import { createFunctionDb, createPool } from '../../ctx/db.ts';
import { createDeliveryClaims, type DeliveryClaims } from '../../ctx/delivery-claims.ts';
import { createIdempotency } from '../../ctx/idempotency.ts';
import { DEFAULT_DATABASE_ROLES } from '../../db/roles.ts';
import { BbfnError } from '../../errors.ts';
import type { WebhookEvent } from '../../webhook/types.ts';
import type { CallerData, SandboxDatabaseConfig } from '../protocol.ts';
import type { InvocationState } from './invocation-context.ts';

/** The seed's `ctx`: what a handler gets as its second argument. */
export interface HandlerContext {
  db: ReturnType<typeof createFunctionDb>;
  env: Record<string, string>;
  user: { id: string } | null;
  waitUntil: (promise: Promise<unknown>) => void;
  idempotency: { claim(key: string, opts?: { scope?: string; ttlSeconds?: number }): Promise<boolean> };
  /** The verified delivery, for a webhook trigger only. */
  webhook?: WebhookEvent;
}

/** What stays the same across a worker's invocations: one pool, the env, the claim helper. */
export interface ContextFactory {
  build(caller: CallerData, state: InvocationState): HandlerContext;
  /** The webhook trigger's dedupe (the runner's, never the handler's). */
  deliveries: DeliveryClaims;
  close(): Promise<void>;
}

function unavailable(): never {
  throw new BbfnError('DATABASE_UNAVAILABLE', 'No database is configured for this function');
}

export function createContextFactory(
  database: SandboxDatabaseConfig | null,
  env: Record<string, string>,
): ContextFactory {
  const pool: pg.Pool | null = database ? createPool(database.url, { max: database.poolMax }) : null;
  const roles = database?.roles ?? DEFAULT_DATABASE_ROLES;
  const idempotency = pool ? createIdempotency(pool, roles) : { claim: async () => unavailable() };
  const deliveries: DeliveryClaims = pool
    ? createDeliveryClaims(pool, roles, idempotency)
    : { claim: async () => unavailable(), release: async () => unavailable() };
  // Frozen so one invocation cannot change what the next one sees.
  const frozenEnv = Object.freeze({ ...env });
  const noDb = {
    query: async () => unavailable(),
    transaction: async () => unavailable(),
  } as unknown as HandlerContext['db'];
  // Anonymous and service sessions are the same for every call: one FunctionDb each,
  // instead of one per invocation. A user's carries their claims.
  const sharedDbs = new Map<CallerData['kind'], HandlerContext['db']>();
  function dbFor(caller: CallerData): HandlerContext['db'] {
    if (!pool) return noDb;
    if (caller.kind === 'user') return createFunctionDb(pool, caller, roles);
    let db = sharedDbs.get(caller.kind);
    if (!db) {
      // Frozen: shared, so one invocation must not be able to change it for the next.
      db = Object.freeze(createFunctionDb(pool, caller, roles));
      sharedDbs.set(caller.kind, db);
    }
    return db;
  }
  return {
    build(caller, state) {
      return {
        db: dbFor(caller),
        env: frozenEnv,
        user: caller.kind === 'user' ? { id: caller.userId } : null,
        waitUntil(promise) {
          // A rejection is reported on the invocation's log, not as an unhandled rejection.
          const tracked = Promise.resolve(promise).then(
            () => undefined,
            (error: unknown) => {
              console.error('waitUntil promise rejected:', error);
            },
          );
          state.background.push(tracked);
        },
        idempotency,
      };
    },
    deliveries,
    close: async () => {
      await pool?.end();
    },
  };
}
