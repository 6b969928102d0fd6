import { type AppResource, appSchema } from '../../api/v1alpha1/app.types.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';

/** An App as the API finds it: by its appId, in whichever namespace holds it. */
export interface FoundApp {
  namespace: string;
  app: AppResource;
}

/**
 * The App among `apps` that claims `appId`, or null. Apps live in their tenants'
 * namespaces and an appId is not a Kubernetes name (DESIGN.md), so it is looked for in
 * all of them; two claiming one appId is a conflict the operator reports, and the API
 * refuses to pick one.
 */
export function findApp(apps: readonly AppResource[], appId: string): FoundApp | null {
  const matches = apps
    // Only the candidates are validated: the cache holds objects as the API server sent them.
    .filter((item) => (item.spec as { appId?: unknown } | undefined)?.appId === appId)
    .flatMap((item) => {
      const parsed = appSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  if (matches.length === 0) return null;
  if (matches.length > 1)
    throw new BbfnError(
      'VALIDATION_ROUTE_CONFLICT',
      `Apps ${matches.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).join(', ')} all claim appId "${appId}"`,
    );
  const app = matches[0]!;
  return { namespace: app.metadata.namespace ?? 'default', app };
}

/** `spec.auth.apiKeys.secretRef`'s keys: comma- or newline-separated (app.types.ts). */
export function splitApiKeys(text: string | null): string[] {
  return (text ?? '')
    .split(/[,\n]/)
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}
