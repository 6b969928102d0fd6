import type pg from 'pg';
import type { DatabaseRoles } from '../db/roles.ts';
import { BbfnError } from '../errors.ts';
import { createClaimBatcher } from './idempotency-batch.ts';

export interface ClaimOptions {
  /** Namespace, e.g. 'stripe' or 'telegram', so providers' ids never collide. */
  scope?: string;
  /** Marks the claim with an expiry; once expired the key can be claimed again. */
  ttlSeconds?: number;
}

/** The seed's `ctx.idempotency`. */
export interface Idempotency {
  /** True for exactly one of any number of concurrent claims of one (scope, key). */
  claim(key: string, opts?: ClaimOptions): Promise<boolean>;
}

// A btree entry must fit in a third of a page (~2.7 kB): longer keys would fail in
// Postgres with an obscure index error, so they are refused up front.
const MAX_KEY_LENGTH = 1024;
// 100 years: far beyond any webhook retry window, well inside Postgres' interval range.
const MAX_TTL_SECONDS = 100 * 365.25 * 24 * 3600;

function invalid(message: string): BbfnError {
  return new BbfnError('IDEMPOTENCY_INVALID_KEY', message);
}

function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(`ctx.idempotency.claim: ${what} must be a non-empty string`);
  if (value.length > MAX_KEY_LENGTH)
    throw invalid(`ctx.idempotency.claim: ${what} must be at most ${MAX_KEY_LENGTH} characters`);
  // Postgres text cannot hold NUL; it would fail as an encoding error instead.
  if (value.includes('\u0000'))
    throw invalid(`ctx.idempotency.claim: ${what} must not contain NUL characters`);
  return value;
}

function checkTtl(ttl: unknown): number | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
    throw invalid(
      `ctx.idempotency.claim: ttlSeconds must be a positive number of seconds up to ${MAX_TTL_SECONDS}`,
    );
  }
  return ttl;
}

/**
 * Atomic under any concurrency: one INSERT … ON CONFLICT decides (idempotency-batch.ts),
 * and among concurrent claims of one (scope, key) exactly one returns true. An
 * expired claim can be claimed again. Claims run as the service role whoever the
 * caller is: a dedup key is the function's bookkeeping, not the end user's data, and
 * RLS on it would only hide other callers' claims and break the guarantee.
 */
export function createIdempotency(pool: pg.Pool, roles: DatabaseRoles): Idempotency {
  const claimInBatch = createClaimBatcher(pool, roles.service);
  return {
    async claim(key, opts) {
      checkName(key, 'key');
      if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
        throw invalid('ctx.idempotency.claim: options must be an object such as { scope, ttlSeconds }');
      }
      const scope = opts?.scope === undefined ? 'default' : checkName(opts.scope, 'scope');
      const ttl = checkTtl(opts?.ttlSeconds);
      return await claimInBatch({ scope, key, ttlSeconds: ttl });
    },
  };
}
