/**
 * The operator's Function controller against the real control plane: a Function
 * becomes its objects, and its status says how far its revision got, as kstatus reads
 * it (Ready, Reconciling, Stalled): pending while its pods start, deployed once they
 * are available, failed with the pods' own reason when they crash-loop. Pods are driven
 * through their /status subresource (function-pods.ts): no kubelet runs here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionId } from '../../api/v1alpha1/urls.ts';
import { createOperatorMetrics } from '../../operator/src/metrics.ts';
import { KEPT_REVISIONS } from '../../operator/src/reconcile/stale-revisions.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import {
  conditionsByType,
  crashLooping,
  eventsSeen,
  functionStatus,
  runningAndReady,
  servedRevision,
  setFunctionCode,
  setRevisionPods,
} from './function-pods.ts';
import { applyExamples, getJson, kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator } from './operator-fixture.ts';

const namespace = butterbaseNamespace('fn-controller');
const metrics = createOperatorMetrics();
let operator: TestOperator | undefined;

const hello = () => functionStatus(namespace, 'hello');
const served = () => servedRevision(namespace, 'hello');
const setCode = (code: string) => setFunctionCode(namespace, 'hello', code);
const byType = conditionsByType;

/** Waits for hello's status of its current generation to say `status`. */
const helloReports = (status: string) =>
  waitFor(`hello to be ${status}`, 30_000, async () => {
    const fn = await hello();
    const current = fn.status?.observedGeneration === fn.metadata.generation;
    return current && fn.status?.status === status ? fn : undefined;
  });

const errors = async () =>
  (await metrics.reconciles.get()).values.find((v) => v.labels.result === 'error')?.value ?? 0;

beforeAll(async () => {
  await applyExamples(namespace, 'app.yaml', 'hello/function.yaml');
  operator = await startTestOperator({ metrics });
});

afterAll(async () => {
  await operator?.stop();
});

