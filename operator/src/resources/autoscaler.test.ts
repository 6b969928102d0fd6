import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { appSchema } from '../../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../../api/v1alpha1/function.types.ts';
import { testSettings } from '../test-fixtures.ts';
import { CONCURRENCY_METRIC, DEFAULT_CPU_UTILIZATION, functionAutoscaler } from './autoscaler.ts';
import { revisionOf } from './revision.ts';
import { functionDeployment } from './workloads.ts';

const fn = (spec: Record<string, unknown>): FunctionResource => {
  const parsed = functionSchema.parse({
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'Function',
    metadata: { name: 'api', namespace: 'team-a', uid: 'uid-api' },
    spec: { appId: 'demo', code: 'export async function handler() {}', trigger: { type: 'http' }, ...spec },
  });
  return parsed;
};

describe('functionAutoscaler', () => {
  it('is none without spec.scaling, or for a cron Function', () => {
    expect(functionAutoscaler(fn({}))).toBeUndefined();
    expect(
      functionAutoscaler(
        fn({ trigger: { type: 'cron', config: { schedule: '* * * * *' } }, scaling: { maxReplicas: 3 } }),
      ),
    ).toBeUndefined();
  });

  it.each([
    [
      'CPU only',
      { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 60 },
      [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
      ],
    ],
    [
      'no target: CPU at the default',
      { maxReplicas: 4 },
      [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
          },
        },
      ],
    ],
    [
      'concurrency only',
      { maxReplicas: 4, targetConcurrency: 20 },
      [
        {
          type: 'Pods',
          pods: {
            metric: { name: CONCURRENCY_METRIC },
            target: { type: 'AverageValue', averageValue: '20' },
          },
        },
      ],
    ],
  ])('scales the Deployment on %s', (_, scaling, metrics) => {
    const hpa = functionAutoscaler(fn({ scaling }))!;
    expect(hpa.metadata).toMatchObject({ name: 'fn-api', namespace: 'team-a' });
    expect(hpa.metadata!.ownerReferences![0]).toMatchObject({
      kind: 'Function',
      name: 'api',
      controller: true,
    });
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fn-api' },
      minReplicas: (scaling as { minReplicas?: number }).minReplicas ?? 1,
      maxReplicas: scaling.maxReplicas,
      metrics,
    });
  });

  it('with both targets, scales on whichever asks for more pods', () => {
    const hpa = functionAutoscaler(
      fn({ scaling: { maxReplicas: 5, targetCpuUtilization: 70, targetConcurrency: 8 } }),
    )!;
    expect(hpa.spec!.metrics!.map((m) => m.type)).toEqual(['Resource', 'Pods']);
  });
});

describe('functionDeployment and scaling', () => {
  const app = appSchema.parse({
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'App',
    metadata: { name: 'demo', namespace: 'team-a' },
    spec: {
      appId: 'demo',
      database: { urlSecretRef: { name: 'db', key: 'url' } },
      auth: { jwt: { secretRef: { name: 'jwt', key: 'secret' } } },
    },
  });
  const settings = testSettings();

  it('sets one replica without an HPA, and leaves replicas to the HPA with one', () => {
    const fixed: V1Deployment = functionDeployment(fn({}), app, revisionOf(fn({}), 'x'), settings);
    expect(fixed.spec!.replicas).toBe(1);
    const scalable = fn({ scaling: { maxReplicas: 3 } });
    const scaled: V1Deployment = functionDeployment(scalable, app, revisionOf(scalable, 'x'), settings);
    expect(scaled.spec).not.toHaveProperty('replicas');
  });
});
