/**
 * A measurement, not a timed assertion: `kubectl apply` of a new Function → its first 200
 * through the ingress, several times, p50 printed (bench/RESULTS.md records it). The
 * namespace's warm pool (the chart's pool.size) is warm before each apply, as a pool is
 * before a Function comes: the test asserts that each Function answers, and that its
 * first answer came from the pool pod the operator specialized for it (pool-pods.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '../support/wait.ts';
import { PUBLIC_HOST } from './chart-release.ts';
import { kubectl, kubectlOk, viaIngress } from './client.ts';
import { processTaggedHandler, specializedPodAnswering, warmPodReady } from './pool-pods.ts';

const namespace = `e2e-latency-${Date.now().toString(36)}`;
const RUNS = 5;

const app = {
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'App',
  metadata: { name: 'latency' },
  spec: { appId: 'latency' },
};
const fn = (name: string) => ({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: {
    appId: 'latency',
    trigger: { type: 'http', config: { method: 'GET', auth: 'none' } },
    code: processTaggedHandler(name),
  },
});

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', namespace]);
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(app));
  // A namespace gets its pool with its first serving Function.
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(fn('latency-first')));
  await waitFor('latency-first to answer', 120_000, async () => {
    const answer = await viaIngress(`http://${PUBLIC_HOST}/v1/latency/fn/latency-first`);
    return answer.status === 200;
  });
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

it(`apply of a new Function → first 200 through the ingress (${RUNS} runs, p50 printed)`, async () => {
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `latency-${i}`;
    await warmPodReady(namespace);
    // The URL is known before the operator reports it: {publicBaseUrl}/v1/{appId}/fn/{name}.
    const url = `http://${PUBLIC_HOST}/v1/latency/fn/${name}`;
    const began = performance.now();
    await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(fn(name)));
    const response = await waitFor(
      `${name} to answer 200`,
      120_000,
      async () => {
        const answer = await viaIngress(url);
        return answer.status === 200 ? answer : undefined;
      },
      25,
    );
    seconds.push((performance.now() - began) / 1000);
    expect(response.body).toMatch(new RegExp(`^${name} [0-9a-z]+$`));
    const pool = await specializedPodAnswering(namespace, name, `/v1/latency/fn/${name}`, response.body);
    expect(pool, `${name}'s first answer came from a specialized pool pod`).toBeDefined();
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
  console.log(
    `e2e bench: kubectl apply → first 200 through the ingress: p50 ${p50.toFixed(2)} s over ${RUNS} runs (${seconds.map((s) => s.toFixed(2)).join(', ')} s)`,
  );
});
