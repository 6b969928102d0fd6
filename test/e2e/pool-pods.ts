/**
 * The warm pool as the e2e suites see it (operator/src/pool/): a namespace's warm pods, and
 * whether the first answer of a new revision came from the pool pod specialized for it.
 * The suites' handlers answer with an id drawn once per process, so the answer through the
 * ingress and the specialized pod's own answer (asked at its pod IP on the node, where the
 * suite runs) carry the same id exactly when that pod gave the first.
 */
import { waitFor } from '../support/wait.ts';
import { kubectl } from './client.ts';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

/** A handler answering `<text> <the id of the process serving it>`. */
export function processTaggedHandler(text: string): string {
  return `const servedBy = Math.random().toString(36).slice(2);
export async function handler() { return new Response(${JSON.stringify(text)} + " " + servedBy); }`;
}

/** The pods of `selector`, terminating ones too (a retired pool pod serves on through its preStop). */
async function pods(namespace: string, selector: string): Promise<Pod[]> {
  const { ok, out } = await kubectl(['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'json']);
  if (!ok) return [];
  return (JSON.parse(out) as { items: Pod[] }).items;
}

const isReady = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Waits (untimed, as a pool is warm before a Function comes) for a Ready warm pod in `namespace`. */
export async function warmPodReady(namespace: string): Promise<void> {
  await waitFor(`a warm pool pod in ${namespace}`, 120_000, async () =>
    (await pods(namespace, 'butterbase.ai/pool=warm')).some(
      (pod) => isReady(pod) && !pod.metadata.deletionTimestamp,
    ),
  );
}

/**
 * The name of the pool pod specialized for `fn` whose own answer at `path` (on the
 * serving port, at its pod IP) is `body`; undefined when none is. A terminating one is
 * asked too: once the Function's own pods are available the operator retires it, and it
 * answers on through its preStop sleep.
 */
export async function specializedPodAnswering(
  namespace: string,
  fn: string,
  path: string,
  body: string,
): Promise<string | undefined> {
  for (const pod of await pods(namespace, `butterbase.ai/function=${fn},butterbase.ai/pool=specialized`)) {
    if (!pod.status?.podIP) continue;
    const answer = await fetch(`http://${pod.status.podIP}:8080${path}`, {
      signal: AbortSignal.timeout(5_000),
    })
      .then((response) => response.text())
      .catch(() => undefined);
    if (answer === body) return pod.metadata.name;
  }
  return undefined;
}
