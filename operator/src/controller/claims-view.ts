import type { KubernetesObject } from '@kubernetes/client-node';
import type { FunctionClaims } from '../reconcile/claims.ts';
import { appIdConflicts, routeConflicts } from '../reconcile/conflicts.ts';

type Stored = KubernetesObject & { spec?: unknown };
interface ClaimingSpec {
  appId?: unknown;
  trigger?: { type?: unknown; config?: { path?: unknown } };
}
const specOf = (o: Stored) => (o.spec ?? {}) as ClaimingSpec;
const routePath = (o: Stored) => {
  const trigger = specOf(o).trigger;
  return trigger?.type === 'http' && typeof trigger.config?.path === 'string'
    ? trigger.config.path
    : undefined;
};

/**
 * A Function's sides of the conflicts it is in, judged on the informers' caches: the
 * Functions of its namespace (routes) and every App (appIds).
 */
export function claimsOf(
  fn: Stored,
  namespaceFunctions: readonly Stored[],
  apps: readonly Stored[],
): FunctionClaims {
  const key = `${fn.metadata?.namespace}/${fn.metadata?.name}`;
  const { appId } = specOf(fn);
  // Most Functions claim no extra route: nothing to compare.
  const route =
    routePath(fn) === undefined
      ? undefined
      : routeConflicts(namespaceFunctions as readonly (KubernetesObject & { spec?: ClaimingSpec })[]).get(
          key,
        );
  const ownApp = apps.find(
    (app) => app.metadata?.namespace === fn.metadata?.namespace && specOf(app).appId === appId,
  );
  const app =
    ownApp &&
    appIdConflicts(apps as readonly (KubernetesObject & { spec?: ClaimingSpec })[]).get(
      `${ownApp.metadata?.namespace}/${ownApp.metadata?.name}`,
    );
  return { ...(route ? { route } : {}), ...(app ? { app } : {}) };
}

/**
 * The Functions whose route conflicts a change to `fn` can start or end: those of its
 * app (namespace and appId) that claim an extra route, itself excepted.
 */
export function siblingsToRequeue(fn: Stored, namespaceFunctions: readonly Stored[]): Stored[] {
  if (routePath(fn) === undefined && !namespaceFunctions.some((other) => other !== fn && routePath(other)))
    return [];
  const { appId } = specOf(fn);
  return namespaceFunctions.filter(
    (other) =>
      other.metadata?.name !== fn.metadata?.name &&
      specOf(other).appId === appId &&
      routePath(other) !== undefined,
  );
}
