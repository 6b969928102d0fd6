import { describe, expect, it } from 'vitest';
import { uuidV7, uuidV7Time } from './uuid-v7.ts';

describe('uuidV7', () => {
  it('is a version 7, RFC variant uuid carrying its millisecond timestamp', () => {
    const at = Date.UTC(2026, 10, 24, 12, 0, 0, 123);
    const id = uuidV7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7Time(id)).toBe(at);
    expect(uuidV7Time(id.toUpperCase())).toBe(at);
  });

  it('is unique and sorts by time across milliseconds', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidV7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    const sameMillisecond = Array.from({ length: 5000 }, () => uuidV7(0));
    expect(new Set(sameMillisecond).size).toBe(5000);
    expect(sameMillisecond.every((id) => uuidV7Time(id) === 0)).toBe(true);
  });

  it('has no time for other uuid versions', () => {
    expect(uuidV7Time('1b4e28ba-2fa1-41d2-883f-0016d3cca427')).toBeNull();
    expect(uuidV7Time('not-a-uuid')).toBeNull();
  });
});
