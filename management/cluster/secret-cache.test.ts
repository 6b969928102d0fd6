import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { SecretCache } from './secret-cache.ts';

const secret = (keys: string): V1Secret => ({
  metadata: { namespace: 'ns', name: 'keys' },
  data: { keys: Buffer.from(keys).toString('base64') },
});
const REF = { name: 'keys', key: 'keys' };

describe('SecretCache', () => {
  it('reads a Secret once, then follows watch events for it and ignores other Secrets', async () => {
    let reads = 0;
    const cache = new SecretCache(async () => {
      reads++;
      return secret('one');
    });
    expect(await cache.value('ns', REF)).toBe('one');
    expect(await cache.value('ns', REF)).toBe('one');
    expect(reads).toBe(1);
    cache.observe('MODIFIED', secret('two'));
    cache.observe('MODIFIED', { ...secret('other'), metadata: { namespace: 'ns', name: 'unrelated' } });
    expect(await cache.value('ns', REF)).toBe('two');
    cache.observe('DELETED', secret('two'));
    expect(await cache.value('ns', REF)).toBeNull();
    expect(reads).toBe(1);
  });

  it('keeps a watch event that lands while the first read is under way (the read may be older)', async () => {
    const { promise: answer, resolve } = Promise.withResolvers<V1Secret>();
    const cache = new SecretCache(() => answer);
    const first = cache.value('ns', REF);
    cache.observe('MODIFIED', secret('from the watch'));
    resolve(secret('from the read'));
    expect(await first).toBe('from the watch');
  });

  it('shares one read among concurrent callers, and retries after a failed read', async () => {
    let reads = 0;
    const cache = new SecretCache(async () => {
      reads++;
      if (reads === 1) throw new Error('API server unavailable');
      return secret('ok');
    });
    await expect(cache.value('ns', REF)).rejects.toThrow('unavailable');
    const [a, b] = await Promise.all([cache.value('ns', REF), cache.value('ns', REF)]);
    expect([a, b, reads]).toEqual(['ok', 'ok', 2]);
  });
});
