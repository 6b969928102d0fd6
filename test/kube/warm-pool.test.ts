/**
 * The warm pool against the real control plane: with a pool size, a namespace with a
 * serving Function gets a pool Deployment, its token Secret and its NetworkPolicy. No
 * kubelet runs here, so the test plays it for the pool's pod (function-pods.ts) and puts
 * a real warm pool process (the runtime image's entry, runtime-image/src/main.ts with
 * BBFN_POOL_PORT) at that pod's address, 127.0.0.1: the operator really specializes it,
 * and the Function's first response comes from it. Then the relabel and owner reference,
 * the pod's retirement once the Deployment's pods are available, and a pool pod that
 * refuses a revision (deleted, the Deployment serves).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperatorMetrics } from '../../operator/src/metrics.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import {
  eventsSeen,
  functionStatus,
  runningAndReady,
  servedRevision,
  setRevisionPods,
} from './function-pods.ts';
import { applyExamples, getJson, kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator, testOperatorSettings } from './operator-fixture.ts';
import { freeLoopbackPorts } from './ports.ts';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
const namespace = butterbaseNamespace('warm-pool');
const metrics = createOperatorMetrics();
let operator: TestOperator | undefined;
let poolProcess: PodProcess | undefined;
/** (Re)starts the test's pool process: a fresh warm one at the pool pods' address. */
let startPoolProcess: () => Promise<void>;
let dir: string;
let httpPort: number;

interface Pod {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec: { containers: { ports?: { name: string; containerPort: number }[] }[] };
}

const poolPods = async (state: string) =>
  (await getJson<{ items: Pod[] }>(namespace, ['pods', '-l', `butterbase.ai/pool=${state}`])).items.filter(
    (pod) => !pod.metadata.deletionTimestamp,
  );

/** Plays the kubelet for one warm pod: Running, Ready, at 127.0.0.1 (where the test's pool process is). */
async function warmPodAtLoopback(): Promise<Pod> {
  return waitFor('a warm pool pod to take the status', 30_000, async () => {
    const [pod] = await poolPods('warm');
    if (!pod) return undefined;
    const status = { ...runningAndReady(), podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] };
    const patched = await kubectl([
      ...['patch', 'pod', pod.metadata.name, '-n', namespace, '--subresource=status', '--type=merge'],
      ...['-p', JSON.stringify({ status })],
    ]);
    return patched.ok ? pod : undefined;
  });
}

