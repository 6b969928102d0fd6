import type { V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type FunctionResource, functionSchema } from '../../../api/v1alpha1/function.types.ts';
import { conflictNews, withClaims, withConflict } from './claims.ts';
import type { Conflict } from './conflicts.ts';
import type { FunctionState } from './function-state.ts';

const now = new Date('2026-12-05T00:00:00Z');
const fn: FunctionResource = functionSchema.parse({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'Function',
  metadata: { name: 'late', namespace: 'a', generation: 2 },
  spec: { appId: 'shop', code: 'x', trigger: { type: 'http', config: { path: '/hook' } } },
});
const ingress = {
  kind: 'Ingress',
  spec: { rules: [{ http: { paths: [{ path: '/v1/shop/fn/late' }, { path: '/v1/shop/hook' }] } }] },
};
const deployable = (): FunctionState => ({
  base: { functionId: 'fn_x' },
  objects: [{ kind: 'Deployment' }, ingress],
  revision: 'r1',
});
const route = (first: boolean): Conflict => ({
  reason: 'RouteConflict',
  claim: 'route /v1/shop/hook',
  first,
  holder: first ? 'a/late' : 'a/early',
  others: [first ? 'a/early' : 'a/late'],
});
const paths = (state: FunctionState) =>
  (state.objects!.find((o) => o.kind === 'Ingress') as V1Ingress).spec!.rules![0]!.http!.paths.map(
    (p) => p.path,
  );

describe('withClaims', () => {
  it('leaves a state without conflicts as it is', () => {
    expect(withClaims(deployable(), {}, fn)).toEqual({ state: deployable(), conflict: null });
  });

  it('keeps the route for its first claimant, and says so', () => {
    const { state, conflict } = withClaims(deployable(), { route: route(true) }, fn);
    expect(paths(state)).toEqual(['/v1/shop/fn/late', '/v1/shop/hook']);
    expect(conflict).toMatchObject({ type: 'Conflict', status: 'True', reason: 'RouteConflict' });
  });

  it('takes the route out of a later claimant’s ingress rule; it still serves its own URL', () => {
    const { state, conflict } = withClaims(deployable(), { route: route(false) }, fn);
    expect(paths(state)).toEqual(['/v1/shop/fn/late']);
    expect(state.failure).toBeUndefined();
    expect(conflict!.message).toContain('held by Function a/early');
  });

  it('deploys nothing for a Function whose App lost its appId', () => {
    const app: Conflict = {
      reason: 'AppIdConflict',
      claim: 'appId "shop"',
      first: false,
      holder: 'team-a/shop',
      others: ['team-a/shop'],
    };
    const { state } = withClaims(deployable(), { app }, fn);
    expect(state.objects).toBeUndefined();
    expect(state.failure).toMatchObject({ phase: 'failed', reason: 'AppIdConflict' });
    expect(state.failure!.message).toContain('held by App team-a/shop');
  });

  it('has news for an Event only when the Conflict condition appears or changes', () => {
    const { conflict } = withClaims(deployable(), { route: route(false) }, fn);
    const conflicted = withConflict([], conflict, now);
    expect(conflictNews([], conflicted)).toMatchObject({ reason: 'RouteConflict' });
    expect(conflictNews(conflicted, conflicted)).toBeUndefined();
    expect(conflictNews(conflicted, [])).toBeUndefined();
    expect(withConflict(conflicted, null, now)).toEqual([]);
  });
});
