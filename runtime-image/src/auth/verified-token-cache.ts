import type { UserCaller } from './caller.ts';

export interface VerifiedTokenCacheOptions {
  /** Longest a verification is reused, whatever the token's `exp` says. */
  maxLifetimeMs?: number;
  /** Tokens remembered at once; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Remembers tokens that verified, until they expire (and at most `maxLifetimeMs`), so
 * that a client sending the same bearer token on every request pays for the signature
 * check once, as PostgREST's JWT cache does. Failures are never cached. A key removed
 * from the provider's JWKS stops a cached token within `maxLifetimeMs`.
 */
export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions = {}) {
  const maxLifetimeMs = options.maxLifetimeMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { caller: UserCaller; until: number }>();

  return {
    get(token: string): UserCaller | undefined {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now() < entry.until) return entry.caller;
      entries.delete(token);
      return undefined;
    },
    set(token: string, caller: UserCaller, expiresAtSeconds: number | undefined): void {
      const until = Math.min(
        now() + maxLifetimeMs,
        expiresAtSeconds === undefined ? Number.POSITIVE_INFINITY : expiresAtSeconds * 1000,
      );
      if (until <= now()) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(token, { caller, until });
    },
    get size(): number {
      return entries.size;
    },
  };
}
