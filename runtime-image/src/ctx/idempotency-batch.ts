import pg from 'pg';
import { databaseUnavailable, isConnectionError } from '../db/connection-errors.ts';
import { checkout, releaseSession } from './db-session.ts';

/**
 * Group commit for `ctx.idempotency.claim`: claims made while earlier ones are on
 * the wire go to Postgres together, as one multi-row INSERT … ON CONFLICT in one
 * round trip. A claim per round trip tops out around 3–4k/s on two cores; a batch
 * costs little more than one claim. An idle host sends each claim at once (a
 * batch of one after the current turn of the event loop).
 */

export interface ClaimRequest {
  scope: string;
  key: string;
  ttlSeconds: number | undefined;
}

interface Waiter extends ClaimRequest {
  resolve(claimed: boolean): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 500;
// Batches in flight at once: enough to overlap round trips, few enough that the
// claims behind them pile up into big batches instead of queueing for the pool.
const MAX_IN_FLIGHT = 4;
const DEADLOCK_RETRIES = 3;

// Keys and scopes cannot contain NUL (validated), so this joins them unambiguously.
const idOf = (claim: { scope: string; key: string }) => `${claim.scope}\u0000${claim.key}`;

/**
 * One statement decides every claim of the batch atomically: a new (scope, key) is
 * inserted, an expired one taken over, a live one left alone and not returned.
 * Claims of one pair inside a batch are merged first (Postgres refuses to touch a
 * row twice in one statement): the first gets the answer, the others `false`.
 * Rows are sorted so that concurrent batches lock shared keys in the same order.
 */
function batchSql(serviceRole: string, claims: readonly ClaimRequest[]): string {
  const texts = (values: string[]) =>
    `ARRAY[${values.map((value) => pg.escapeLiteral(value)).join(',')}]::text[]`;
  const scopes = texts(claims.map((c) => c.scope));
  const keys = texts(claims.map((c) => c.key));
  // Checked finite positive numbers: their decimal form is a valid SQL literal.
  const ttls = `ARRAY[${claims.map((c) => (c.ttlSeconds === undefined ? 'NULL' : String(c.ttlSeconds))).join(',')}]::float8[]`;
  // Simple protocol, one round trip: the statements run as one implicit transaction,
  // so the role set locally by the first applies to the INSERT and is gone after it.
  return (
    `SELECT set_config('role', ${pg.escapeLiteral(serviceRole)}, true); ` +
    'INSERT INTO public._idempotency_keys AS k (scope, key, expires_at) ' +
    'SELECT u.scope, u.key, CASE WHEN u.ttl IS NULL THEN NULL ELSE now() + make_interval(secs => u.ttl) END ' +
    `FROM unnest(${scopes}, ${keys}, ${ttls}) AS u (scope, key, ttl) ` +
    'ON CONFLICT (scope, key) DO UPDATE SET claimed_at = now(), expires_at = EXCLUDED.expires_at ' +
    'WHERE k.expires_at IS NOT NULL AND k.expires_at <= now() ' +
    'RETURNING k.scope, k.key'
  );
}

async function runBatch(
  pool: pg.Pool,
  serviceRole: string,
  claims: readonly ClaimRequest[],
): Promise<Set<string>> {
  const sql = batchSql(serviceRole, claims);
  for (let attempt = 1; ; attempt++) {
    const session = await checkout(pool);
    try {
      // A multi-statement text resolves to one result per statement.
      const results = (await session.client.query(sql)) as unknown as pg.QueryResult<{
        scope: string;
        key: string;
      }>[];
      releaseSession(session);
      return new Set((results[1]?.rows ?? []).map(idOf));
    } catch (error) {
      releaseSession(session, error);
      // Never retried after a lost connection: the batch may have committed, and a
      // retry would then report those first deliveries as duplicates. A deadlock
      // victim, though, was rolled back entirely.
      if (session.broken || isConnectionError(error)) throw databaseUnavailable(error);
      if ((error as { code?: string }).code !== '40P01' || attempt >= DEADLOCK_RETRIES) throw error;
    }
  }
}

export function createClaimBatcher(
  pool: pg.Pool,
  serviceRole: string,
): (claim: ClaimRequest) => Promise<boolean> {
  let queue: Waiter[] = [];
  let inFlight = 0;
  let scheduled = false;

  async function send(batch: Waiter[]): Promise<void> {
    const groups = Map.groupBy(batch, idOf);
    // Sorted by id (code-unit order), so concurrent batches lock shared keys alike.
    const firsts = [...groups.keys()].sort().map((id) => groups.get(id)![0]!);
    try {
      const claimed = await runBatch(pool, serviceRole, firsts);
      for (const [id, group] of groups) {
        group.forEach((waiter, index) => {
          waiter.resolve(index === 0 && claimed.has(id));
        });
      }
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }

  function pump(): void {
    scheduled = false;
    while (queue.length > 0 && inFlight < MAX_IN_FLIGHT) {
      const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
      queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
      inFlight += 1;
      void send(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  return (claim) =>
    new Promise<boolean>((resolve, reject) => {
      queue.push({ ...claim, resolve, reject });
      // After this turn of the event loop, so claims made together travel together.
      if (!scheduled && inFlight < MAX_IN_FLIGHT) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}
