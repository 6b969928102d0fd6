/**
 * Reading Apps and Functions as `kubectl get -o json` shows them, and the bounded waits
 * the operator-contract suites share (operator-contract.test.ts, function-recovery.test.ts).
 */
import type { AppStatus, Condition, FunctionStatus } from '../../api/v1alpha1/status.types.ts';
import { POOL_LABEL } from '../../operator/src/resources/names.ts';
import { waitFor } from '../support/wait.ts';
import { type IngressResponse, kubectl, kubectlOk, viaIngress } from './client.ts';

export interface Stored<S> {
  metadata: { name: string; generation?: number; uid?: string };
  status?: S;
}

export async function getObject<S>(namespace: string, kind: string, name: string): Promise<Stored<S>> {
  return JSON.parse(await kubectlOk(['-n', namespace, 'get', kind, name, '-o', 'json'])) as Stored<S>;
}

/** The conditions by type. */
export function conditionsByType(conditions: Condition[] | undefined): Record<string, Condition> {
  return Object.fromEntries((conditions ?? []).map((c) => [c.type, c]));
}

/**
 * Waits for the operator to report the Function's current generation as `status` (and,
 * when given, with a Ready condition `also` accepts); returns the Function.
 */
export async function functionReports(
  namespace: string,
  name: string,
  status: NonNullable<FunctionStatus['status']>,
  options: { timeoutMs?: number; also?: (ready: Condition | undefined) => boolean } = {},
): Promise<Stored<FunctionStatus>> {
  const { timeoutMs = 120_000, also = () => true } = options;
  return waitFor(`Function ${name} to say ${status}`, timeoutMs, async () => {
    const fn = await getObject<FunctionStatus>(namespace, 'fn', name);
    const current = fn.status?.observedGeneration === fn.metadata.generation;
    const ready = conditionsByType(fn.status?.conditions).Ready;
    return current && fn.status?.status === status && also(ready) ? fn : undefined;
  });
}

/** Waits until the App's status describes its current generation with `Ready` True. */
export async function appReady(namespace: string, name: string, timeoutMs = 120_000): Promise<AppStatus> {
  return waitFor(`App ${name} to be Ready`, timeoutMs, async () => {
    const app = await getObject<AppStatus>(namespace, 'app', name);
    const ready = conditionsByType(app.status?.conditions).Ready;
    const current = app.status?.observedGeneration === app.metadata.generation;
    return current && ready?.status === 'True' ? app.status : undefined;
  });
}

/** Polls through the ingress until the URL answers `expected`; returns that response. */
export async function firstAnswer(
  url: string,
  expected: number,
  init?: Parameters<typeof viaIngress>[1],
  timeoutMs = 120_000,
): Promise<IngressResponse> {
  return waitFor(
    `${url} to answer ${expected} through the ingress`,
    timeoutMs,
    async () => {
      const response = await viaIngress(url, init);
      return response.status === expected ? response : undefined;
    },
    50,
  );
}

/** The Events recorded on `name` with `reason`, as `kubectl get events` lists them. */
export async function eventsOf(
  namespace: string,
  name: string,
  reason: string,
): Promise<{ type: string; reason: string; message: string }[]> {
  const { ok, out } = await kubectl([
    '-n',
    namespace,
    'get',
    'events',
    '--field-selector',
    `involvedObject.name=${name},reason=${reason}`,
    '-o',
    'json',
  ]);
  if (!ok) throw new Error(`kubectl get events failed: ${out}`);
  return (JSON.parse(out) as { items: { type: string; reason: string; message: string }[] }).items;
}

/**
 * The names of the running pods of a Function's Deployment, waiting (bounded) for one: not
 * a specialized warm pool pod (label butterbase.ai/pool), which serves the same revision
 * but was handed its settings in a request, so its container environment holds none.
 */
export async function functionPods(namespace: string, name: string): Promise<string[]> {
  return await waitFor(`a running pod of ${name}'s Deployment`, 120_000, async () => {
    const out = await kubectlOk([
      '-n',
      namespace,
      'get',
      'pods',
      '-l',
      `butterbase.ai/function=${name},!${POOL_LABEL}`,
      '--field-selector',
      'status.phase=Running',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    const names = out.split(' ').filter(Boolean);
    return names.length > 0 ? names : undefined;
  });
}
