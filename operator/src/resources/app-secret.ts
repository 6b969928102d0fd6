import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import { controllerReference } from './owner.ts';

/**
 * What an App's runtime pods are given from its database and auth Secrets: never the
 * admin connection string, only the app's authenticator login (db/authenticator.ts),
 * the platform API keys and the JWT signing secret. The App reconciler writes them into
 * a Secret of its own, owned by the App; the pods read that one (runtime-pod.ts), and its
 * hash in the pod template rolls them when any of them changes. (A pod reading the
 * user's Secret directly would keep the old value until something else rolled it.)
 */
export interface AppCredentials {
  /** The app's authenticator login for its own database. */
  sandboxDatabaseUrl?: string;
  /** Platform API keys: a request bearing one runs as the service role. */
  apiKeys?: string[];
  /** HS256 signing secret of end-user JWTs, as the App's auth.jwt.secretRef holds it. */
  jwtSecret?: string;
}

/** The keys of the App's runtime Secret. */
export const APP_SECRET_KEYS = {
  sandboxDatabaseUrl: 'sandbox-database-url',
  apiKeys: 'api-keys',
  jwtSecret: 'jwt-secret',
} as const;

/** `bbfn-app-<App name>`: an App name is a DNS label, so this stays a valid Secret name. */
export function appSecretName(appName: string): string {
  return `bbfn-app-${appName}`;
}

/** A Secret's API keys, comma- or newline-separated (blank entries and spaces dropped). */
export function parseApiKeys(text: string): string[] {
  return text
    .split(/[,\r\n]/)
    .map((key) => key.trim())
    .filter(Boolean);
}

/** The Secret's data, as the runtime reads it (runtime-env.ts: BBFN_API_KEYS is comma-separated). */
function secretData(credentials: AppCredentials): Record<string, string> {
  const data: Record<string, string> = {};
  if (credentials.sandboxDatabaseUrl)
    data[APP_SECRET_KEYS.sandboxDatabaseUrl] = credentials.sandboxDatabaseUrl;
  if (credentials.apiKeys?.length) data[APP_SECRET_KEYS.apiKeys] = credentials.apiKeys.join(',');
  if (credentials.jwtSecret) data[APP_SECRET_KEYS.jwtSecret] = credentials.jwtSecret;
  return data;
}

/** A short hash of what the pods are given: the pod template carries it, so a change rolls them. */
export function credentialsRevision(credentials: AppCredentials): string {
  const data = secretData(credentials);
  const canonical = JSON.stringify(
    Object.keys(data)
      .sort()
      .map((key) => [key, data[key]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function appSecret(app: AppResource, credentials: AppCredentials): V1Secret {
  const data = secretData(credentials);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: appSecretName(app.metadata.name),
      namespace: app.metadata.namespace,
      labels: {
        'app.kubernetes.io/managed-by': 'butterbase-functions',
        'butterbase.ai/app': app.metadata.name,
      },
      ownerReferences: [controllerReference(app)],
    },
    type: 'Opaque',
    // stringData is write-only: apply data, so a repeated apply is a no-op.
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
  };
}
