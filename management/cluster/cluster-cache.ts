import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AppResource } from '../../api/v1alpha1/app.types.ts';
import { API_GROUP, API_VERSION } from '../../api/v1alpha1/group.ts';
import { type Cached, restartingInformer } from '../../operator/src/kube/informers.ts';
import type { SecretWatch } from '../../operator/src/kube/secret-watch.ts';
import { FUNCTION_OBJECTS_SELECTOR } from '../../operator/src/resources/names.ts';
import { type FoundApp, findApp } from './cluster-reads.ts';
import { SecretCache, type SecretRef } from './secret-cache.ts';

/**
 * What the management API reads from the cluster on every request — the Apps (for an
 * appId's namespace, keys and database), the Secrets they name, and the Functions'
 * Services and EndpointSlices (where to invoke) — kept from watches, so that a request
 * reads memory and not the API server. Changes arrive as watch events, within a second.
 * Secret events come from the process's one Secret watch, which the App controller shares.
 */
export class ClusterCache {
  private readonly apps: Cached<AppResource>;
  private readonly services: Cached<V1Service>;
  private readonly slices: Cached<V1EndpointSlice>;
  private readonly secrets: SecretCache;
  private readonly secretWatch: SecretWatch;
  private unsubscribe: (() => void) | undefined;
  private readonly synced: Promise<void>;
  private stopped = false;

  constructor(kc: KubeConfig, secretWatch: SecretWatch, log: Logger) {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const stopped = () => this.stopped;
    const apps = restartingInformer<AppResource>({
      kc,
      path: `/apis/${API_GROUP}/${API_VERSION}/apps`,
      list: async () =>
        (await custom.listClusterCustomObject({
          group: API_GROUP,
          version: API_VERSION,
          plural: 'apps',
        })) as KubernetesListObject<AppResource>,
      what: 'apps (management API)',
      log,
      stopped,
    });
    // Services and EndpointSlices alike: in every namespace, only those of Functions.
    const ofFunctions = <T extends KubernetesObject>(
      path: string,
      list: (query: { labelSelector: string }) => Promise<KubernetesListObject<T>>,
      what: string,
    ) =>
      restartingInformer<T>({
        kc,
        path,
        list: () => list({ labelSelector: FUNCTION_OBJECTS_SELECTOR }),
        labelSelector: FUNCTION_OBJECTS_SELECTOR,
        what: `function ${what} (management API)`,
        log,
        stopped,
      });
    const services = ofFunctions<V1Service>(
      '/api/v1/services',
      (query) => core.listServiceForAllNamespaces(query),
      'services',
    );
    // The EndpointSlice controller copies a Service's labels onto its slices.
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const slices = ofFunctions<V1EndpointSlice>(
      '/apis/discovery.k8s.io/v1/endpointslices',
      (query) => discovery.listEndpointSliceForAllNamespaces(query),
      'endpoint slices',
    );
    this.apps = apps.informer;
    this.services = services.informer;
    this.slices = slices.informer;
    this.secrets = new SecretCache((namespace, name) => core.readNamespacedSecret({ namespace, name }));
    this.secretWatch = secretWatch;
    this.synced = Promise.all([apps.synced, services.synced, slices.synced]).then(() => {});
  }

  /** Starts the watches; resolves once Apps and Services are listed. */
  async start(): Promise<void> {
    this.unsubscribe = this.secretWatch.subscribe((type, secret) => this.secrets.observe(type, secret));
    await Promise.all([this.apps.start(), this.services.start(), this.slices.start()]);
    await this.synced;
    // The informers fill their caches just after their list resolves.
    await new Promise((resolve) => setImmediate(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    void this.apps.stop();
    void this.services.stop();
    void this.slices.stop();
  }

  /** The App that claims `appId` (findApp's rules), from the cache. */
  findApp(appId: string): FoundApp | null {
    return findApp(this.apps.list(), appId);
  }

  /** One key of a Secret as text, or null; read once, then kept current by the watch. */
  secretValue(namespace: string, ref: SecretRef): Promise<string | null> {
    return this.secrets.value(namespace, ref);
  }

  /**
   * The addresses (ip:port of the port named `port`) of the Service's ready endpoints,
   * leaving out terminating ones. A pod of an older revision is marked terminating as
   * soon as its rollout replaces it, while kube-proxy's rules for the ClusterIP follow
   * up to a sync period (1 s by default) later: calling the pods directly means a call
   * right after a deploy reaches the new code. Null when the Service has no slice at all
   * (no EndpointSlice controller, or not yet): then only its ClusterIP is known.
   */
  readyEndpoints(namespace: string, service: string, port: string): string[] | null {
    let addresses: string[] | null = null;
    for (const slice of this.slices.list(namespace)) {
      if (slice.metadata?.labels?.['kubernetes.io/service-name'] !== service) continue;
      addresses ??= [];
      const number = slice.ports?.find((p) => p.name === port)?.port;
      if (number === undefined) continue;
      for (const endpoint of slice.endpoints ?? []) {
        const { ready, terminating } = endpoint.conditions ?? {};
        // An unset `ready` means ready (discovery.k8s.io/v1).
        if (ready === false || terminating === true) continue;
        const ip = endpoint.addresses[0];
        if (ip) addresses.push(slice.addressType === 'IPv6' ? `[${ip}]:${number}` : `${ip}:${number}`);
      }
    }
    return addresses;
  }

  /** The ClusterIP of the Service `name` in `namespace`, if it has one. */
  serviceAddress(namespace: string, name: string): string | null {
    const ip = this.services.get(name, namespace)?.spec?.clusterIP;
    return ip && ip !== 'None' ? ip : null;
  }
}
