import { describe, expect, it } from 'vitest';
import { createApiKeyMatcher, generateApiKey, isApiKeyShaped } from './api-key.ts';

describe('API keys', () => {
  it('generates bb_sk_ + 32 random bytes in base64url', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^bb_sk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice('bb_sk_'.length), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
    expect(isApiKeyShaped(key)).toBe(true);
  });

  it.each([
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig', false],
    ['the bare prefix', 'bb_sk_', false],
    ['another prefix', 'sk_live_abc', false],
    ['a short key', 'bb_sk_abc', true],
  ])('isApiKeyShaped(%s) is %s', (_name, value, shaped) => {
    expect(isApiKeyShaped(value)).toBe(shaped);
  });

  it('matches only configured keys', () => {
    const [a, b] = [generateApiKey(), generateApiKey()];
    const matches = createApiKeyMatcher([a, b, '']);
    expect(matches(a)).toBe(true);
    expect(matches(b)).toBe(true);
    expect(matches(`${a}x`)).toBe(false);
    expect(matches(a.slice(0, -1))).toBe(false);
    expect(matches('')).toBe(false);
    expect(createApiKeyMatcher([])(a)).toBe(false);
  });
});
