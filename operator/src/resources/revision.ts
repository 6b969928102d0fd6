import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import type { MountedFunction } from '../../../runtime-image/src/config.ts';
import { functionLabels, REVISION_KEY, revisionConfigMapName } from './names.ts';
import { controllerReference } from './owner.ts';

/** Where a runtime pod finds its revision: the ConfigMap mounted as a directory. */
export const MOUNT_DIR = '/etc/bbfn';
export const FUNCTION_FILE = 'function.json';
export const BUNDLE_FILE = 'handler.mjs';

/**
 * One deployable state of a Function: what a pod serves (its definition and the
 * compiled bundle) and the name it goes by, a hash of both, so any change to either
 * is a new revision and a rollout.
 */
export interface Revision {
  id: string;
  definition: MountedFunction;
  bundle: string;
}

export function revisionOf(fn: FunctionResource, bundle: string): Revision {
  const definition: MountedFunction = { name: fn.metadata.name, ...fn.spec };
  const id = createHash('sha256')
    .update(JSON.stringify(definition))
    .update('\0')
    .update(bundle)
    .digest('hex')
    .slice(0, 12);
  return { id, definition, bundle };
}

/** The revision's immutable ConfigMap: the function's definition and its bundle, as the pod reads them. */
export function revisionConfigMap(fn: FunctionResource, revision: Revision): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: revisionConfigMapName(fn.metadata.name, revision.id),
      namespace: fn.metadata.namespace,
      labels: { ...functionLabels(fn.metadata.name), [REVISION_KEY]: revision.id },
      ownerReferences: [controllerReference(fn)],
    },
    immutable: true,
    data: { [FUNCTION_FILE]: JSON.stringify(revision.definition), [BUNDLE_FILE]: revision.bundle },
  };
}
