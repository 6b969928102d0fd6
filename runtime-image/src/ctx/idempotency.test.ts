import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { DEFAULT_DATABASE_ROLES } from '../db/roles.ts';
import { createTestDatabase, type TestDatabase } from '../db/test-database.ts';
import { createFunctionDb, createPool } from './db.ts';
import { createIdempotency } from './idempotency.ts';

const roles = DEFAULT_DATABASE_ROLES;
let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'), 'bbfn_idem');
  await migrate(database.url);
  pool = createPool(database.url, { max: 10 });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('ctx.idempotency.claim', () => {
  it('gives exactly one true among 100 concurrent claims of one key', async () => {
    const idempotency = createIdempotency(pool, roles);
    const results = await Promise.all(Array.from({ length: 100 }, () => idempotency.claim('evt_concurrent')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await idempotency.claim('evt_concurrent')).toBe(false);
  });

  it('gives exactly one true per key across workers with their own pools, in any order', async () => {
    const otherPool = createPool(database.url, { max: 3 });
    try {
      const workers = [createIdempotency(pool, roles), createIdempotency(otherPool, roles)];
      const keys = Array.from({ length: 50 }, (_, i) => `evt_overlap_${i}`);
      // Each worker claims every key twice, in its own shuffled order: batches overlap
      // on rows and must neither deadlock nor double-claim.
      const claims = workers.flatMap((worker) =>
        [...keys, ...keys]
          .sort(() => Math.random() - 0.5)
          .map(async (key) => ({ key, claimed: await worker.claim(key, { scope: 'overlap' }) })),
      );
      const results = await Promise.all(claims);
      for (const key of keys) {
        expect(results.filter((r) => r.key === key && r.claimed)).toHaveLength(1);
      }
    } finally {
      await otherPool.end();
    }
  });

  it('keeps scopes independent, with "default" as the default scope', async () => {
    const idempotency = createIdempotency(pool, roles);
    expect(await idempotency.claim('evt_1', { scope: 'stripe' })).toBe(true);
    expect(await idempotency.claim('evt_1', { scope: 'telegram' })).toBe(true);
    expect(await idempotency.claim('evt_1')).toBe(true);
    expect(await idempotency.claim('evt_1', { scope: 'default' })).toBe(false);
    expect(await idempotency.claim('evt_1', { scope: 'stripe' })).toBe(false);
    const { rows } = await pool.query(
      "SELECT scope FROM _idempotency_keys WHERE key = 'evt_1' ORDER BY scope",
    );
    expect(rows.map((row) => row.scope)).toEqual(['default', 'stripe', 'telegram']);
  });

  it('lets an expired claim be claimed again, by exactly one of many', async () => {
    const idempotency = createIdempotency(pool, roles);
    expect(await idempotency.claim('evt_ttl', { ttlSeconds: 60 })).toBe(true);
    expect(await idempotency.claim('evt_ttl', { ttlSeconds: 60 })).toBe(false);
    await pool.query(
      "UPDATE _idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'evt_ttl'",
    );
    const again = await Promise.all(
      Array.from({ length: 20 }, () => idempotency.claim('evt_ttl', { ttlSeconds: 60 })),
    );
    expect(again.filter(Boolean)).toHaveLength(1);
    // A permanent claim never expires.
    expect(await idempotency.claim('evt_forever')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await idempotency.claim('evt_forever')).toBe(false);
  });

  it('expires a short ttl for real', async () => {
    const idempotency = createIdempotency(pool, roles);
    expect(await idempotency.claim('evt_short', { ttlSeconds: 0.2 })).toBe(true);
    expect(await idempotency.claim('evt_short', { ttlSeconds: 0.2 })).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await idempotency.claim('evt_short', { ttlSeconds: 0.2 })).toBe(true);
  });

  it("lets the seed's cleanup SQL run as written through ctx.db as the service", async () => {
    const idempotency = createIdempotency(pool, roles);
    await idempotency.claim('evt_old', { scope: 'cleanup', ttlSeconds: 60 });
    await idempotency.claim('evt_keep', { scope: 'cleanup', ttlSeconds: 60 });
    await idempotency.claim('evt_permanent', { scope: 'cleanup' });
    await pool.query(
      "UPDATE _idempotency_keys SET expires_at = now() - interval '1 hour' WHERE key = 'evt_old'",
    );
    const db = createFunctionDb(pool, { kind: 'service' }, roles);
    const result = await db.query('DELETE FROM _idempotency_keys WHERE expires_at < now();');
    expect(result.rowCount).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query(
      "SELECT key FROM _idempotency_keys WHERE scope = 'cleanup' ORDER BY key",
    );
    expect(rows.map((row) => row.key)).toEqual(['evt_keep', 'evt_permanent']);
  });

  it('stores keys with quotes and backslashes verbatim', async () => {
    const idempotency = createIdempotency(pool, roles);
    const key = "it's a \\'trap\\' ); DROP TABLE _idempotency_keys; --";
    expect(await idempotency.claim(key, { scope: "o'scope\\" })).toBe(true);
    expect(await idempotency.claim(key, { scope: "o'scope\\" })).toBe(false);
    const { rows } = await pool.query('SELECT scope FROM _idempotency_keys WHERE key = $1', [key]);
    expect(rows).toEqual([{ scope: "o'scope\\" }]);
  });

  it('rejects keys, scopes and ttls it cannot store', async () => {
    const idempotency = createIdempotency(pool, roles) as { claim: (...args: unknown[]) => Promise<boolean> };
    const bad: unknown[][] = [
      [''],
      [42],
      [undefined],
      ['a\u0000b'],
      ['x'.repeat(1025)],
      ['k', { scope: '' }],
      ['k', { scope: 7 }],
      ['k', { ttlSeconds: 0 }],
      ['k', { ttlSeconds: -1 }],
      ['k', { ttlSeconds: Number.POSITIVE_INFINITY }],
      ['k', { ttlSeconds: Number.NaN }],
      ['k', { ttlSeconds: '60' }],
      ['k', 'stripe'],
    ];
    for (const args of bad) {
      await expect(idempotency.claim(...args)).rejects.toMatchObject({ code: 'IDEMPOTENCY_INVALID_KEY' });
    }
  });

  it('reports an unreachable database as DATABASE_UNAVAILABLE', async () => {
    const down = createPool('postgres://postgres:postgres@127.0.0.1:1/postgres');
    try {
      await expect(createIdempotency(down, roles).claim('evt')).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        status: 503,
      });
    } finally {
      await down.end();
    }
  });

  it('keeps up a high claim rate from 100 concurrent claimers (at least 3,000/s)', async () => {
    const idempotency = createIdempotency(pool, roles);
    let claimed = 0;
    const deadline = performance.now() + 1_000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 100 }, async (_, worker) => {
        for (let i = 0; performance.now() < deadline; i++) {
          if (await idempotency.claim(`bench_${worker}_${i}`, { scope: 'bench' })) claimed += 1;
        }
      }),
    );
    const perSecond = claimed / ((performance.now() - started) / 1000);
    console.info(`idempotency.claim: ${Math.round(perSecond)} claims/s`);
    // Group commit reaches ~20k/s on two cores, so the design target holds with room to spare.
    expect(perSecond).toBeGreaterThan(3_000);
  });
});
