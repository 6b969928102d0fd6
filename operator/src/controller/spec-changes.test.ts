import { describe, expect, it } from 'vitest';
import { SpecChanges } from './spec-changes.ts';

const fn = (generation: number, status?: string, deletionTimestamp?: Date) => ({
  metadata: {
    namespace: 'a',
    name: 'hello',
    generation,
    ...(deletionTimestamp ? { deletionTimestamp } : {}),
  },
  status: { status },
});

describe('SpecChanges', () => {
  it('passes a new object, a new generation and a deletion, not a status change', () => {
    const changes = new SpecChanges();
    expect(changes.changed(fn(1))).toBe(true);
    expect(changes.changed(fn(1, 'deployed'))).toBe(false);
    expect(changes.changed(fn(2, 'deployed'))).toBe(true);
    expect(changes.changed(fn(2, 'deployed', new Date(0)))).toBe(true);
    changes.forget(fn(2));
    expect(changes.changed(fn(2, 'deployed'))).toBe(true);
  });
});