describe('the Function controller', () => {
  it('says pending (Reconciling) while the pods start, deployed (Ready) once they are available', async () => {
    const pending = await helloReports('pending');
    expect(pending.status).toMatchObject({
      functionId: functionId('demo', 'hello'),
      url: 'https://fn.example.com/v1/demo/fn/hello',
    });
    const rolling = byType(pending.status!.conditions);
    expect(rolling.Ready).toMatchObject({ status: 'False', reason: 'RollingOut' });
    expect(rolling.Reconciling).toMatchObject({ status: 'True', reason: 'RollingOut' });
    expect(rolling.Stalled).toBeUndefined();
    expect((await kubectl(['get', 'svc,ingress', 'fn-hello', '-n', namespace])).ok).toBe(true);

    const revision = await served();
    await setRevisionPods(namespace, 'hello', revision, runningAndReady());
    const deployed = await helloReports('deployed');
    expect(deployed.status!.conditions).toHaveLength(1);
    expect(byType(deployed.status!.conditions).Ready).toMatchObject({
      status: 'True',
      reason: 'Available',
      message: `Revision ${revision}: all 1 pods available`,
      observedGeneration: deployed.metadata.generation,
    });
    expect(await eventsSeen(namespace, 'hello', 'RollingOut')).toMatchObject([{ type: 'Normal' }]);
    expect(await eventsSeen(namespace, 'hello', 'RolledOut')).toMatchObject([{ type: 'Normal' }]);
    const table = await kubectl(['get', 'fn', 'hello', '-n', namespace]);
    expect(table.out).toMatch(/hello\s+https:\/\/fn\.example\.com\/v1\/demo\/fn\/hello\s+deployed\s+True\s/);
  });

  it('rolls a new revision for new code: pending until its pod is available, the old one serving', async () => {
    const before = await served();
    expect((await setCode('export async function handler() { return new Response("v2"); }')).ok).toBe(true);
    await waitFor('a new revision to be applied', 30_000, async () => (await served()) !== before);
    const pending = await helloReports('pending');
    expect(byType(pending.status!.conditions).Reconciling).toMatchObject({ status: 'True' });
    await setRevisionPods(namespace, 'hello', await served(), runningAndReady());
    await helloReports('deployed');
  });

  it('says failed with the reason, exit code and message of a crash-looping pod, once', async () => {
    expect((await setCode('export async function handler() { return new Response("v3"); }')).ok).toBe(true);
    await helloReports('pending');
    const revision = await served();
    await setRevisionPods(
      namespace,
      'hello',
      revision,
      crashLooping(1, 'Error: connect ECONNREFUSED 10.0.0.9:5432'),
    );
    const failed = await helloReports('failed');
    const { Ready, Stalled, Reconciling } = byType(failed.status!.conditions);
    expect(Ready).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
    expect(Ready!.message).toMatch(
      /is crash-looping; last exit code 1 \(Error\): Error: connect ECONNREFUSED/,
    );
    expect(Stalled).toMatchObject({ status: 'True', reason: 'CrashLoopBackOff', message: Ready!.message });
    expect(Reconciling).toBeUndefined();
    // More reconciles of the same state record no more Events.
    for (const note of ['a', 'b'])
      await kubectl(['annotate', 'fn', 'hello', '-n', namespace, '--overwrite', `test/note=${note}`]);
    await waitFor('the annotations to be reconciled', 30_000, async () => {
      await operator!.functions.settled();
      return (await hello()).status?.status === 'failed';
    });
    // Another restart with other last words: the condition says so, no new Event.
    await setRevisionPods(
      namespace,
      'hello',
      revision,
      crashLooping(1, 'Error: connect ETIMEDOUT 10.0.0.9:5432'),
    );
    await waitFor('the new last words in the status', 30_000, async () =>
      byType((await hello()).status?.conditions).Ready?.message.includes('ETIMEDOUT'),
    );
    expect(await eventsSeen(namespace, 'hello', 'CrashLoopBackOff')).toMatchObject([
      { type: 'Warning', message: Ready!.message },
    ]);
    // The pod recovers (its database came up): deployed again.
    await setRevisionPods(namespace, 'hello', revision, runningAndReady());
    await helloReports('deployed');
  });

  it('keeps the revision that serves when new code does not compile, says where, and does not retry', async () => {
    const serving = await served();
    const errorsBefore = await errors();
    expect((await setCode('export async function handler() {\n  return new Response(;\n}')).ok).toBe(true);
    const fn = await helloReports('failed');
    const { Ready, Stalled } = byType(fn.status!.conditions);
    expect(Ready).toMatchObject({ status: 'False', reason: 'CompileFailed' });
    expect(Ready!.message).toMatch(/VALIDATION_SYNTAX_ERROR: .*hello\.ts:2:\d+/);
    expect(Stalled).toMatchObject({ status: 'True', reason: 'CompileFailed' });
    expect(await served()).toBe(serving);
    expect(await eventsSeen(namespace, 'hello', 'CompileFailed')).toMatchObject([{ type: 'Warning' }]);
    await operator!.functions.settled();
    // A terminal failure is not an error: nothing was scheduled for a retry.
    expect(await errors()).toBe(errorsBefore);
  });

  it('applies a deleted Deployment again', async () => {
    expect((await setCode('export async function handler() { return new Response("v4"); }')).ok).toBe(true);
    await helloReports('pending');
    const { metadata } = await getJson<{ metadata: { uid: string } }>(namespace, ['deploy', 'fn-hello']);
    expect((await kubectl(['delete', 'deploy', 'fn-hello', '-n', namespace])).ok).toBe(true);
    const again = await waitFor('fn-hello to be made again', 30_000, async () => {
      const got = await kubectl([
        'get',
        'deploy',
        'fn-hello',
        '-n',
        namespace,
        '-o',
        'jsonpath={.metadata.uid}',
      ]);
      return got.ok && got.out !== metadata.uid ? got.out : undefined;
    });
    expect(again).not.toBe('');
    await setRevisionPods(namespace, 'hello', await served(), runningAndReady());
    await helloReports('deployed');
  });

  it('keeps the current revision and three before it, and deletes older ones', async () => {
    for (let version = 5; version <= 9; version++) {
      const before = await served();
      expect(
        (await setCode(`export async function handler() { return new Response("v${version}"); }`)).ok,
      ).toBe(true);
      await waitFor(`revision v${version} to be served`, 30_000, async () => (await served()) !== before);
    }
    const current = await served();
    const revisions = await waitFor('old revisions to be deleted', 30_000, async () => {
      const list = await getJson<{ items: { metadata: { labels: Record<string, string> } }[] }>(namespace, [
        'configmap',
        '-l',
        'butterbase.ai/function=hello',
      ]);
      return list.items.length === 1 + KEPT_REVISIONS ? list.items : undefined;
    });
    expect(revisions.map((item) => item.metadata.labels['butterbase.ai/revision'])).toContain(current);
  });

  it('says so when the App is missing', async () => {
    const orphan = `apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata:
  name: orphan
spec:
  appId: nobody
  trigger: { type: http }
  code: "export async function handler() { return new Response('x'); }"
`;
    expect((await kubectl(['apply', '-n', namespace, '-f', '-'], orphan)).ok).toBe(true);
    const status = await waitFor('orphan to be reported failed', 30_000, async () => {
      const stored = await functionStatus(namespace, 'orphan');
      return stored.status?.status === 'failed' ? stored.status : undefined;
    });
    expect(byType(status.conditions)).toMatchObject({
      Ready: { status: 'False', reason: 'AppNotFound' },
      Stalled: { status: 'True', reason: 'AppNotFound' },
    });
    expect((await kubectl(['get', 'deploy', 'fn-orphan', '-n', namespace])).ok).toBe(false);
  });

  it('replaces its status: a field the new status leaves out is gone (a cron Function has no url)', async () => {
    expect((await functionStatus(namespace, 'orphan')).status?.url).toBe(
      'https://fn.example.com/v1/nobody/fn/orphan',
    );
    const patched = await kubectl([
      'patch',
      'fn',
      'orphan',
      '-n',
      namespace,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: { trigger: { type: 'cron', config: { schedule: '*/5 * * * *' } } } }),
    ]);
    expect(patched.ok, patched.out).toBe(true);
    const status = await waitFor('orphan to report its new generation', 30_000, async () => {
      const stored = await functionStatus(namespace, 'orphan');
      return stored.status?.observedGeneration === stored.metadata.generation ? stored.status : undefined;
    });
    expect(status).not.toHaveProperty('url');
    expect(status).toMatchObject({ functionId: functionId('nobody', 'orphan'), status: 'failed' });
  });
});
