/**
 * A measurement, not a timed assertion (bench/RESULTS.md records it): a code update of a
 * serving Function → the new code answering through the ingress, several times, p50
 * printed; and the requests that failed meanwhile, under a bounded load that runs from the
 * update until the old revision's pods are gone. The test asserts only that each new
 * version answers; zero failures is asserted by examples.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '../support/wait.ts';
import { PUBLIC_HOST } from './chart-release.ts';
import { kubectl, kubectlOk, viaIngress } from './client.ts';
import { processTaggedHandler, specializedPodAnswering, warmPodReady } from './pool-pods.ts';

const namespace = `e2e-rollout-${Date.now().toString(36)}`;
const RUNS = 5;
/** Concurrent clients, each sending one request at a time, back to back. */
const CLIENTS = 4;
/** The load's bounds per run: requests (all clients together) and time. */
const MAX_REQUESTS = 40_000;
const MAX_MS = 120_000;
const url = `http://${PUBLIC_HOST}/v1/rollout/fn/rollout`;

const fn = (version: number) => ({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'Function',
  metadata: { name: 'rollout' },
  spec: {
    appId: 'rollout',
    trigger: { type: 'http', config: { method: 'GET', auth: 'none' } },
    code: processTaggedHandler(`v${version}`),
  },
});

interface Pod {
  metadata: { deletionTimestamp?: string };
}

/** True once the Function has one pod, not terminating: the old revision's pod is gone. */
async function oldPodsGone(): Promise<boolean> {
  const { ok, out } = await kubectl([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    'butterbase.ai/function=rollout',
    '-o',
    'json',
  ]);
  if (!ok) return false;
  const pods = (JSON.parse(out) as { items: Pod[] }).items;
  return pods.length === 1 && !pods[0]!.metadata.deletionTimestamp;
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', namespace]);
  const app = { apiVersion: 'butterbase.ai/v1alpha1', kind: 'App', metadata: { name: 'rollout' } };
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify({ ...app, spec: { appId: 'rollout' } }));
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(fn(0)));
  await waitFor('v0 to answer', 120_000, async () => (await viaIngress(url)).body.startsWith('v0 '));
  await waitFor('v0 alone', 60_000, oldPodsGone, 250);
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

it(`code update → the new code answering, failed requests during the rollout (${RUNS} runs)`, async () => {
  const seconds: number[] = [];
  const rows: string[] = [];
  let totalSent = 0;
  let totalFailed = 0;
  for (let version = 1; version <= RUNS; version++) {
    const expected = `v${version}`;
    // The namespace's pool is warm before the update, as a pool is (untimed).
    await warmPodReady(namespace);
    const began = performance.now();
    await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(fn(version)));
    let firstNew: number | undefined;
    let firstNewBody = '';
    let sent = 0;
    let staleAfterNew = 0;
    const failures: string[] = [];
    let done = false;
    const deadline = Date.now() + MAX_MS;
    const client = async () => {
      while (!done && sent < MAX_REQUESTS && Date.now() < deadline) {
        const response = await viaIngress(url);
        sent++;
        if (response.status !== 200) failures.push(`${response.status} ${response.body.slice(0, 60)}`);
        else if (response.body.startsWith(`${expected} `)) {
          if (firstNew === undefined) {
            firstNew = performance.now();
            firstNewBody = response.body;
          }
        } else if (firstNew !== undefined) staleAfterNew++;
      }
    };
    const watcher = async () => {
      // The load runs on until the new code answered and the old pod has left.
      while (!done && Date.now() < deadline) {
        if (firstNew !== undefined && (await oldPodsGone())) done = true;
        else await new Promise((resolve) => setTimeout(resolve, 250));
      }
      done = true;
    };
    // Asked while the load runs: the specialized pod is retired once the new pods are available.
    const pool = (async () => {
      await waitFor(`${expected} to answer`, MAX_MS, async () => firstNew !== undefined, 25);
      return specializedPodAnswering(namespace, 'rollout', new URL(url).pathname, firstNewBody);
    })();
    await Promise.all([watcher(), ...Array.from({ length: CLIENTS }, client)]);
    expect(firstNew, `${expected} never answered`).toBeDefined();
    expect(await pool, `${expected}'s first answer came from a specialized pool pod`).toBeDefined();
    const took = (firstNew! - began) / 1000;
    seconds.push(took);
    totalSent += sent;
    totalFailed += failures.length;
    rows.push(
      `${expected}: new code after ${took.toFixed(2)} s; ${sent} requests until the old pod left, ` +
        `${failures.length} failed${failures.length ? ` (${[...new Set(failures)].slice(0, 3).join('; ')})` : ''}, ` +
        `${staleAfterNew} answered by the old code after the new one had`,
    );
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
  console.log(
    `e2e bench: code update → new code answering through the ingress: p50 ${p50.toFixed(2)} s over ${RUNS} runs ` +
      `(${seconds.map((s) => s.toFixed(2)).join(', ')} s); failed requests during the rollouts: ${totalFailed} of ${totalSent} ` +
      `(${CLIENTS} clients back to back)\n  ${rows.join('\n  ')}`,
  );
});
