import { isDeepStrictEqual } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION } from '../../../api/v1alpha1/group.ts';
import type { AppStatus } from '../../../api/v1alpha1/status.types.ts';
import { recordEvent } from '../kube/events.ts';
import { setCondition } from '../reconcile/conditions.ts';
import { appIdConflicts, conflictCondition, withoutConflict } from '../reconcile/conflicts.ts';
import { WorkQueue } from './work-queue.ts';

type StoredApp = KubernetesObject & { spec?: { appId?: unknown }; status?: AppStatus };

/**
 * Reports appId conflicts between Apps of different namespaces on the Apps' own status:
 * a Conflict condition on each claimant (conflicts.ts words it), a Warning Event when it
 * is news, and the condition removed when the conflict ends. Only this condition is
 * touched: the rest of the status is the App reconciler's. Every change to any App
 * re-judges all of them, as one key of its own queue (so a burst of changes is one pass,
 * and a write that lost a race (409) is retried with backoff).
 */
export class AppConflictReporter {
  private readonly queue: WorkQueue;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly listApps: () => readonly KubernetesObject[];
  private readonly log: Logger;

  constructor(kc: KubeConfig, listApps: () => readonly KubernetesObject[], log: Logger) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.listApps = listApps;
    this.log = log;
    this.queue = new WorkQueue(
      () => this.report(),
      (_key, error) => this.log.warn({ err: error }, 'could not report appId conflicts; retrying'),
    );
  }

  /** Something about the Apps changed. */
  changed(): void {
    this.queue.add('apps');
  }

  resume(): void {
    this.queue.resume();
  }

  stop(): void {
    this.queue.stop();
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  private async report(): Promise<void> {
    const apps = this.listApps() as readonly StoredApp[];
    const conflicts = appIdConflicts(apps);
    const now = new Date();
    for (const app of apps) {
      const { name, namespace, uid, generation, resourceVersion } = app.metadata as {
        name: string;
        namespace: string;
        uid?: string;
        generation?: number;
        resourceVersion?: string;
      };
      const conflict = conflicts.get(`${namespace}/${name}`);
      const before = app.status?.conditions;
      const condition = conflict && conflictCondition(conflict, 'App', generation);
      const after = condition ? setCondition(before, condition, now) : withoutConflict(before);
      if (isDeepStrictEqual(before, after)) continue;
      // The resourceVersion makes the patch refuse (409) a status changed since it was
      // read, so the App reconciler's conditions are never overwritten by stale ones.
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP,
          version: API_VERSION,
          namespace,
          plural: 'apps',
          name,
          body: { metadata: { resourceVersion }, status: { conditions: after ?? [] } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      if (condition) {
        this.log.warn({ app: `${namespace}/${name}`, reason: condition.reason }, condition.message);
        await recordEvent(
          this.core,
          { kind: 'App', namespace, name, uid },
          'Warning',
          condition.reason,
          condition.message,
        );
      }
    }
  }
}
