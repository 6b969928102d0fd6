/**
 * Failures a Function's status must show, on the real control plane: the API server
 * refusing a child (here a ResourceQuota; a full Service IP range or an admission
 * webhook refuse the same way) is reported with the API server's message and retried
 * with backoff until it passes; a cron Function is Ready while its CronJob exists and
 * its last Job did not fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorMetrics } from '../../operator/src/metrics.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { conditionsByType, eventsOf, eventsSeen, functionStatus } from './function-pods.ts';
import { applyExamples, getJson, kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator } from './operator-fixture.ts';

const namespace = butterbaseNamespace('fn-failures');
const metrics = createOperatorMetrics();
let operator: TestOperator | undefined;

const byType = conditionsByType;
const errors = async () =>
  (await metrics.reconciles.get()).values.find((v) => v.labels.result === 'error')?.value ?? 0;
const apply = (file: string) => applyExamples(namespace, file);

beforeAll(async () => {
  await apply('app.yaml');
  operator = await startTestOperator({ metrics });
});

afterAll(async () => {
  await operator?.stop();
});

describe('a Function whose child the API server refuses', () => {
  it('says failed with the API server message and an Event, retries with backoff, and recovers', async () => {
    // A quota of no Services. The quota controller does not run here, so its status is
    // written as that controller would write it; the admission plugin then enforces it.
    const quota =
      'apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: no-services }\nspec: { hard: { services: "0" } }\n';
    expect((await kubectl(['apply', '-n', namespace, '-f', '-'], quota)).ok).toBe(true);
    const status = JSON.stringify({ status: { hard: { services: '0' }, used: { services: '0' } } });
    const patched = await kubectl([
      'patch',
      'quota',
      'no-services',
      '-n',
      namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      status,
    ]);
    expect(patched.ok, patched.out).toBe(true);
    await apply('hello/function.yaml');
    const failed = await waitFor('hello to be reported failed', 30_000, async () => {
      const fn = await functionStatus(namespace, 'hello');
      return fn.status?.status === 'failed' ? fn : undefined;
    });
    const { Ready, Stalled } = byType(failed.status!.conditions);
    expect(Ready).toMatchObject({ status: 'False', reason: 'ApplyFailed' });
    expect(Ready!.message).toMatch(/^Service fn-hello: 403 .*exceeded quota: no-services/);
    expect(Stalled).toMatchObject({ status: 'True', reason: 'ApplyFailed' });

    expect(await eventsSeen(namespace, 'hello', 'ApplyFailed')).toMatchObject([
      { type: 'Warning', message: Ready!.message },
    ]);
    // Retried, with a backoff that doubles from 0.5 s: two more attempts take at least
    // 1 + 2 s, or 1 s if a child's event (the Deployment's status moving) brought one on.
    const errorsSeen = await errors();
    const began = performance.now();
    await waitFor('two more attempts', 90_000, async () => (await errors()) >= errorsSeen + 2, 100);
    expect(performance.now() - began).toBeGreaterThanOrEqual(1_000);
    // However often it was tried, the same refusal is one Event.
    expect(await eventsOf(namespace, 'hello', 'ApplyFailed')).toHaveLength(1);

    expect((await kubectl(['delete', 'quota', 'no-services', '-n', namespace])).ok).toBe(true);
    const pending = await waitFor('hello to get its Service on a retry', 90_000, async () => {
      const fn = await functionStatus(namespace, 'hello');
      return fn.status?.status === 'pending' ? fn : undefined;
    });
    expect(byType(pending.status!.conditions).Stalled).toBeUndefined();
    expect((await kubectl(['get', 'svc', 'fn-hello', '-n', namespace])).ok).toBe(true);
  }, 240_000);
});

describe('a cron Function', () => {
  it('is Ready while its CronJob exists, and failed when its last Job failed', async () => {
    await apply('cleanup-idempotency/function.yaml');
    const scheduled = await waitFor('the cron Function to be deployed', 30_000, async () => {
      const fn = await functionStatus(namespace, 'cleanup-idempotency');
      return fn.status?.status === 'deployed' ? fn : undefined;
    });
    expect(byType(scheduled.status!.conditions).Ready).toMatchObject({ status: 'True', reason: 'Scheduled' });
    expect(scheduled.status!.url).toBeUndefined();
    expect(await eventsSeen(namespace, 'cleanup-idempotency', 'Scheduled')).toHaveLength(1);

    // A run as `kubectl create job --from=cronjob/…` makes it, with a deadline no pod can
    // meet here (no kubelet): the real Job controller fails it.
    const cronJob = await getJson<{
      spec: { jobTemplate: { metadata: object; spec: Record<string, unknown> } };
    }>(namespace, ['cronjob', 'fn-cleanup-idempotency']);
    const { metadata, spec } = cronJob.spec.jobTemplate;
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...metadata, name: 'cleanup-manual' },
      spec: { ...spec, activeDeadlineSeconds: 1 },
    };
    expect((await kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify(job))).ok).toBe(true);
    const failed = await waitFor('the cron Function to report the failed Job', 60_000, async () => {
      const fn = await functionStatus(namespace, 'cleanup-idempotency');
      return fn.status?.status === 'failed' ? fn : undefined;
    });
    const { Ready } = byType(failed.status!.conditions);
    expect(Ready).toMatchObject({ status: 'False', reason: 'JobFailed' });
    expect(Ready!.message).toMatch(/^Job cleanup-manual failed: DeadlineExceeded/);
    expect(await eventsSeen(namespace, 'cleanup-idempotency', 'JobFailed')).toMatchObject([
      { type: 'Warning' },
    ]);
  });
});
