import { randomUUID } from 'node:crypto';
import { createIdempotency } from '../runtime-image/src/ctx/idempotency.ts';
import { createPool } from '../runtime-image/src/db/pool.ts';
import { DEFAULT_DATABASE_ROLES } from '../runtime-image/src/db/roles.ts';

export interface ClaimsResult {
  perSecond: number;
  winnersOfOneKey: number;
}

/** Claims of distinct keys from `concurrency` callers for a bounded time, plus the one-key race. */
export async function measureClaims(
  url: string,
  options: { concurrency: number; durationMs: number },
): Promise<ClaimsResult> {
  const pool = createPool(url, { max: 10 });
  try {
    const idempotency = createIdempotency(pool, DEFAULT_DATABASE_ROLES);
    const sameKey = randomUUID();
    const race = await Promise.all(
      Array.from({ length: 100 }, () => idempotency.claim(sameKey, { scope: 'bench' })),
    );
    const deadline = performance.now() + options.durationMs;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) {
          await idempotency.claim(randomUUID(), { scope: 'bench', ttlSeconds: 60 });
          done++;
        }
      }),
    );
    return {
      perSecond: done / ((performance.now() - started) / 1000),
      winnersOfOneKey: race.filter(Boolean).length,
    };
  } finally {
    await pool.end();
  }
}
