import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { functionLabels, workloadName } from './names.ts';
import { controllerReference } from './owner.ts';

/**
 * The per-pod metric `spec.scaling.targetConcurrency` aims at: in-flight invocations of
 * a runtime pod. The HPA reads Pods metrics from the custom metrics API
 * (custom.metrics.k8s.io), so a cluster needs an adapter that serves it from the pods'
 * /metrics, e.g. prometheus-adapter with a rule for this series (README, "Scaling").
 */
export const CONCURRENCY_METRIC = 'bbfn_inflight_invocations';

/** Average CPU use the HPA aims at when a Function names no target at all. */
export const DEFAULT_CPU_UTILIZATION = 80;

/**
 * An http or websocket Function's HorizontalPodAutoscaler, from its `spec.scaling`
 * (none without one). With it the HPA owns the Deployment's replicas, and the operator
 * leaves them out of what it applies (workloads.ts).
 */
export function functionAutoscaler(fn: FunctionResource): V2HorizontalPodAutoscaler | undefined {
  const scaling = fn.spec.scaling;
  const { type } = fn.spec.trigger;
  if (!scaling || (type !== 'http' && type !== 'websocket')) return undefined;
  const metrics: V2MetricSpec[] = [];
  if (scaling.targetCpuUtilization !== undefined || scaling.targetConcurrency === undefined)
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: {
          type: 'Utilization',
          averageUtilization: scaling.targetCpuUtilization ?? DEFAULT_CPU_UTILIZATION,
        },
      },
    });
  if (scaling.targetConcurrency !== undefined)
    metrics.push({
      type: 'Pods',
      pods: {
        metric: { name: CONCURRENCY_METRIC },
        target: { type: 'AverageValue', averageValue: String(scaling.targetConcurrency) },
      },
    });
  const name = workloadName(fn.metadata.name);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name,
      namespace: fn.metadata.namespace,
      labels: functionLabels(fn.metadata.name),
      ownerReferences: [controllerReference(fn)],
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: Math.min(scaling.minReplicas, scaling.maxReplicas),
      maxReplicas: scaling.maxReplicas,
      metrics,
    },
  };
}
