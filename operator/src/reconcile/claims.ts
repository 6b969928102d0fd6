import type { KubernetesObject, V1Ingress } from '@kubernetes/client-node';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { extraRoutePath } from '../../../api/v1alpha1/urls.ts';
import { setCondition } from './conditions.ts';
import {
  CONFLICT_CONDITION,
  CONFLICT_REASONS,
  type Conflict,
  conflictCondition,
  withoutConflict,
} from './conflicts.ts';
import { type FunctionState, failedStatus } from './function-state.ts';

/** A Function's sides of the conflicts it is in (conflicts.ts). */
export interface FunctionClaims {
  /** Its `config.path` route, claimed by another Function of its app too. */
  route?: Conflict;
  /** Its App's appId, claimed by an App of another namespace too. */
  app?: Conflict;
}

/**
 * What a reconcile decided, once conflicts are settled, the first claimant keeping what
 * it claimed:
 * - a Function whose App lost its appId to an older App elsewhere deploys nothing (its
 *   URLs are the other App's) and says so;
 * - a Function that lost its route serves its canonical URL, and its ingress rule leaves
 *   the route to the first claimant;
 * - both sides carry a Conflict condition, which goes away with the conflict.
 */
export function withClaims(
  state: FunctionState,
  claims: FunctionClaims,
  fn: FunctionResource,
  now: Date,
): FunctionState {
  const generation = fn.metadata.generation;
  if (claims.app && !claims.app.first) {
    const { message } = conflictCondition(claims.app, 'App', generation);
    const reason = CONFLICT_REASONS.appId;
    return {
      objects: [],
      status: failedStatus(state.status, state.status.conditions, { reason, message, generation }, now),
      warning: { reason, message },
    };
  }
  const route = claims.route;
  const conditions = route
    ? setCondition(state.status.conditions, conflictCondition(route, 'Function', generation), now)
    : withoutConflict(state.status.conditions);
  const objects =
    route && !route.first && fn.spec.trigger.type === 'http' && fn.spec.trigger.config.path
      ? withoutRoute(state.objects, extraRoutePath(fn.spec.appId, fn.spec.trigger.config.path))
      : state.objects;
  return { ...state, objects, status: { ...state.status, ...(conditions ? { conditions } : {}) } };
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
  before: FunctionState['status']['conditions'],
  after: FunctionState['status']['conditions'],
): { reason: string; message: string } | undefined {
  const was = before?.find((c) => c.type === CONFLICT_CONDITION);
  const is = after?.find((c) => c.type === CONFLICT_CONDITION);
  if (!is || (was?.reason === is.reason && was.message === is.message)) return undefined;
  return { reason: is.reason, message: is.message };
}
