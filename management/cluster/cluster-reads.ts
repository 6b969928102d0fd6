import {
  ApiException,
  type CoreV1Api,
  type CustomObjectsApi,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import { type AppResource, appSchema } from '../../api/v1alpha1/app.types.ts';
import { API_GROUP, API_VERSION } from '../../api/v1alpha1/group.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';

/** An App as the API finds it: by its appId, in whichever namespace holds it. */
export interface FoundApp {
  namespace: string;
  app: AppResource;
}

/**
 * The App that claims `appId`, or null. Apps live in their tenants' namespaces and an
 * appId is not a Kubernetes name (DESIGN.md), so this lists them; two claiming one appId
 * is a conflict the operator reports, and the API refuses to pick one.
 */
export async function findApp(custom: CustomObjectsApi, appId: string): Promise<FoundApp | null> {
  const list = (await custom.listClusterCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    plural: 'apps',
  })) as KubernetesListObject<AppResource>;
  const matches = list.items
    .map((item) => appSchema.safeParse(item))
    .flatMap((parsed) => (parsed.success && parsed.data.spec.appId === appId ? [parsed.data] : []));
  if (matches.length === 0) return null;
  if (matches.length > 1)
    throw new BbfnError(
      'VALIDATION_ROUTE_CONFLICT',
      `Apps ${matches.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).join(', ')} all claim appId "${appId}"`,
    );
  const app = matches[0]!;
  return { namespace: app.metadata.namespace ?? 'default', app };
}

/** One key of a Secret, as text; a missing Secret or key is the App's misconfiguration. */
export async function secretValue(
  core: CoreV1Api,
  namespace: string,
  ref: { name: string; key: string },
): Promise<string | null> {
  try {
    const secret = await core.readNamespacedSecret({ namespace, name: ref.name });
    const encoded = secret.data?.[ref.key];
    return encoded === undefined ? null : Buffer.from(encoded, 'base64').toString('utf8');
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return null;
    throw error;
  }
}

/** `spec.auth.apiKeys.secretRef`'s keys: comma- or newline-separated (app.types.ts). */
export function splitApiKeys(text: string | null): string[] {
  return (text ?? '')
    .split(/[,\n]/)
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}
