/**
 * Two operator processes against the real control plane: one holds the Lease and
 * reconciles, the other stands by (ready, reconciling nothing); killed without a word,
 * the leader's Lease runs out and the standby takes over and reconciles; stopped with
 * SIGTERM, a leader hands the Lease back at once.
 */
import type { ChildProcess } from 'node:child_process';
import type { V1Lease } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATOR_ENV } from '../../operator/src/settings.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { podsComeUp } from './function-pods.ts';
import { kubectl } from './kubectl.ts';
import { startOperatorProcess } from './operator-fixture.ts';

const namespace = butterbaseNamespace('leader');
const LEASE = 'bbfn-operator-test';
const LEASE_SECONDS = 4;
const operators: ChildProcess[] = [];

// No kubelet here: Functions are `deployed` once their pods run, so they are made to (function-pods.ts).
const kubelet = podsComeUp(namespace);

afterAll(async () => {
  for (const operator of operators) operator.kill('SIGKILL');
  await kubelet.stop();
});

async function startOperator(identity: string) {
  const { child, exited, url } = await startOperatorProcess({
    [OPERATOR_ENV.leaseName]: LEASE,
    [OPERATOR_ENV.leaseNamespace]: namespace,
    [OPERATOR_ENV.leaseDurationSeconds]: String(LEASE_SECONDS),
    [OPERATOR_ENV.podName]: identity,
  });
  operators.push(child);
  const reconciled = async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    return /^bbfn_operator_reconciles_total\{result="deployed"\} [1-9]/m.test(metrics);
  };
  return { identity, child, exited, url, reconciled };
}

const lease = async () => {
  const got = await kubectl(['get', 'lease', LEASE, '-n', namespace, '-o', 'json']);
  return got.ok ? (JSON.parse(got.out) as V1Lease) : undefined;
};
const deployed = async (name: string) =>
  (await kubectl(['get', 'fn', name, '-n', namespace, '-o', 'jsonpath={.status.status}'])).out === 'deployed';
const functionManifest = (name: string) => `apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata: { name: ${name} }
spec:
  appId: leader
  trigger: { type: http, config: { auth: none } }
  code: "export async function handler() { return new Response('${name}'); }"
`;

describe('leader election', () => {
  it('lets one of two operators reconcile, and the other take over when it dies or stops', async () => {
    const app =
      'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: leader }\nspec: { appId: leader }\n';
    expect((await kubectl(['apply', '-n', namespace, '-f', '-'], app)).ok).toBe(true);
    const a = await startOperator('operator-a');
    const b = await startOperator('operator-b');
    const first = await waitFor('a leader', 30_000, async () => (await lease())?.spec?.holderIdentity);
    const [leader, standby] = first === a.identity ? [a, b] : [b, a];

    expect((await kubectl(['apply', '-n', namespace, '-f', '-'], functionManifest('one'))).ok).toBe(true);
    await waitFor('one to be deployed', 30_000, () => deployed('one'));
    expect(await leader.reconciled()).toBe(true);
    expect(await standby.reconciled()).toBe(false);
    expect(await (await fetch(`${standby.url}/readyz`)).text()).toBe('ok (standby)');

    // Killed: no release; the standby waits the Lease out, then leads.
    const before = (await lease())!;
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await waitFor('the standby to take the Lease', 10 * LEASE_SECONDS * 1000, async () => {
      return (await lease())?.spec?.holderIdentity === standby.identity;
    });
    const after = (await lease())!;
    console.error(
      `leader election: the standby led ${Date.now() - killedAt} ms after the leader was killed (Lease ${LEASE_SECONDS} s)`,
    );
    expect(after.spec!.leaseTransitions).toBe((before.spec!.leaseTransitions ?? 0) + 1);
    expect((await kubectl(['apply', '-n', namespace, '-f', '-'], functionManifest('two'))).ok).toBe(true);
    await waitFor('two to be deployed by the new leader', 30_000, () => deployed('two'));
    expect(await standby.reconciled()).toBe(true);

    // Stopped: the Lease is handed back at once.
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    expect((await lease())!.spec!.holderIdentity).toBeUndefined();
  });
});