const specializations = async (outcome: string) =>
  (await metrics.poolSpecializations.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

const helloReports = (status: string, reason: string) =>
  waitFor(`hello to be ${status} (${reason})`, 30_000, async () => {
    const fn = await functionStatus(namespace, 'hello');
    const ready = fn.status?.conditions?.find((c) => c.type === 'Ready');
    const current = fn.status?.observedGeneration === fn.metadata.generation;
    return current && fn.status?.status === status && ready?.reason === reason ? fn : undefined;
  });

beforeAll(async () => {
  const [poolPort, servePort] = await freeLoopbackPorts(2);
  httpPort = servePort!;
  await applyExamples(namespace, 'app.yaml', 'hello/function.yaml');
  operator = await startTestOperator({
    metrics,
    settings: { ...testOperatorSettings, pool: { size: 1, port: poolPort! } },
  });
  const token = await waitFor('the pool token Secret', 30_000, async () => {
    const secret = await getJson<{ data: { token: string } }>(namespace, ['secret', 'bbfn-pool-token']).catch(
      () => undefined,
    );
    return secret && Buffer.from(secret.data.token, 'base64').toString('utf8');
  });
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-kube-pool-'));
  startPoolProcess = async () => {
    await poolProcess?.stop();
    // What the pool Deployment's pod runs, on loopback: its pool port as the operator was told.
    poolProcess = launchPod(POD_ENTRY, {
      BBFN_POOL_PORT: String(poolPort),
      BBFN_POOL_TOKEN: token,
      PORT: String(httpPort),
      BBFN_SPOOL_DIR: path.join(dir, 'spool'),
      BBFN_WORKERS: '1',
    });
    await waitFor('the pool process to be warm', 30_000, async () => {
      const ready = await fetch(`http://127.0.0.1:${poolPort}/readyz`).catch(() => undefined);
      return ready?.status === 200;
    });
  };
  await startPoolProcess();
}, 90_000);

afterAll(async () => {
  await operator?.stop();
  await poolProcess?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the warm pool', () => {
  it('is made in a namespace with a serving Function: Deployment, token Secret, NetworkPolicy', async () => {
    const deployment = await getJson<{
      metadata: { uid: string; ownerReferences: { kind: string; name: string }[] };
      spec: {
        replicas: number;
        template: {
          spec: {
            automountServiceAccountToken: boolean;
            containers: {
              ports: { name: string; containerPort: number }[];
              readinessProbe: { httpGet: { port: string } };
              resources: { limits: { memory: string } };
              securityContext: { readOnlyRootFilesystem: boolean };
            }[];
          };
        };
      };
    }>(namespace, ['deploy', 'bbfn-pool']);
    expect(deployment.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Function', name: 'hello' }),
    ]);
    expect(deployment.spec.replicas).toBe(1);
    const [container] = deployment.spec.template.spec.containers;
    expect(container!.ports.map((p) => p.name)).toEqual(['http', 'pool']);
    expect(container!.ports[0]!.containerPort).toBe(8080);
    expect(container!.readinessProbe.httpGet.port).toBe('pool');
    // The default function's memory (128 MiB), as its own pods would have it with a 1-CPU limit.
    expect(container!.resources.limits.memory).toBe('352Mi');
    expect(container!.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
    const secret = await getJson<{ metadata: { ownerReferences: { kind: string; uid: string }[] } }>(
      namespace,
      ['secret', 'bbfn-pool-token'],
    );
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', uid: deployment.metadata.uid }),
    ]);
    const policy = await getJson<{ spec: { ingress: { ports: { port: string }[] }[] } }>(namespace, [
      'networkpolicy',
      'bbfn-pool',
    ]);
    expect(policy.spec.ingress.flatMap((rule) => rule.ports.map((p) => p.port))).toEqual(['http']);
    await waitFor(
      'the pool ReplicaSet to make a pod',
      30_000,
      async () => (await poolPods('warm')).length > 0,
    );
  });

  it('serves a new revision first from a warm pod it specializes, relabelled into the Function', async () => {
    const revision = await servedRevision(namespace, 'hello');
    const pool = await warmPodAtLoopback();
    const response = await waitFor('hello to answer from the pool process', 30_000, async () =>
      fetch(`http://127.0.0.1:${httpPort}/v1/demo/fn/hello`).catch(() => undefined),
    );
    expect(await response.json()).toEqual({ hello: 'world' });
    const specialized = await waitFor('the pod to be relabelled', 30_000, async () => {
      const [pod] = await poolPods('specialized');
      return pod;
    });
    expect(specialized.metadata.uid).toBe(pool.metadata.uid);
    expect(specialized.metadata.labels).toMatchObject({
      'butterbase.ai/function': 'hello',
      'app.kubernetes.io/name': 'butterbase-function',
      'app.kubernetes.io/instance': 'hello',
    });
    expect(specialized.metadata.labels?.['pod-template-hash']).toBeUndefined();
    expect(specialized.metadata.annotations?.['butterbase.ai/revision']).toBe(revision);
    expect(specialized.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Function', name: 'hello', controller: true }),
    ]);
    const [event] = await eventsSeen(namespace, 'hello', 'Specialized');
    expect(event!.message).toBe(`Pool pod ${pool.metadata.name} serves revision ${revision}`);
    const served = await helloReports('deployed', 'ServedByPoolPod');
    expect(served.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(pool.metadata.name);
    expect(await specializations('specialized')).toBe(1);
    // The pool's ReplicaSet no longer selects it, and makes a replacement.
    await waitFor('a replacement warm pod', 30_000, async () => (await poolPods('warm')).length > 0);
  });

  it('retires the specialized pod once the revision’s own pods are available', async () => {
    await setRevisionPods(namespace, 'hello', await servedRevision(namespace, 'hello'), runningAndReady());
    await helloReports('deployed', 'Available');
    await waitFor(
      'the specialized pod to go',
      30_000,
      async () => (await poolPods('specialized')).length === 0,
    );
  });

  it('deletes a pool pod that refuses the revision, and the Deployment serves it', async () => {
    // The pool process at 127.0.0.1 serves hello already: it refuses a second function.
    const pool = await warmPodAtLoopback();
    const patched = await kubectl([
      ...['patch', 'fn', 'hello', '-n', namespace, '--type', 'merge', '-p'],
      JSON.stringify({ spec: { code: 'export async function handler() { return new Response("v2"); }' } }),
    ]);
    expect(patched.ok).toBe(true);
    const [warning] = await eventsSeen(namespace, 'hello', 'SpecializeFailed');
    expect(warning).toMatchObject({ type: 'Warning' });
    expect(warning!.message).toMatch(/answered 409: .*POOL_ALREADY_SPECIALIZED/);
    expect(await specializations('failed')).toBe(1);
    await waitFor('the refusing pod to be deleted', 30_000, async () => {
      const pods = await poolPods('warm');
      return !pods.some((pod) => pod.metadata.uid === pool.metadata.uid);
    });
    await helloReports('pending', 'RollingOut');
    await setRevisionPods(namespace, 'hello', await servedRevision(namespace, 'hello'), runningAndReady());
    await helloReports('deployed', 'Available');
  });

  it('retires a specialized pod whose container restarted: a warm process again, it serves nothing', async () => {
    await startPoolProcess();
    const pool = await warmPodAtLoopback();
    const patched = await kubectl([
      ...['patch', 'fn', 'hello', '-n', namespace, '--type', 'merge', '-p'],
      JSON.stringify({ spec: { code: 'export async function handler() { return new Response("v3"); }' } }),
    ]);
    expect(patched.ok).toBe(true);
    // v2's pods still serve, so the Function stays RollingOut (readiness.ts), but the pool
    // pod serves v3 already.
    await waitFor(
      'the pool pod to serve v3',
      30_000,
      async () => (await poolPods('specialized')).length === 1,
    );
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/v1/demo/fn/hello`)).text()).toBe('v3');
    await helloReports('pending', 'RollingOut');
    // As a kubelet reports a container that exited and started again.
    const restarted = runningAndReady();
    restarted.containerStatuses[0]!.restartCount = 1;
    const reported = await kubectl([
      ...['patch', 'pod', pool.metadata.name, '-n', namespace, '--subresource=status', '--type=merge'],
      ...['-p', JSON.stringify({ status: restarted })],
    ]);
    expect(reported.ok, reported.out).toBe(true);
    await waitFor(
      'the restarted pod to go',
      30_000,
      async () => (await poolPods('specialized')).length === 0,
    );
    await helloReports('pending', 'RollingOut');
  });
});
