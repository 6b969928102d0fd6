/**
 * The test control plane has no kubelet, so a Function's pods are created (by the real
 * ReplicaSet and Job controllers) but never run. As envtest suites do, these helpers
 * write what a kubelet would report through the pods' /status subresource; the real
 * ReplicaSet and Deployment controllers then count them as they would running ones.
 * On a node (the e2e harness) the kubelet writes the same fields itself.
 */
import type { Condition, FunctionStatus } from '../../api/v1alpha1/status.types.ts';
import { TEST_RUNTIME_IMAGE } from '../../operator/src/test-fixtures.ts';
import { waitFor } from '../support/wait.ts';
import { getJson, kubectl } from './kubectl.ts';

interface Pod {
  metadata: { name: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string };
}

/** The Function's pods that run `revision` (the pod template's annotation). */
export async function podsOf(namespace: string, fn: string, revision: string): Promise<Pod[]> {
  const list = await getJson<{ items: Pod[] }>(namespace, ['pods', '-l', `butterbase.ai/function=${fn}`]);
  return list.items.filter(
    (pod) =>
      pod.metadata.annotations?.['butterbase.ai/revision'] === revision && !pod.metadata.deletionTimestamp,
  );
}

/** A Function's conditions by type. */
export const conditionsByType = (conditions: Condition[] | undefined): Record<string, Condition> =>
  Object.fromEntries((conditions ?? []).map((c) => [c.type, c]));

/** Gives a Function new code (a merge patch of spec.code, as a user's kubectl patch). */
export const setFunctionCode = (namespace: string, fn: string, code: string) =>
  kubectl(['patch', 'fn', fn, '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ spec: { code } })]);

/** The revision a Function's Deployment runs now. */
export async function servedRevision(namespace: string, fn: string): Promise<string> {
  const deployment = await getJson<{
    spec: { template: { metadata: { annotations: Record<string, string> } } };
  }>(namespace, ['deploy', `fn-${fn}`]);
  return deployment.spec.template.metadata.annotations['butterbase.ai/revision']!;
}

export async function functionStatus(namespace: string, fn: string) {
  return getJson<{ metadata: { generation: number }; status?: FunctionStatus }>(namespace, ['fn', fn]);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
/** The container of the operator's pod template (runtime-pod.ts), as a status names it. */
const runtimeContainer = { name: 'runtime', image: TEST_RUNTIME_IMAGE, imageID: '' };

/** What a kubelet reports for a container that started and passes its readiness probe. */
export function runningAndReady() {
  return {
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: 'True', lastTransitionTime: now() },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: now() },
    ],
    containerStatuses: [
      {
        ...runtimeContainer,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now() } },
      },
    ],
  };
}

/** What a kubelet reports for a container that exits at start, again and again. */
export function crashLooping(exitCode: number, message: string) {
  return {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now() }],
    containerStatuses: [
      {
        ...runtimeContainer,
        ready: false,
        started: false,
        restartCount: 5,
        state: {
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' },
        },
        lastState: {
          terminated: { exitCode, reason: 'Error', message, startedAt: now(), finishedAt: now() },
        },
      },
    ],
  };
}

/** Waits for the pod of `revision` (the ReplicaSet controller makes it) and gives it `status`. */
export async function setRevisionPods(
  namespace: string,
  fn: string,
  revision: string,
  status: object,
): Promise<string[]> {
  // A pod can go between the list and the patch (a ReplicaSet of a changed template
  // replaced it): then the pods are listed again.
  return waitFor(`the pods of ${fn} revision ${revision} to take the status`, 30_000, async () => {
    const pods = await podsOf(namespace, fn, revision);
    if (pods.length === 0) return undefined;
    for (const pod of pods) {
      const patched = await reportPodStatus(namespace, pod.metadata.name, status);
      if (patched.ok) continue;
      if (/NotFound/.test(patched.out)) return undefined;
      throw new Error(patched.out);
    }
    return pods.map((pod) => pod.metadata.name);
  });
}

/** Writes `status` on a pod through its /status subresource, as its kubelet would. */
function reportPodStatus(namespace: string, pod: string, status: object) {
  return kubectl([
    'patch',
    'pod',
    pod,
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}

/** The Events recorded on a Function with `reason`, once there is one (they are written in the background). */
export async function eventsSeen(namespace: string, fn: string, reason: string) {
  return waitFor(`a ${reason} Event on ${fn}`, 30_000, async () => {
    const events = await eventsOf(namespace, fn, reason);
    return events.length > 0 ? events : undefined;
  });
}

/** The Events recorded on a Function with `reason`, as `kubectl describe` lists them. */
export async function eventsOf(namespace: string, fn: string, reason: string) {
  const list = await getJson<{ items: { type: string; reason: string; message: string; count?: number }[] }>(
    namespace,
    ['events', '--field-selector', `involvedObject.kind=Function,involvedObject.name=${fn},reason=${reason}`],
  );
  return list.items;
}

/**
 * Plays a kubelet for every Function pod of `namespace` until stopped: each pod that
 * does not say it runs is given runningAndReady(), so Deployments become available and
 * Functions `deployed`, as on a node. For suites that test something else (the API, the
 * chart, conflicts) against the kubelet-less control plane. Polls every 300 ms, for at
 * most `limitMs`.
 */
export function podsComeUp(namespace: string, limitMs = 300_000): { stop(): Promise<void> } {
  let stopped = false;
  const deadline = Date.now() + limitMs;
  const loop = (async () => {
    while (!stopped && Date.now() < deadline) {
      const list = await getJson<{ items: Pod[] }>(namespace, ['pods', '-l', 'butterbase.ai/function']).catch(
        () => ({ items: [] as Pod[] }),
      );
      for (const pod of list.items) {
        if (pod.status?.phase === 'Running' || pod.metadata.deletionTimestamp) continue;
        // A refusal (the pod went in between) is left to the next round.
        await reportPodStatus(namespace, pod.metadata.name, runningAndReady());
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
