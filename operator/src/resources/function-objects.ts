import type { KubernetesObject } from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import type { OperatorSettings } from '../settings.ts';
import { functionAutoscaler } from './autoscaler.ts';
import { type Revision, revisionConfigMap } from './revision.ts';
import { functionCronJob, functionDeployment, functionIngress, functionService } from './workloads.ts';

/** A trigger the seed names but the platform does not run yet. */
export class UnsupportedTriggerError extends Error {}

/**
 * Everything a Function's revision runs as, by trigger: http and websocket serve
 * through a Deployment, a Service and a rule on the shared ingress (and an HPA with
 * `spec.scaling`); cron runs from a
 * CronJob. Each gets the revision's ConfigMap (revision.ts `revisionOf`).
 */
export function functionObjects(
  fn: FunctionResource,
  app: AppResource,
  revision: Revision,
  settings: OperatorSettings,
): KubernetesObject[] {
  const configMap = revisionConfigMap(fn, revision);
  switch (fn.spec.trigger.type) {
    case 'http':
    case 'websocket':
    case 'webhook': {
      const autoscaler = functionAutoscaler(fn);
      return [
        configMap,
        functionDeployment(fn, app, revision, settings),
        functionService(fn),
        functionIngress(fn, settings),
        ...(autoscaler ? [autoscaler] : []),
      ];
    }
    case 'cron':
      return [configMap, functionCronJob(fn, app, revision, settings)];
    default:
      throw new UnsupportedTriggerError(
        `The ${fn.spec.trigger.type} trigger is not implemented yet; use http, cron, websocket or webhook`,
      );
  }
}
