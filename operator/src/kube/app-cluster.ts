import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { AppStatus } from '../../../api/v1alpha1/status.types.ts';
import { recordEvent } from './events.ts';
import { replaceStatus } from './status-write.ts';

export interface ObjectRef {
  namespace: string;
  name: string;
  uid?: string;
}

/** The App reconciler's reads and writes beyond server-side apply (cluster.ts): Secrets, status, Events. */
export class AppCluster {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /**
   * One key of a Secret, decoded; undefined when the Secret or the key is missing
   * (the reconciler reports that, and the Secret watch brings it back when it appears).
   */
  async secretValue(namespace: string, ref: { name: string; key: string }): Promise<string | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ namespace, name: ref.name });
      const encoded = secret.data?.[ref.key];
      return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Replaces the App's status with this one (status-write.ts says why not a merge). */
  async setAppStatus(namespace: string, name: string, status: AppStatus): Promise<void> {
    await replaceStatus(this.custom, { plural: 'apps', namespace, name }, status);
  }

  /** An Event on an App, for `kubectl describe app`. */
  async event(on: ObjectRef, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await recordEvent(this.core, { kind: 'App', ...on }, type, reason, message);
  }
}
