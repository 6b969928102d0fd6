import { describe, expect, it } from 'vitest';
import {
  appIdConflicts,
  byClaimOrder,
  CONFLICT_REASONS,
  conflictCondition,
  routeConflicts,
  withoutConflict,
} from './conflicts.ts';

const fn = (
  namespace: string,
  name: string,
  created: string,
  appId: string,
  path?: string,
  type = 'http',
) => ({
  metadata: { namespace, name, creationTimestamp: created },
  spec: { appId, trigger: { type, config: path === undefined ? {} : { path } } },
});
const app = (namespace: string, name: string, created: string, appId: string) => ({
  metadata: { namespace, name, creationTimestamp: created },
  spec: { appId },
});

describe('routeConflicts', () => {
  it('reports every claimant of one route of one app, the oldest keeping it', () => {
    const conflicts = routeConflicts([
      fn('a', 'late', '2026-01-02T00:00:00Z', 'app_1', '/hook'),
      fn('a', 'early', '2026-01-01T00:00:00Z', 'app_1', '/hook'),
      fn('a', 'other-path', '2026-01-01T00:00:00Z', 'app_1', '/other'),
      fn('a', 'no-path', '2026-01-01T00:00:00Z', 'app_1'),
    ]);
    expect([...conflicts.keys()].sort()).toEqual(['a/early', 'a/late']);
    expect(conflicts.get('a/early')).toEqual({
      reason: CONFLICT_REASONS.route,
      claim: 'route /v1/app_1/hook',
      first: true,
      holder: 'a/early',
      others: ['a/late'],
    });
    expect(conflicts.get('a/late')).toMatchObject({ first: false, holder: 'a/early', others: ['a/early'] });
  });

  it('breaks a tie of creation time by name, and sees no conflict across apps, namespaces or triggers', () => {
    const tie = routeConflicts([
      fn('a', 'zeta', '2026-01-01T00:00:00Z', 'app_1', '/x'),
      fn('a', 'alpha', '2026-01-01T00:00:00Z', 'app_1', '/x'),
    ]);
    expect(tie.get('a/alpha')?.first).toBe(true);
    expect(tie.get('a/zeta')?.first).toBe(false);
    const none = routeConflicts([
      fn('a', 'one', '2026-01-01T00:00:00Z', 'app_1', '/x'),
      fn('a', 'two', '2026-01-01T00:00:00Z', 'app_2', '/x'),
      fn('b', 'three', '2026-01-01T00:00:00Z', 'app_1', '/x'),
      fn('a', 'four', '2026-01-01T00:00:00Z', 'app_1', '/x', 'websocket'),
    ]);
    expect(none.size).toBe(0);
  });
});

describe('appIdConflicts', () => {
  it('reports Apps of different namespaces claiming one appId, the oldest keeping it', () => {
    const conflicts = appIdConflicts([
      app('team-b', 'shop', '2026-02-01T00:00:00Z', 'app_shop'),
      app('team-a', 'shop', '2026-01-01T00:00:00Z', 'app_shop'),
      app('team-c', 'blog', '2026-01-01T00:00:00Z', 'app_blog'),
    ]);
    expect([...conflicts.keys()].sort()).toEqual(['team-a/shop', 'team-b/shop']);
    expect(conflicts.get('team-a/shop')).toMatchObject({ first: true, claim: 'appId "app_shop"' });
    expect(conflicts.get('team-b/shop')).toMatchObject({ first: false, holder: 'team-a/shop' });
  });

  it('leaves two Apps of one namespace to their Functions', () => {
    expect(
      appIdConflicts([
        app('a', 'one', '2026-01-01T00:00:00Z', 'app_x'),
        app('a', 'two', '2026-01-02T00:00:00Z', 'app_x'),
      ]).size,
    ).toBe(0);
  });
});

describe('conflictCondition', () => {
  it('says on each side who holds the claim', () => {
    const [holder, rival] = [
      ...routeConflicts([
        fn('a', 'early', '2026-01-01T00:00:00Z', 'app_1', '/hook'),
        fn('a', 'late', '2026-01-02T00:00:00Z', 'app_1', '/hook'),
      ]).values(),
    ];
    expect(conflictCondition(holder!, 'Function', 3)).toEqual({
      type: 'Conflict',
      status: 'True',
      reason: 'RouteConflict',
      message:
        'route /v1/app_1/hook is also claimed by Function a/late; this Function claimed it first and keeps it',
      observedGeneration: 3,
    });
    expect(conflictCondition(rival!, 'Function', undefined).message).toBe(
      'route /v1/app_1/hook is held by Function a/early, which claimed it first; this Function does not get it until the conflict is resolved',
    );
  });

  it('is removed when the conflict is over', () => {
    const conditions = [
      {
        type: 'Ready',
        status: 'True' as const,
        reason: 'Ready',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
      {
        type: 'Conflict',
        status: 'True' as const,
        reason: 'RouteConflict',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
    expect(withoutConflict(conditions)).toEqual([conditions[0]]);
    expect(withoutConflict([conditions[0]!])).toEqual([conditions[0]]);
  });

  it('orders claimants without a creation time last', () => {
    expect(
      byClaimOrder(
        { metadata: { name: 'a' } },
        { metadata: { name: 'b', creationTimestamp: '2026-01-01T00:00:00Z' } },
      ),
    ).toBeGreaterThan(0);
  });
});
