import type { V1Pod } from '@kubernetes/client-node';
import { REVISION_KEY } from '../resources/names.ts';

/** Ready and not terminating: a pod its Services send requests to. */
export function isServing(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The Function revision a pod runs: its template's annotation (a specialized pool pod's own). */
export function revisionOf(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.[REVISION_KEY];
}

/** An object's creation time in ms since the epoch, 0 when not known: for ordering. */
export function createdAt(object: { metadata?: { creationTimestamp?: Date | string } }): number {
  const value = object.metadata?.creationTimestamp;
  return value ? new Date(value).getTime() : 0;
}
