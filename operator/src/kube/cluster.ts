import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import { workloadName } from '../resources/names.ts';
import { recordEvent } from './events.ts';
import { replaceStatus } from './status-write.ts';

/** Who the operator's writes are attributed to (server-side apply's field manager). */
export const FIELD_MANAGER = 'butterbase-functions';

/** The operator's writes to the cluster. */
export class Cluster {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /**
   * Server-side apply, as the operator owns these objects: fields it stops setting are
   * removed, fields others set (an HPA's replicas) stay theirs. Returns the object as
   * the API server stored it (its uid, generation, status).
   */
  async apply(object: KubernetesObject): Promise<KubernetesObject> {
    return await this.objects.patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    await this.core.deleteNamespacedConfigMap({ namespace, name }).catch((error: unknown) => {
      // Already gone is what was wanted.
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    });
  }

  /** A Function's HPA, when its spec.scaling is gone (resources/autoscaler.ts); none is fine. */
  async deleteAutoscaler(namespace: string, functionName: string): Promise<void> {
    const object = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { namespace, name: workloadName(functionName) },
    };
    await this.objects.delete(object).catch((error: unknown) => {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    });
  }

  /** Replaces the Function's status with this one (kube/status-write.ts says why not a merge). */
  async setFunctionStatus(namespace: string, name: string, status: FunctionStatus): Promise<void> {
    await replaceStatus(this.custom, { plural: 'functions', namespace, name }, status);
  }

  /** A Warning Event on a Function, for `kubectl describe`. */
  async warn(
    on: { namespace: string; name: string; uid?: string },
    reason: string,
    message: string,
  ): Promise<void> {
    await this.event(on, 'Warning', reason, message);
  }

  /** An Event on a Function: Normal for a transition, Warning for a failure. */
  async event(
    on: { namespace: string; name: string; uid?: string },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    await recordEvent(this.core, { kind: 'Function', ...on }, type, reason, message);
  }
}
