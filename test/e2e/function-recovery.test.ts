/**
 * Issue 18's Function checks with a real kubelet: a revision whose pods crash for real is
 * reported `failed` with the kubelet's reason, in its conditions and a Warning Event, while
 * the revision before it keeps answering through Traefik; and a Deployment deleted by hand
 * is applied again by the operator and serves again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { FunctionStatus } from '../../api/v1alpha1/status.types.ts';
import { CONDITION, RUNTIME_REASON } from '../../operator/src/reconcile/condition-reasons.ts';
import { waitFor } from '../support/wait.ts';
import { kubectl, kubectlOk, viaIngress } from './client.ts';
import { conditionsByType, eventsOf, firstAnswer, functionReports, getObject } from './resource-waits.ts';

const suffix = Date.now().toString(36);
const namespace = `e2e-recovery-${suffix}`;
const appId = `recovery-${suffix}`;
const NAME = 'steady';
// A module that throws as it loads compiles (the compiler checks syntax and the handler
// export, it runs nothing), so the revision rolls out; its pods exit 1 at start, for real.
const CRASHING_CODE = `throw new Error('boom at load: the e2e crash loop');
export async function handler() {
  return Response.json({ version: 'never' });
}
`;
// Memory off the V8 heap (the sandbox's heap cap does not count it), written to so that its
// pages are real: past the container's limit the kernel's OOM killer ends the pod's Node.
const MEMORY_HOG_CODE = `const hog = [];
for (let i = 0; i < 64; i++) hog.push(Buffer.alloc(16 * 1024 * 1024, 1));
export async function handler() {
  return Response.json({ hog: hog.length });
}
`;
const versionCode = (version: number) =>
  `export async function handler() {\n  return Response.json({ version: ${version} });\n}\n`;

async function setSpec(spec: { code: string; limits?: { memoryMb: number } }) {
  const patch = JSON.stringify({ spec });
  await kubectlOk(['-n', namespace, 'patch', 'fn', NAME, '--type', 'merge', '-p', patch]);
}

/** `times` answers in a row through the ingress, each 200 with `version`; the first other answer fails. */
async function answersInARow(url: string, version: number, times: number) {
  for (let i = 0; i < times; i++) {
    const response = await viaIngress(url);
    expect([response.status, response.body]).toEqual([200, JSON.stringify({ version })]);
  }
}

let url = '';

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', namespace]);
  const app = {
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'App',
    metadata: { name: 'recovery' },
    spec: { appId },
  };
  const fn = {
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'Function',
    metadata: { name: NAME },
    spec: { appId, code: versionCode(1), trigger: { type: 'http', config: { auth: 'none' } } },
  };
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], `${stringify(app)}---\n${stringify(fn)}`);
  url = (await functionReports(namespace, NAME, 'deployed')).status!.url!;
  await firstAnswer(url, 200);
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

describe('a revision that crash-loops on a real kubelet', () => {
  it('is reported failed with CrashLoopBackOff, its exit and message, in conditions and a Warning Event', async () => {
    await setSpec({ code: CRASHING_CODE });
    const fn = await functionReports(namespace, NAME, 'failed', { timeoutMs: 150_000 });
    const { Ready, Stalled } = conditionsByType(fn.status!.conditions);
    expect(Ready).toMatchObject({ status: 'False', reason: RUNTIME_REASON.crashLoopBackOff });
    expect(Ready!.message).toMatch(/is crash-looping; last exit code 1 \(Error\)/);
    // The pod's last words are the module's own error (the termination message), not a
    // warning from Node about the serving worker (serving-worker.ts).
    expect(Ready!.message).toMatch(/last exit code 1 \(Error\): \{"level":60,.*boom at load/);
    expect(Ready!.message).not.toContain('unsettled top-level await');
    expect(Stalled).toMatchObject({ status: 'True', reason: RUNTIME_REASON.crashLoopBackOff });
    const described = await kubectlOk(['-n', namespace, 'describe', 'fn', NAME]);
    expect(described).toMatch(new RegExp(`Reason:\\s+${RUNTIME_REASON.crashLoopBackOff}`));
    // A Warning for the failure. A restart's new log line changes the condition's message
    // but is no news (function-status.ts, transitionEvent); a pod seen running between two
    // crashes may still make the loop news again.
    const events = await waitFor('the Warning Event of that failure', 30_000, async () => {
      const found = await eventsOf(namespace, NAME, RUNTIME_REASON.crashLoopBackOff);
      return found.length > 0 ? found : undefined;
    });
    expect(events.map((event) => event.type)).toEqual(events.map(() => 'Warning'));
  });

  it('the revision before it keeps answering through Traefik', async () => {
    expect((await getObject<FunctionStatus>(namespace, 'fn', NAME)).status?.url).toBe(url);
    await answersInARow(url, 1, 20);
  });

  it('a revision whose pods outgrow their memory limit is failed with OOMKilled; the old one answers on', async () => {
    await setSpec({ code: MEMORY_HOG_CODE, limits: { memoryMb: 16 } });
    const fn = await functionReports(namespace, NAME, 'failed', {
      timeoutMs: 150_000,
      also: (ready) => ready?.message.includes('OOMKilled') === true,
    });
    const { Ready } = conditionsByType(fn.status!.conditions);
    expect(Ready).toMatchObject({ status: 'False', reason: RUNTIME_REASON.crashLoopBackOff });
    expect(Ready!.message).toMatch(/is crash-looping; last exit code 137 \(OOMKilled\)/);
    await answersInARow(url, 1, 20);
  });

  it('a fixed revision rolls out over it and the Function is deployed (Ready) again', async () => {
    await setSpec({ code: versionCode(2), limits: { memoryMb: 128 } });
    const fn = await functionReports(namespace, NAME, 'deployed');
    expect(conditionsByType(fn.status!.conditions)[CONDITION.ready]).toMatchObject({ status: 'True' });
    expect(conditionsByType(fn.status!.conditions)[CONDITION.stalled]).toBeUndefined();
    await waitFor(
      'version 2 to answer',
      60_000,
      async () => (await viaIngress(url)).body.includes('"version":2'),
      50,
    );
  });
});

describe('a Deployment deleted by hand', () => {
  it('is applied again by the operator and serves again through Traefik', async () => {
    const deployments = async () =>
      (
        JSON.parse(
          await kubectlOk([
            '-n',
            namespace,
            'get',
            'deploy',
            '-l',
            `butterbase.ai/function=${NAME}`,
            '-o',
            'json',
          ]),
        ) as { items: { metadata: { name: string; uid: string } }[] }
      ).items.map((d) => d.metadata);
    const [before] = await deployments();
    expect(before).toBeDefined();
    // Foreground: kubectl returns once the Deployment, its ReplicaSets and its pods are gone.
    await kubectlOk([
      '-n',
      namespace,
      'delete',
      'deploy',
      before!.name,
      '--cascade=foreground',
      '--wait=true',
    ]);
    const after = await waitFor('the Deployment to be applied again', 60_000, async () => {
      const [found] = await deployments();
      return found && found.uid !== before!.uid ? found : undefined;
    });
    expect(after.name).toBe(before!.name);
    const fn = await functionReports(namespace, NAME, 'deployed');
    expect(fn.status!.url).toBe(url);
    await waitFor(
      'version 2 to answer again',
      120_000,
      async () => (await viaIngress(url)).body.includes('"version":2'),
      50,
    );
    await answersInARow(url, 2, 20);
  });
});
