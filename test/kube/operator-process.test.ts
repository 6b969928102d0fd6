/**
 * The operator as its image runs it (operator/src/main.ts, its own process): it gets
 * ready, deploys a Function it did not see start (pending until its pod is available,
 * then deployed), and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { runningAndReady, servedRevision, setRevisionPods } from './function-pods.ts';
import { kubectl } from './kubectl.ts';
import { freeLoopbackPorts } from './ports.ts';

const REPO = path.join(import.meta.dirname, '../..');
const namespace = butterbaseNamespace('operator');

describe('the operator process', () => {
  it('gets ready, deploys a Function, counts it in /metrics, and exits 0 on SIGTERM', async () => {
    const [port, apiPort] = await freeLoopbackPorts(2);
    const operator = spawn(process.execPath, [path.join(REPO, 'operator/src/main.ts')], {
      env: {
        PATH: process.env.PATH ?? '',
        KUBECONFIG: inject('kubeconfig'),
        BBFN_RUNTIME_IMAGE: 'butterbase-functions/runtime:test',
        BBFN_PUBLIC_BASE_URL: 'https://fn.example.com',
        BBFN_OPERATOR_PORT: String(port),
        BBFN_API_PORT: String(apiPort),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => operator.once('exit', resolve));
    try {
      await waitFor('the operator to be ready', 30_000, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        return response.status === 200;
      });
      for (const file of ['app.yaml', 'hello/function.yaml']) {
        const applied = await kubectl(['apply', '-n', namespace, '-f', path.join(REPO, 'examples', file)]);
        expect(applied.ok, applied.out).toBe(true);
      }
      const status = async () =>
        (await kubectl(['get', 'fn', 'hello', '-n', namespace, '-o', 'jsonpath={.status.status}'])).out;
      await waitFor('hello to be rolling out', 30_000, async () => (await status()) === 'pending');
      // No kubelet here: the pod's status is written as one would (function-pods.ts).
      await setRevisionPods(namespace, 'hello', await servedRevision(namespace, 'hello'), runningAndReady());
      await waitFor('hello to be deployed', 30_000, async () => (await status()) === 'deployed');
      expect((await kubectl(['get', 'deploy', 'fn-hello', '-n', namespace])).ok).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
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
