import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_GROUP_VERSION } from '../../../api/v1alpha1/group.ts';

/** A Function as stored: its spec and the metadata the API server gave it. */
export interface StoredObject {
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string };
}

/**
 * Makes the Function the controller of what is made for it: deleting the Function
 * deletes them (garbage collection), and `kubectl describe` shows who owns them.
 */
export function controllerReference(owner: StoredObject): V1OwnerReference {
  if (!owner.metadata.uid)
    throw new Error(`${owner.kind} ${owner.metadata.name} has no uid: it was not read from the API server`);
  return {
    apiVersion: API_GROUP_VERSION,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
