import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, so an
 * invocation id tells which stored batch of invocations can hold it (invocations/query.ts).
 * The rest comes from randomUUID() (its cached entropy makes it the cheapest source):
 * its random digits stay, its version digit becomes 7, its variant bits already fit.
 */
export function uuidV7(now: number = Date.now()): string {
  if (now !== prefixTime) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    prefixTime = now;
  }
  return prefix + randomUUID().slice(15);
}

// The time part, kept while the millisecond lasts: under load many ids share it.
let prefixTime = -1;
let prefix = '';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The millisecond timestamp of a UUIDv7, or null for any other uuid (e.g. the v4 ids of older invocations). */
export function uuidV7Time(id: string): number | null {
  return V7.test(id) ? Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16) : null;
}
