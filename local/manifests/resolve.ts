import { extraRoutePath, triggerExtraPath } from '../../api/v1alpha1/urls.ts';
import type {
  LoadedApp,
  LoadedFunction,
  LoadedManifest,
  ManifestProblem,
  ManifestSet,
  ManifestSource,
} from './types.ts';

/**
 * The checks that need every file at once, run over the documents that passed their
 * own checks, in load order (files sorted by path, then document order):
 *
 * - an App name defined twice: the later one is a problem (as a second `kubectl apply`
 *   would overwrite the first);
 * - two Apps claiming one `appId`: a problem on both, and neither serves;
 * - a Function defined twice for one (appId, name): the later one is a problem;
 * - a Function whose App does not exist: the seed's `RESOURCE_NOT_FOUND`;
 * - two HTTP functions with one `config.path` in an app: a problem on both, as the
 *   operator reports a route conflict on both objects' status.
 *
 * The local platform is one namespace: `metadata.namespace` is carried but does not
 * separate anything, because function URLs (`/v1/{appId}/fn/{name}`) do not have it.
 * Kept as a pure function so the file watcher can re-run it after reloading one file.
 */
export function resolveManifests(files: readonly ManifestSet[]): ManifestSet {
  const problems: ManifestProblem[] = files.flatMap((file) => file.problems);
  const apps = resolveApps(
    files.flatMap((file) => file.apps),
    problems,
  );
  const functions = resolveFunctions(
    files.flatMap((file) => file.functions),
    apps,
    problems,
  );
  return { apps: apps.valid, functions, problems };
}

interface ResolvedApps {
  valid: LoadedApp[];
  /** appId → the Apps that claim it, for the functions that refer to it. */
  conflicts: Map<string, LoadedApp[]>;
}

function resolveApps(candidates: LoadedApp[], problems: ManifestProblem[]): ResolvedApps {
  const byName = new Map<string, LoadedApp>();
  for (const app of candidates) {
    const first = byName.get(app.resource.metadata.name);
    if (first) {
      problems.push(
        appProblem(
          app,
          'metadata.name',
          `App ${quote(app.resource.metadata.name)} is already defined in ${place(first)}`,
        ),
      );
    } else {
      byName.set(app.resource.metadata.name, app);
    }
  }

  const conflicts = new Map<string, LoadedApp[]>();
  for (const [appId, claimants] of Map.groupBy(byName.values(), (app) => app.resource.spec.appId)) {
    if (claimants.length < 2) continue;
    conflicts.set(appId, claimants);
    for (const app of claimants) {
      const others = claimants
        .filter((other) => other !== app)
        .map((other) => `App ${quote(other.resource.metadata.name)} (${place(other)})`);
      problems.push(
        appProblem(app, 'spec.appId', `appId ${quote(appId)} is also claimed by ${others.join(', ')}`),
      );
    }
  }
  const valid = [...byName.values()].filter((app) => !conflicts.has(app.resource.spec.appId));
  return { valid, conflicts };
}

function resolveFunctions(
  candidates: LoadedFunction[],
  apps: ResolvedApps,
  problems: ManifestProblem[],
): LoadedFunction[] {
  const appIds = new Set(apps.valid.map((app) => app.resource.spec.appId));
  const unique = new Map<string, LoadedFunction>();
  for (const fn of candidates) {
    const { appId } = fn.resource.spec;
    const key = `${appId}\u0000${fn.resource.metadata.name}`;
    const first = unique.get(key);
    if (first) {
      problems.push(
        fnProblem(
          fn,
          'metadata.name',
          `Function ${quote(fn.resource.metadata.name)} of app ${quote(appId)} is already defined in ${place(first)}`,
        ),
      );
      continue;
    }
    if (!appIds.has(appId)) {
      const claimants = apps.conflicts.get(appId);
      problems.push(
        claimants
          ? fnProblem(
              fn,
              'spec.appId',
              `App ${quote(appId)} is claimed by more than one App (${claimants.map(place).join(', ')})`,
            )
          : {
              ...fnProblem(fn, 'spec.appId', `RESOURCE_NOT_FOUND: App ${quote(appId)} doesn't exist`),
              code: 'RESOURCE_NOT_FOUND',
            },
      );
      continue;
    }
    unique.set(key, fn);
  }

  const conflicting = new Set<LoadedFunction>();
  const withRoute = [...unique.values()].filter((fn) => routeOf(fn) !== undefined);
  for (const [route, claimants] of Map.groupBy(withRoute, (fn) => routeOf(fn)!)) {
    if (claimants.length < 2) continue;
    for (const fn of claimants) {
      conflicting.add(fn);
      const others = claimants
        .filter((other) => other !== fn)
        .map((other) => `Function ${quote(other.resource.metadata.name)} (${place(other)})`);
      problems.push({
        ...fnProblem(
          fn,
          'spec.trigger.config.path',
          `route ${route} is also claimed by ${others.join(', ')}`,
        ),
        code: 'VALIDATION_ROUTE_CONFLICT',
      });
    }
  }
  return [...unique.values()].filter((fn) => !conflicting.has(fn));
}

/** The extra route, normalised the way the router matches it (no trailing slash). */
function routeOf(fn: LoadedFunction): string | undefined {
  const { trigger, appId } = fn.resource.spec;
  const extra = triggerExtraPath(trigger);
  if (extra === undefined) return undefined;
  const path = extra.length > 1 ? extra.replace(/\/+$/, '') : extra;
  return extraRoutePath(appId, path);
}

function appProblem(app: LoadedApp, field: string, message: string): ManifestProblem {
  return problemAt(app, 'App', app.resource.metadata.name, field, message);
}

function fnProblem(fn: LoadedFunction, field: string, message: string): ManifestProblem {
  return problemAt(fn, 'Function', fn.resource.metadata.name, field, message);
}

function problemAt(
  source: LoadedManifest,
  kind: string,
  name: string,
  field: string,
  message: string,
): ManifestProblem {
  return {
    file: source.file,
    documentIndex: source.documentIndex,
    kind,
    name,
    field,
    message,
    code: 'VALIDATION_INVALID_MANIFEST',
    line: source.line,
  };
}

function place(source: ManifestSource): string {
  return `${source.file} [doc ${source.documentIndex + 1}]`;
}

function quote(value: string): string {
  return JSON.stringify(value);
}
