import { describe, expect, it } from 'vitest';
import { KEPT_REVISIONS, staleRevisions } from './stale-revisions.ts';

describe('staleRevisions', () => {
  it('keeps the current revision and the newest others, whatever their order', () => {
    const objects = [5, 1, 4, 2, 6, 3].map((n) => ({
      name: `fn-hello-r${n}`,
      revision: `r${n}`,
      createdAt: new Date(Date.UTC(2026, 0, n)),
    }));
    // r1 is current again (rolled back to): it stays, with the three newest besides it.
    expect(staleRevisions(objects, 'r1').sort()).toEqual(['fn-hello-r2', 'fn-hello-r3']);
    expect(staleRevisions(objects, 'r6')).toHaveLength(objects.length - 1 - KEPT_REVISIONS);
    expect(staleRevisions(objects.slice(0, 2), 'r5')).toEqual([]);
  });
});
