import { isDeepStrictEqual } from 'node:util';
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type AppResource, appSchema } from '../../../api/v1alpha1/app.types.ts';
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from '../../../api/v1alpha1/group.ts';
import type { AppStatus } from '../../../api/v1alpha1/status.types.ts';
import { API_KEY_PREFIX, isApiKeyShaped } from '../../../runtime-image/src/auth/api-key.ts';
import { authenticatorUrl } from '../../../runtime-image/src/db/authenticator.ts';
import type { AppCluster } from '../kube/app-cluster.ts';
import type { Cluster } from '../kube/cluster.ts';
import { firstLine, type SecretEvent, type SecretWatch } from '../kube/secret-watch.ts';
import { bootstrapOutcome, invalidDatabaseUrl } from '../reconcile/app-database.ts';
import {
  type ApiKeysOutcome,
  appStatus,
  type DatabaseOutcome,
  type JwtSecretOutcome,
} from '../reconcile/app-status.ts';
import {
  type AppCredentials,
  appSecret,
  credentialsRevision,
  parseApiKeys,
} from '../resources/app-secret.ts';
import { keyOf } from './object-key.ts';
import { WorkQueue } from './work-queue.ts';

type Stored = KubernetesObject & { spec?: unknown; status?: AppStatus };

/** Every App again this often: a database fixed by hand, a migration that failed for want of something. */
const RESYNC_MS = 10 * 60_000;

/** The database is down (or refused the bootstrap): reported in status, tried again with backoff. */
class RetryLater extends Error {}

/**
 * Reconciles Apps: bootstraps each App's database with its admin connection and runs
 * its migrations (reconcile/app-database.ts), writes the App's runtime Secret (its
 * authenticator login, API keys and JWT secret, resources/app-secret.ts) and its status
 * (reconcile/app-status.ts) with Events. Follows the Secrets the Apps name (on the
 * process's one Secret watch, shared with the management API), so an edited API key, JWT
 * secret or database URL is picked up at once; the status's new credentials revision then
 * rolls the Functions' pods (the Function controller watches Apps).
 */
export class AppController {
  private readonly apps;
  private readonly secrets: SecretWatch;
  private unsubscribe: (() => void) | undefined;
  private readonly queue: WorkQueue;
  private readonly synced: Promise<void>;
  /** resourceVersion of each Secret an App names, as last seen: a replayed ADDED is no news. */
  private readonly seenSecrets = new Map<string, string | undefined>();
  /** The generation each App was last queued at. */
  private readonly generations = new Map<string, number | undefined>();
  private resync: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly cluster: Cluster;
  private readonly appCluster: AppCluster;
  private readonly log: Logger;

