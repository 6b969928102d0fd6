/**
 * The operator as its image runs it (operator/src/main.ts, its own process): it gets
 * ready, deploys a Function it did not see start (pending until its pod is available,
 * then deployed), and stops cleanly on SIGTERM.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { podsComeUp } from './function-pods.ts';
import { applyExamples, kubectl } from './kubectl.ts';
import { startOperatorProcess } from './operator-fixture.ts';

const namespace = butterbaseNamespace('operator');

describe('the operator process', () => {
  it('gets ready, deploys a Function, counts it in /metrics, and exits 0 on SIGTERM', async () => {
    // Resolves once its /readyz answers.
    const { child: operator, exited, url } = await startOperatorProcess();
    try {
      await applyExamples(namespace, 'app.yaml', 'hello/function.yaml');
      const status = async () =>
        (await kubectl(['get', 'fn', 'hello', '-n', namespace, '-o', 'jsonpath={.status.status}'])).out;
      await waitFor('hello to be rolling out', 30_000, async () => (await status()) === 'pending');
      // No kubelet here: pods' status is written as one would (function-pods.ts), for every
      // pod that comes: the App's credentials can roll the first one while it starts.
      const kubelet = podsComeUp(namespace);
      try {
        await waitFor('hello to be deployed', 30_000, async () => (await status()) === 'deployed');
      } finally {
        await kubelet.stop();
      }
      expect((await kubectl(['get', 'deploy', 'fn-hello', '-n', namespace])).ok).toBe(true);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^bbfn_operator_reconciles_total\{result="deployed"\} [1-9]/m);
      expect(metrics).toMatch(/^bbfn_operator_reconcile_duration_seconds_count [1-9]/m);
      expect(metrics).toMatch(/^bbfn_operator_queue_depth 0/m);
      operator.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      operator.kill('SIGKILL');
    }
  });
});
