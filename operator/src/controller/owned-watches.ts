import {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Cached, restartingInformer } from '../kube/informers.ts';
import type { RevisionObject } from '../reconcile/stale-revisions.ts';
import { FUNCTION_LABEL, FUNCTION_OBJECTS_SELECTOR, REVISION_KEY } from '../resources/names.ts';

/** The kinds the operator makes for Functions, and the pods and Jobs they make in turn. */
export type OwnedKind =
  | 'Deployment'
  | 'CronJob'
  | 'Job'
  | 'Service'
  | 'Ingress'
  | 'ConfigMap'
  | 'Pod'
  | 'HorizontalPodAutoscaler';

interface PodTemplate {
  spec?: unknown;
}
interface Loose {
  spec?: { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } };
  data?: unknown;
  binaryData?: unknown;
}
/**
 * What the cache keeps of each kind: only what status and change detection read. A
 * revision ConfigMap holds a whole bundle and a pod its full spec; kept for every
 * child of every Function they would grow the operator with each one, and nothing
 * here reads them.
 */
const SLIM: Record<OwnedKind, (object: Loose) => void> = {
  Deployment: (o) => delete o.spec?.template?.spec,
  CronJob: (o) => delete o.spec?.jobTemplate?.spec?.template?.spec,
  Job: (o) => delete o.spec?.template?.spec,
  Service: () => {},
  Ingress: () => {},
  ConfigMap: (o) => {
    delete o.data;
    delete o.binaryData;
  },
  Pod: (o) => delete o.spec,
  HorizontalPodAutoscaler: () => {},
};

/**
 * Watches everything made for Functions (by the operator's labels, names.ts) and
 * reports a change or a deletion as the key of the Function it belongs to, as
 * controller-runtime's `Owns()` does: a deleted Deployment is applied again, a pod that
 * crash-loops shows in its Function's status. Additions are not reported: the
 * operator's own applies make them, and a Function's own events already reconcile it.
 */
export class OwnedWatches {
  private readonly informers = new Map<OwnedKind, Cached<KubernetesObject>>();
  private readonly synced: Promise<void>[] = [];
  private stopped = false;

  constructor(kc: KubeConfig, log: Logger, changed: (functionKey: string, kind: OwnedKind) => void) {
    const apps = kc.makeApiClient(AppsV1Api);
    const batch = kc.makeApiClient(BatchV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const networking = kc.makeApiClient(NetworkingV1Api);
    const autoscaling = kc.makeApiClient(AutoscalingV2Api);
    const labelSelector = FUNCTION_OBJECTS_SELECTOR;
    const sources: [OwnedKind, string, () => Promise<unknown>][] = [
      [
        'Deployment',
        '/apis/apps/v1/deployments',
        () => apps.listDeploymentForAllNamespaces({ labelSelector }),
      ],
      ['CronJob', '/apis/batch/v1/cronjobs', () => batch.listCronJobForAllNamespaces({ labelSelector })],
      ['Job', '/apis/batch/v1/jobs', () => batch.listJobForAllNamespaces({ labelSelector })],
      ['Service', '/api/v1/services', () => core.listServiceForAllNamespaces({ labelSelector })],
      [
        'Ingress',
        '/apis/networking.k8s.io/v1/ingresses',
        () => networking.listIngressForAllNamespaces({ labelSelector }),
      ],
      ['ConfigMap', '/api/v1/configmaps', () => core.listConfigMapForAllNamespaces({ labelSelector })],
      ['Pod', '/api/v1/pods', () => core.listPodForAllNamespaces({ labelSelector })],
      [
        'HorizontalPodAutoscaler',
        '/apis/autoscaling/v2/horizontalpodautoscalers',
        () => autoscaling.listHorizontalPodAutoscalerForAllNamespaces({ labelSelector }),
      ],
    ];
    for (const [kind, path, list] of sources) {
      const { informer, synced } = restartingInformer<KubernetesObject>({
        kc,
        path,
        list: list as () => Promise<KubernetesListObject<KubernetesObject>>,
        labelSelector,
        what: kind,
        log,
        stopped: () => this.stopped,
      });
      const slim = (object: KubernetesObject) => {
        delete object.metadata?.managedFields;
        SLIM[kind](object as Loose);
      };
      // First, so the cache never holds the full object past this tick.
      informer.on('add', slim);
      informer.on('update', slim);
      const report = (object: KubernetesObject) => {
        const name = object.metadata?.labels?.[FUNCTION_LABEL];
        if (name) changed(`${object.metadata?.namespace}/${name}`, kind);
      };
      informer.on('update', report);
      // A pod that goes away changes nothing its Deployment or Job does not report.
      if (kind !== 'Pod') informer.on('delete', report);
      this.informers.set(kind, informer);
      this.synced.push(synced);
    }
  }

  /** Resolves once every kind has been listed, so what is cached is what exists. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.start()));
    await Promise.all(this.synced);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }

  /** The cached object of `kind`, by name (slimmed: see SLIM). */
  get<T extends KubernetesObject>(kind: OwnedKind, namespace: string, name: string): T | undefined {
    return this.informers.get(kind)!.get(name, namespace) as T | undefined;
  }

  /** A Function's revision ConfigMaps (resources/revision.ts), for pruning the old ones. */
  revisions(namespace: string, functionName: string): RevisionObject[] {
    return this.ofFunction('ConfigMap', namespace, functionName).flatMap((configMap) => {
      const revision = configMap.metadata?.labels?.[REVISION_KEY];
      if (!revision) return [];
      const createdAt = new Date(configMap.metadata?.creationTimestamp ?? 0);
      return [{ name: configMap.metadata!.name!, revision, createdAt }];
    });
  }

  /** The cached objects of `kind` that belong to one Function. */
  ofFunction<T extends KubernetesObject>(kind: OwnedKind, namespace: string, functionName: string): T[] {
    return this.informers
      .get(kind)!
      .list(namespace)
      .filter((object) => object.metadata?.labels?.[FUNCTION_LABEL] === functionName) as T[];
  }
}
