/**
 * Conflicts on the real control plane, reported on both objects (a Conflict condition
 * and a Warning Event), the first claimant keeping what it claimed: two Functions of one
 * app claiming one config.path, and two Apps in different namespaces claiming one appId.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition } from '../../api/v1alpha1/status.types.ts';
import { waitFor } from '../support/wait.ts';
import { installButterbaseCrds } from './butterbase-crds.ts';
import { podsComeUp } from './function-pods.ts';
import { getJson, kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator } from './operator-fixture.ts';

const suffix = Date.now().toString(36);
// Alphabetical order is creation order, so a tie of creation seconds goes the same way.
const [first, second] = [`conflict-a-${suffix}`, `conflict-b-${suffix}`];
let removeCrds: (() => Promise<void>) | undefined;
let operator: TestOperator | undefined;

const app = (name: string, appId: string) => `apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: ${name} }
spec: { appId: ${appId} }
`;
const fn = (name: string, appId: string, path?: string) => `apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata: { name: ${name} }
spec:
  appId: ${appId}
  trigger: { type: http, config: { auth: none${path ? `, path: ${path}` : ''} } }
  code: "export async function handler() { return new Response('${name}'); }"
`;
async function apply(namespace: string, manifest: string) {
  const applied = await kubectl(['apply', '-n', namespace, '-f', '-'], manifest);
  expect(applied.ok, applied.out).toBe(true);
}
type WithConditions = { status?: { status?: string; conditions?: Condition[] } };
const conflictOf = async (namespace: string, what: string[]) =>
  (await getJson<WithConditions>(namespace, what)).status?.conditions?.find((c) => c.type === 'Conflict');
const ingressPaths = async (namespace: string, name: string) =>
  (
    await getJson<{ spec: { rules: { http: { paths: { path: string }[] } }[] } }>(namespace, [
      'ingress',
      `fn-${name}`,
    ])
  ).spec.rules[0]!.http.paths.map((p) => p.path);
async function eventReasons(namespace: string, kind: string, name: string): Promise<string[]> {
  const events = await getJson<{ items: { reason: string }[] }>(namespace, [
    'events',
    '--field-selector',
    `involvedObject.kind=${kind},involvedObject.name=${name}`,
  ]);
  return events.items.map((e) => e.reason);
}

beforeAll(async () => {
  removeCrds = await installButterbaseCrds();
  for (const namespace of [first, second])
    expect((await kubectl(['create', 'namespace', namespace])).ok).toBe(true);
  operator = await startTestOperator({ concurrency: 4 });
  kubelets = [first, second].map((namespace) => podsComeUp(namespace));
});

afterAll(async () => {
  await Promise.all(kubelets.map((kubelet) => kubelet.stop()));
  await operator?.stop();
  for (const namespace of [first, second]) await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  await removeCrds?.();
});

let kubelets: { stop(): Promise<void> }[] = [];

describe('conflicts', () => {
  it('two Functions of one app claiming one path: both say so, the first keeps the route', async () => {
    await apply(first, app('routes', 'routes'));
    await apply(first, fn('alpha', 'routes', '/hook'));
    await waitFor('alpha to be deployed', 30_000, async () => {
      const stored = await getJson<WithConditions>(first, ['fn', 'alpha']);
      return stored.status?.status === 'deployed';
    });
    await apply(first, fn('beta', 'routes', '/hook'));
    const [alpha, beta] = await waitFor('both Functions to report the conflict', 30_000, async () => {
      const both = await Promise.all([conflictOf(first, ['fn', 'alpha']), conflictOf(first, ['fn', 'beta'])]);
      return both.every(Boolean) ? both : undefined;
    });
    expect(alpha).toMatchObject({ status: 'True', reason: 'RouteConflict' });
    expect(alpha!.message).toContain(`claimed by Function ${first}/beta; this Function claimed it first`);
    expect(beta).toMatchObject({ status: 'True', reason: 'RouteConflict' });
    expect(beta!.message).toContain(`held by Function ${first}/alpha`);
    expect(await ingressPaths(first, 'alpha')).toEqual(['/v1/routes/fn/alpha', '/v1/routes/hook']);
    // The second claimant serves its own URL, not the route.
    expect(await ingressPaths(first, 'beta')).toEqual(['/v1/routes/fn/beta']);
    for (const name of ['alpha', 'beta'])
      await waitFor(`a RouteConflict Event on ${name}`, 30_000, async () =>
        (await eventReasons(first, 'Function', name)).includes('RouteConflict'),
      );

    // The first claimant gone, the route is the second's and the conflict is over.
    expect((await kubectl(['delete', 'fn', 'alpha', '-n', first])).ok).toBe(true);
    await waitFor('beta to get the route', 30_000, async () => {
      const paths = await ingressPaths(first, 'beta');
      return paths.includes('/v1/routes/hook') && (await conflictOf(first, ['fn', 'beta'])) === undefined;
    });
  });

  it('two Apps in different namespaces claiming one appId: both say so, the first keeps serving', async () => {
    const appId = `shop-${suffix}`;
    await apply(first, app('shop', appId));
    await apply(first, fn('cart', appId));
    await waitFor('the first namespace’s cart to be deployed', 30_000, async () => {
      const stored = await getJson<WithConditions>(first, ['fn', 'cart']);
      return stored.status?.status === 'deployed';
    });
    await apply(second, app('shop', appId));
    await apply(second, fn('cart', appId));
    const [kept, refused] = await waitFor('both Apps to report the conflict', 30_000, async () => {
      const both = await Promise.all([
        conflictOf(first, ['app', 'shop']),
        conflictOf(second, ['app', 'shop']),
      ]);
      return both.every(Boolean) ? both : undefined;
    });
    expect(kept).toMatchObject({ status: 'True', reason: 'AppIdConflict' });
    expect(kept!.message).toContain(`claimed by App ${second}/shop; this App claimed it first and keeps it`);
    expect(refused).toMatchObject({ status: 'True', reason: 'AppIdConflict' });
    expect(refused!.message).toContain(`held by App ${first}/shop`);
    for (const namespace of [first, second])
      await waitFor(`an AppIdConflict Event on the App in ${namespace}`, 30_000, async () =>
        (await eventReasons(namespace, 'App', 'shop')).includes('AppIdConflict'),
      );

    // The second namespace's Function does not serve the first's URLs.
    const status = await waitFor('the second cart to be refused', 30_000, async () => {
      const stored = await getJson<WithConditions>(second, ['fn', 'cart']);
      return stored.status?.status === 'failed' ? stored.status : undefined;
    });
    expect(status.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'AppIdConflict' });
    expect((await kubectl(['get', 'ingress', 'fn-cart', '-n', second])).ok).toBe(false);
    expect((await getJson<WithConditions>(first, ['fn', 'cart'])).status?.status).toBe('deployed');

    // The second App takes another appId: the conflict is over on both.
    await apply(second, app('shop', `${appId}-2`));
    await waitFor('the conflict to be cleared on both Apps', 30_000, async () => {
      const both = await Promise.all([
        conflictOf(first, ['app', 'shop']),
        conflictOf(second, ['app', 'shop']),
      ]);
      return both.every((c) => c === undefined);
    });
  });
});