  constructor(kc: KubeConfig, cluster: Cluster, appCluster: AppCluster, secrets: SecretWatch, log: Logger) {
    this.cluster = cluster;
    this.secrets = secrets;
    this.appCluster = appCluster;
    this.log = log;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const { promise, resolve } = Promise.withResolvers<void>();
    this.synced = promise;
    this.apps = makeInformer<Stored>(kc, `/apis/${API_GROUP}/${API_VERSION}/apps`, async () => {
      const listed = (await custom.listClusterCustomObject({
        group: API_GROUP,
        version: API_VERSION,
        plural: 'apps',
      })) as KubernetesListObject<Stored>;
      resolve();
      return listed;
    });
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      (key, error) => {
        const level = error instanceof RetryLater ? 'warn' : 'error';
        this.log[level]({ err: error, app: key }, 'App reconcile failed; retrying');
      },
    );
    const enqueue = (app: KubernetesObject) => {
      this.generations.set(keyOf(app), app.metadata?.generation);
      this.queue.add(keyOf(app));
    };
    this.apps.on('add', enqueue);
    this.apps.on('update', (app) => {
      // Our own status write comes back as an update: only a new spec is news.
      if (this.generations.get(keyOf(app)) !== app.metadata?.generation) enqueue(app);
    });
    this.apps.on('delete', (app) => this.generations.delete(keyOf(app)));
    this.apps.on('error', (error: unknown) => {
      if (this.stopped) return;
      this.log.warn({ watching: 'apps', error: firstLine(error) }, 'watch failed; restarting in 5 s');
      setTimeout(() => {
        if (!this.stopped) void this.apps.start().catch(() => {});
      }, 5_000).unref();
    });
  }

  async start(): Promise<void> {
    await this.apps.start();
    await this.synced;
    await new Promise((resolve) => setImmediate(resolve));
    // Before the first reconcile, which reads the Secrets: a change after that read is an event.
    this.unsubscribe = this.secrets.subscribe((type, secret) => this.secretChanged(type, secret));
    this.queue.resume();
    this.resync = setInterval(() => {
      for (const app of this.apps.list()) this.queue.add(keyOf(app));
    }, RESYNC_MS);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.unsubscribe?.();
    this.queue.stop();
    await this.apps.stop();
  }

  /** Resolves when every queued reconcile has run (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  private secretChanged(type: SecretEvent, secret: V1Secret): void {
    const namespace = secret.metadata?.namespace;
    const name = secret.metadata?.name;
    if (!namespace || !name) return;
    // One of ours, deleted: write it again.
    const owner = secret.metadata?.ownerReferences?.find(
      (ref) => ref.kind === 'App' && ref.apiVersion === API_GROUP_VERSION,
    );
    if (owner) {
      if (type === 'DELETED') this.queue.add(`${namespace}/${owner.name}`);
      return;
    }
    const key = `${namespace}/${name}`;
    const version = type === 'DELETED' ? undefined : secret.metadata?.resourceVersion;
    const naming = this.apps.list(namespace).filter((app) => namesSecret(app, name));
    if (naming.length === 0) {
      this.seenSecrets.delete(key);
      return;
    }
    if (this.seenSecrets.has(key) && this.seenSecrets.get(key) === version) return;
    this.seenSecrets.set(key, version);
    for (const app of naming) this.queue.add(keyOf(app));
  }

  private async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const stored = this.apps.get(name, namespace);
    if (!stored) return; // Deleted: its runtime Secret goes with it (owner reference).
    const parsed = appSchema.safeParse(stored);
    if (!parsed.success) {
      this.log.warn({ app: key, issues: parsed.error.issues }, 'App does not parse; skipped');
      return;
    }
    const app: AppResource = parsed.data;
    const credentials: AppCredentials = {};
    const apiKeys = await this.readApiKeys(app, credentials);
    const jwtSecret = await this.readJwtSecret(app, credentials);
    const database = await this.prepareDatabase(app, credentials);

    // The Secret first: the status's new revision rolls pods that read it.
    await this.cluster.apply(appSecret(app, credentials));
    const { status, events } = appStatus({
      previous: stored.status,
      generation: stored.metadata?.generation,
      database,
      apiKeys,
      jwtSecret,
      credentialsRevision: credentialsRevision(credentials),
      now: new Date(),
    });
    const ref = { namespace, name, uid: stored.metadata?.uid };
    if (!isDeepStrictEqual(stored.status, status))
      await this.appCluster.setAppStatus(namespace, name, status);
    for (const event of events) {
      this.log[event.type === 'Warning' ? 'warn' : 'info']({ app: key, reason: event.reason }, event.message);
      await this.appCluster.event(ref, event.type, event.reason, event.message);
    }
    if (database.kind === 'unavailable' || database.kind === 'bootstrapFailed')
      throw new RetryLater(database.message);
  }

  private async readApiKeys(app: AppResource, credentials: AppCredentials): Promise<ApiKeysOutcome> {
    const ref = app.spec.auth.apiKeys?.secretRef;
    if (!ref) return { kind: 'none' };
    const text = await this.appCluster.secretValue(app.metadata.namespace!, ref);
    if (text === undefined)
      return {
        kind: 'missing',
        message: `Secret ${ref.name} with key ${ref.key} (spec.auth.apiKeys) not found`,
      };
    const keys = parseApiKeys(text);
    if (keys.length === 0)
      return {
        kind: 'missing',
        message: `Secret ${ref.name} key ${ref.key} (spec.auth.apiKeys) holds no key`,
      };
    // The pods get the well-formed ones; the others could never match a caller's key.
    credentials.apiKeys = keys.filter(isApiKeyShaped);
    const bad = keys.flatMap((key, index) => (isApiKeyShaped(key) ? [] : [index + 1]));
    if (bad.length > 0)
      return {
        kind: 'invalid',
        message: `Secret ${ref.name} key ${ref.key} (spec.auth.apiKeys): entry ${bad.join(', ')} is not a platform API key (${API_KEY_PREFIX} and base64url)`,
      };
    return { kind: 'ok', count: keys.length };
  }

  private async readJwtSecret(app: AppResource, credentials: AppCredentials): Promise<JwtSecretOutcome> {
    const ref = app.spec.auth.jwt.secretRef;
    if (!ref) return { kind: 'none' };
    // As stored, not trimmed: the pods used to read this very value from the user's Secret.
    const secret = await this.appCluster.secretValue(app.metadata.namespace!, ref);
    if (!secret)
      return {
        kind: 'missing',
        message: `Secret ${ref.name} with key ${ref.key} (spec.auth.jwt.secretRef) not found or empty: end-user JWTs are refused`,
      };
    credentials.jwtSecret = secret;
    return { kind: 'ok' };
  }

  private async prepareDatabase(app: AppResource, credentials: AppCredentials): Promise<DatabaseOutcome> {
    const ref = app.spec.database.urlSecretRef;
    if (!ref) return { kind: 'none' };
    const adminUrl = (await this.appCluster.secretValue(app.metadata.namespace!, ref))?.trim();
    if (!adminUrl)
      return {
        kind: 'secretMissing',
        message: `Secret ${ref.name} with key ${ref.key} (spec.database.urlSecretRef) not found`,
      };
    const invalid = invalidDatabaseUrl(adminUrl);
    if (invalid) return { kind: 'invalidUrl', message: `${invalid} (Secret ${ref.name} key ${ref.key})` };
    // Derived, so known before the database answers: pods keep their login while it is down.
    credentials.sandboxDatabaseUrl = authenticatorUrl(adminUrl);
    return bootstrapOutcome(adminUrl, app.spec);
  }
}

function namesSecret(app: Stored, secret: string): boolean {
  const spec = appSchema.shape.spec.safeParse(app.spec);
  if (!spec.success) return false;
  const { database, auth } = spec.data;
  return [database.urlSecretRef, auth.apiKeys?.secretRef, auth.jwt.secretRef].some(
    (ref) => ref?.name === secret,
  );
}
