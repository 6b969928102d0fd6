import type { KubernetesObject, V1Ingress } from '@kubernetes/client-node';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import type { Condition } from '../../../api/v1alpha1/status.types.ts';
import { extraRoutePath, triggerExtraPath } from '../../../api/v1alpha1/urls.ts';
import { setCondition } from './conditions.ts';
import {
  CONFLICT_CONDITION,
  CONFLICT_REASONS,
  type Conflict,
  conflictCondition,
  withoutConflict,
} from './conflicts.ts';
import type { FunctionState } from './function-state.ts';

/** A Function's sides of the conflicts it is in (conflicts.ts). */
export interface FunctionClaims {
  /** Its `config.path` route, claimed by another Function of its app too. */
  route?: Conflict;
  /** Its App's appId, claimed by an App of another namespace too. */
  app?: Conflict;
}

/** The Conflict condition a Function carries, without its transition time. */
export type ConflictCondition = Omit<Condition, 'lastTransitionTime'>;

/**
 * What a reconcile decided, once conflicts are settled, the first claimant keeping what
 * it claimed:
 * - a Function whose App lost its appId to an older App elsewhere deploys nothing (its
 *   URLs are the other App's) and says so;
 * - a Function that lost its route serves its canonical URL, and its ingress rule leaves
 *   the route to the first claimant;
 * - both sides of a route conflict carry a Conflict condition, gone with the conflict.
 */
export function withClaims(
  state: FunctionState,
  claims: FunctionClaims,
  fn: FunctionResource,
): { state: FunctionState; conflict: ConflictCondition | null } {
  const generation = fn.metadata.generation;
  if (claims.app && !claims.app.first) {
    const { message } = conflictCondition(claims.app, 'App', generation);
    return {
      state: { base: state.base, failure: { phase: 'failed', reason: CONFLICT_REASONS.appId, message } },
      conflict: null,
    };
  }
  const route = claims.route;
  if (!route) return { state, conflict: null };
  const conflict = conflictCondition(route, 'Function', generation);
  const extra = triggerExtraPath(fn.spec.trigger);
  if (route.first || state.failure || !extra) return { state, conflict };
  const objects = withoutRoute(state.objects, extraRoutePath(fn.spec.appId, extra));
  return { state: { ...state, objects }, conflict };
}

/** The conditions with the Conflict condition set, or taken away when there is none. */
export function withConflict(
  conditions: Condition[] | undefined,
  conflict: ConflictCondition | null,
  now: Date,
): Condition[] | undefined {
  return conflict ? setCondition(conditions, conflict, now) : withoutConflict(conditions);
}

/** The objects with `path` taken out of the ingress rule. */
function withoutRoute(objects: KubernetesObject[], path: string): KubernetesObject[] {
  return objects.map((object) => {
    if (object.kind !== 'Ingress') return object;
    const ingress = object as V1Ingress;
    const rules = ingress.spec?.rules?.map((rule) => ({
      ...rule,
      ...(rule.http ? { http: { paths: rule.http.paths.filter((p) => p.path !== path) } } : {}),
    }));
    return { ...ingress, spec: { ...ingress.spec, rules } };
  });
}

/** The Conflict condition's news for an Event: set when it appeared or changed. */
export function conflictNews(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): { reason: string; message: string } | undefined {
  const was = before?.find((c) => c.type === CONFLICT_CONDITION);
  const is = after?.find((c) => c.type === CONFLICT_CONDITION);
  if (!is || (was?.reason === is.reason && was.message === is.message)) return undefined;
  return { reason: is.reason, message: is.message };
}
