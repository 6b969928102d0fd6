import type { CoreV1Api } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../../api/v1alpha1/group.ts';
import { FIELD_MANAGER } from './cluster.ts';

/** The object an Event is about: one of ours. */
export interface EventSubject {
  kind: 'App' | 'Function';
  namespace: string;
  name: string;
  uid?: string;
}

/** An Event on an App or a Function, for `kubectl describe` and `kubectl get events`. */
export async function recordEvent(
  core: CoreV1Api,
  on: EventSubject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  const now = new Date();
  await core.createNamespacedEvent({
    namespace: on.namespace,
    body: {
      metadata: { generateName: `${on.name}.`, namespace: on.namespace },
      involvedObject: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: on.kind,
        name: on.name,
        namespace: on.namespace,
        ...(on.uid ? { uid: on.uid } : {}),
      },
      type,
      reason,
      message,
      source: { component: FIELD_MANAGER },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}
