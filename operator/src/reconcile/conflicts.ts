import type { Condition } from '../../../api/v1alpha1/status.types.ts';
import { extraRoutePath } from '../../../api/v1alpha1/urls.ts';

/** The condition type both sides of a conflict carry, and its reasons. */
export const CONFLICT_CONDITION = 'Conflict';
export const CONFLICT_REASONS = {
  /** Two Functions of one app claim one `config.path`. */
  route: 'RouteConflict',
  /** Two Apps in different namespaces claim one appId. */
  appId: 'AppIdConflict',
} as const;

/** What conflict detection reads of an object: the informer's stored shape, unparsed. */
export interface Claimant {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: Date | string };
}
interface StoredFunction extends Claimant {
  spec?: { appId?: unknown; trigger?: { type?: unknown; config?: { path?: unknown } } };
}
interface StoredApp extends Claimant {
  spec?: { appId?: unknown };
}

/** One object's side of a conflict. */
export interface Conflict {
  reason: (typeof CONFLICT_REASONS)[keyof typeof CONFLICT_REASONS];
  /** What is claimed, for people: `route /v1/{appId}{path}` or `appId "…"`. */
  claim: string;
  /** Whether this object claimed it first, and so keeps it. */
  first: boolean;
  /** The first claimant (namespace/name). */
  holder: string;
  /** Every other claimant (namespace/name), oldest first. */
  others: string[];
}

const keyOf = (o: Claimant) => `${o.metadata?.namespace}/${o.metadata?.name}`;
const createdAt = (o: Claimant) => {
  const t = o.metadata?.creationTimestamp;
  return t === undefined ? Number.POSITIVE_INFINITY : new Date(t).getTime();
};

/** Oldest first; a tie (timestamps have second precision) goes to namespace/name order. */
export function byClaimOrder(a: Claimant, b: Claimant): number {
  return createdAt(a) - createdAt(b) || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
}

/** Each claimant of a contested claim, keyed by namespace/name, with its side of the conflict. */
function conflictsOf<T extends Claimant>(
  objects: readonly T[],
  claimOf: (o: T) => { scope: string; claim: string } | undefined,
  reason: Conflict['reason'],
): Map<string, Conflict> {
  const groups = new Map<string, { claim: string; group: T[] }>();
  for (const o of objects) {
    const claimed = claimOf(o);
    if (claimed === undefined) continue;
    const key = `${claimed.scope}\0${claimed.claim}`;
    const entry = groups.get(key);
    if (entry) entry.group.push(o);
    else groups.set(key, { claim: claimed.claim, group: [o] });
  }
  const conflicts = new Map<string, Conflict>();
  for (const { claim, group } of groups.values()) {
    if (group.length < 2) continue;
    const keys = [...group].sort(byClaimOrder).map(keyOf);
    const holder = keys[0]!;
    for (const key of keys) {
      const others = keys.filter((k) => k !== key);
      conflicts.set(key, { reason, claim, first: key === holder, holder, others });
    }
  }
  return conflicts;
}

/**
 * Functions of one app (one namespace and appId) whose http trigger claims the same
 * `config.path`: its route `/v1/{appId}{path}` on the shared ingress can go to one only.
 */
export function routeConflicts(functions: readonly StoredFunction[]): Map<string, Conflict> {
  return conflictsOf(
    functions,
    (fn) => {
      const appId = fn.spec?.appId;
      const trigger = fn.spec?.trigger;
      const path = trigger?.config?.path;
      if (typeof appId !== 'string' || trigger?.type !== 'http' || typeof path !== 'string') return undefined;
      // The namespace scopes the claim: an appId lives in one namespace (appIdConflicts
      // settles which), so Functions elsewhere with the same appId never serve.
      return { scope: fn.metadata?.namespace ?? '', claim: `route ${extraRoutePath(appId, path)}` };
    },
    CONFLICT_REASONS.route,
  );
}

/**
 * Apps in different namespaces claiming one appId: its URLs can serve one only. (Two in
 * one namespace are reported on their Functions, which cannot tell which is theirs.)
 */
export function appIdConflicts(apps: readonly StoredApp[]): Map<string, Conflict> {
  const perNamespace = new Map<string, StoredApp>();
  for (const app of [...apps].sort(byClaimOrder)) {
    const appId = app.spec?.appId;
    if (typeof appId !== 'string') continue;
    const key = `${app.metadata?.namespace}\0${appId}`;
    if (!perNamespace.has(key)) perNamespace.set(key, app);
  }
  return conflictsOf(
    [...perNamespace.values()],
    (app) => ({ scope: '', claim: `appId "${app.spec?.appId as string}"` }),
    CONFLICT_REASONS.appId,
  );
}

/** The Conflict condition an object's side of a conflict gets (status True on both sides). */
export function conflictCondition(
  conflict: Conflict,
  kind: 'Function' | 'App',
  generation: number | undefined,
): Omit<Condition, 'lastTransitionTime'> {
  const what = conflict.claim;
  const message = conflict.first
    ? `${what} is also claimed by ${kind} ${conflict.others.join(', ')}; this ${kind} claimed it first and keeps it`
    : `${what} is held by ${kind} ${conflict.holder}, which claimed it first; this ${kind} does not get it until the conflict is resolved`;
  return {
    type: CONFLICT_CONDITION,
    status: 'True',
    reason: conflict.reason,
    message,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
}

/** The conditions without a Conflict condition (the conflict is over). */
export function withoutConflict(conditions: readonly Condition[] | undefined): Condition[] | undefined {
  if (!conditions?.some((c) => c.type === CONFLICT_CONDITION)) return conditions as Condition[] | undefined;
  return conditions.filter((c) => c.type !== CONFLICT_CONDITION);
}
