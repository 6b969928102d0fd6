import { describe, expect, it } from 'vitest';
import type { UserCaller } from './caller.ts';
import { createVerifiedTokenCache } from './verified-token-cache.ts';

const alice: UserCaller = { kind: 'user', userId: 'alice', claims: { sub: 'alice' } };

describe('verified token cache', () => {
  it('serves a verified token until its exp, then forgets it', () => {
    let clock = 1_000_000;
    const cache = createVerifiedTokenCache({ now: () => clock, maxLifetimeMs: 3_600_000 });
    cache.set('t', alice, clock / 1000 + 10);
    expect(cache.get('t')).toEqual(alice);
    clock += 9_999;
    expect(cache.get('t')).toEqual(alice);
    clock += 1;
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps a token at most maxLifetimeMs, with or without exp', () => {
    let clock = 0;
    const cache = createVerifiedTokenCache({ now: () => clock, maxLifetimeMs: 1000 });
    cache.set('no-exp', alice, undefined);
    cache.set('far-exp', alice, 10_000_000);
    clock = 999;
    expect(cache.get('no-exp')).toEqual(alice);
    clock = 1000;
    expect(cache.get('no-exp')).toBeUndefined();
    expect(cache.get('far-exp')).toBeUndefined();
  });

  it('does not remember a token that has already expired', () => {
    const cache = createVerifiedTokenCache({ now: () => 50_000 });
    cache.set('old', alice, 40);
    expect(cache.get('old')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry beyond maxEntries', () => {
    const cache = createVerifiedTokenCache({ now: () => 0, maxEntries: 2 });
    cache.set('a', alice, undefined);
    cache.set('b', alice, undefined);
    cache.set('c', alice, undefined);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toEqual(alice);
  });
});
