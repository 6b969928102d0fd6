import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../../../api/v1alpha1/group.ts';

/**
 * Writes an object's whole status through the /status subresource. A merge patch would
 * only add and change keys: one the new status leaves out (a cleared `failedMigration`,
 * a `url` a trigger no longer has) would stay behind. A JSON Patch `add` at `/status`
 * replaces the member when it exists and creates it when not, so what is stored is
 * exactly what the reconciler decided. The operator is the only writer of these statuses
 * (each reconciler carries over the conditions it does not decide, as setCondition does).
 */
export async function replaceStatus(
  custom: CustomObjectsApi,
  target: { plural: 'apps' | 'functions'; namespace: string; name: string },
  status: object,
): Promise<void> {
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: API_GROUP,
      version: API_VERSION,
      ...target,
      body: [{ op: 'add', path: '/status', value: status }],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}
