/**
 * Platform API keys: `bb_sk_` + 32 random bytes in base64url. A valid key makes the
 * caller the service (RLS bypassed), so comparison must not leak how much of a key
 * matched: both sides are hashed to a fixed length and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'bb_sk_';
const API_KEY_SHAPE = /^bb_sk_[A-Za-z0-9_-]+$/;

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Tells an API key from a JWT in `Authorization: Bearer …` (JWTs never start with `bb_sk_`). */
export function isApiKeyShaped(value: string): boolean {
  return API_KEY_SHAPE.test(value);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Returns a predicate that is true when the candidate equals one of the app's keys. */
export function createApiKeyMatcher(keys: readonly string[]): (candidate: string) => boolean {
  const digests = keys.filter((key) => key.length > 0).map(digest);
  return (candidate) => {
    const candidateDigest = digest(candidate);
    let matched = false;
    // No early exit: the time taken does not depend on which key (if any) matched.
    for (const keyDigest of digests) matched = timingSafeEqual(keyDigest, candidateDigest) || matched;
    return matched;
  };
}
