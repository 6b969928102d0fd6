import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, so an
 * invocation id tells which stored batch of invocations can hold it (invocations/query.ts).
 * Within a millisecond the next 12 bits count up (RFC 9562 §6.2, method 1) and the last
 * 62 are random, drawn once per millisecond: ids of one thread sort in the order they
 * were made, and making one is a string concatenation (a random draw each cost ~1 µs).
 */
export function uuidV7(now: number = Date.now()): string {
  if (now !== current.time || current.counter > MAX_COUNTER) {
    const time = now.toString(16).padStart(12, '0');
    current.time = now;
    current.prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    // From a v4 uuid: `-Vxxx-xxxxxxxxxxxx`, its variant digit V already RFC 4122's.
    current.tail = randomUUID().slice(18);
    current.counter = 0;
  }
  const counter = current.counter++;
  return current.prefix + COUNTER_HEX[counter] + current.tail;
}

const MAX_COUNTER = 0xfff;
const COUNTER_HEX = Array.from({ length: MAX_COUNTER + 1 }, (_, i) => i.toString(16).padStart(3, '0'));
const current = { time: -1, counter: 0, prefix: '', tail: '' };

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The millisecond timestamp of a UUIDv7, or null for any other uuid (e.g. the v4 ids of older invocations). */
export function uuidV7Time(id: string): number | null {
  return V7.test(id) ? Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16) : null;
}
