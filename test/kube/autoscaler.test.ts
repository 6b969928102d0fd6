/**
 * spec.scaling on the real control plane: it becomes an HPA owned by the Function, and
 * the operator then leaves the Deployment's replicas to whoever scales it (the HPA's
 * controller, or here kubectl, as this control plane runs no HPA controller); without
 * it the operator keeps one replica and removes the HPA.
 */
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator } from './operator-fixture.ts';

const namespace = butterbaseNamespace('autoscaler');
let operator: TestOperator | undefined;

const scaledFunction = (code: string, scaling: string) => `apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: scaled }
spec: { appId: scaled }
---
apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata: { name: api }
spec:
  appId: scaled
  trigger: { type: http, config: { auth: none } }
  code: "${code}"
${scaling}
`;
const withScaling = (code: string) =>
  scaledFunction(
    code,
    '  scaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 60, targetConcurrency: 10 }',
  );
async function apply(manifest: string) {
  const applied = await kubectl(['apply', '-n', namespace, '-f', '-'], manifest);
  expect(applied.ok, applied.out).toBe(true);
}
const jsonpath = async (what: string[], path: string) =>
  (await kubectl(['get', '-n', namespace, ...what, '-o', `jsonpath=${path}`])).out;
const servedRevision = () =>
  jsonpath(['deploy', 'fn-api'], "{.spec.template.metadata.annotations['butterbase\\.ai/revision']}");

beforeAll(async () => {
  operator = await startTestOperator();
});

afterAll(async () => {
  await operator?.stop();
});

describe('spec.scaling', () => {
  it('becomes an HPA, and a new revision leaves the replicas it was scaled to alone', async () => {
    await apply(withScaling("export async function handler() { return new Response('v1'); }"));
    const hpa = await waitFor('the HPA', 30_000, async () => {
      const got = await kubectl(['get', 'hpa', 'fn-api', '-n', namespace, '-o', 'json']);
      return got.ok ? (JSON.parse(got.out) as k8s.V2HorizontalPodAutoscaler) : undefined;
    });
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fn-api' },
      minReplicas: 2,
      maxReplicas: 6,
    });
    expect(hpa.spec!.metrics!.map((m) => m.type)).toEqual(['Resource', 'Pods']);
    expect(hpa.metadata!.ownerReferences![0]).toMatchObject({
      kind: 'Function',
      name: 'api',
      controller: true,
    });

    // Scaled as the HPA's controller would (through the scale subresource), then a new
    // revision: the operator's apply must not put the replicas back.
    await waitFor('the Deployment', 30_000, async () => (await servedRevision()) !== '');
    const before = await servedRevision();
    expect((await kubectl(['scale', 'deploy', 'fn-api', '-n', namespace, '--replicas=5'])).ok).toBe(true);
    await apply(withScaling("export async function handler() { return new Response('v2'); }"));
    await waitFor('the new revision', 30_000, async () => (await servedRevision()) !== before);
    await operator!.functions.settled();
    expect(await jsonpath(['deploy', 'fn-api'], '{.spec.replicas}')).toBe('5');
  });

  it('without spec.scaling, the operator holds one replica and removes the HPA', async () => {
    await apply(scaledFunction("export async function handler() { return new Response('v3'); }", ''));
    await waitFor(
      'the HPA to be removed',
      30_000,
      async () => !(await kubectl(['get', 'hpa', 'fn-api', '-n', namespace])).ok,
    );
    await waitFor(
      'one replica',
      30_000,
      async () => (await jsonpath(['deploy', 'fn-api'], '{.spec.replicas}')) === '1',
    );
  });
});
