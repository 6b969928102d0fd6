/**
 * The operator's Function controller against the real control plane: a Function
 * becomes its objects and a status (functionId, url, deployed); new code rolls a new
 * revision; code that does not compile leaves the revision that serves in place and
 * says why, with line and column, in status and in an Event.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FunctionStatus } from '../../api/v1alpha1/status.types.ts';
import { functionId } from '../../api/v1alpha1/urls.ts';
import { FunctionController } from '../../operator/src/controller/function-controller.ts';
import { Cluster } from '../../operator/src/kube/cluster.ts';
import { KEPT_REVISIONS } from '../../operator/src/reconcile/stale-revisions.ts';
import type { OperatorSettings } from '../../operator/src/settings.ts';
import { waitFor } from '../support/wait.ts';
import { installButterbaseCrds } from './butterbase-crds.ts';
import { kubectl } from './kubectl.ts';

const EXAMPLES = path.join(import.meta.dirname, '../../examples');
const namespace = `fn-controller-${Date.now().toString(36)}`;
const settings: OperatorSettings = {
  runtimeImage: 'butterbase-functions/runtime:test',
  imagePullPolicy: 'IfNotPresent',
  publicBaseUrl: 'https://fn.example.com',
  ingress: { className: 'butterbase' },
  runtimeResources: { cpuRequest: '100m', cpuLimit: '1' },
};
let removeCrds: (() => Promise<void>) | undefined;
let controller: FunctionController | undefined;

async function json<T>(args: string[]): Promise<T> {
  const result = await kubectl(['get', '-n', namespace, '-o', 'json', ...args]);
  if (!result.ok) throw new Error(result.out);
  return JSON.parse(result.out) as T;
}

type StoredFunction = { metadata: { generation: number }; status?: FunctionStatus };
const hello = () => json<StoredFunction>(['fn', 'hello']);
const servedRevision = async () =>
  (
    await json<{ spec: { template: { metadata: { annotations: Record<string, string> } } } }>([
      'deploy',
      'fn-hello',
    ])
  ).spec.template.metadata.annotations['butterbase.ai/revision'];
const setCode = (code: string) =>
  kubectl([
    'patch',
    'fn',
    'hello',
    '-n',
    namespace,
    '--type',
    'merge',
    '-p',
    JSON.stringify({ spec: { code } }),
  ]);

beforeAll(async () => {
  removeCrds = await installButterbaseCrds();
  expect((await kubectl(['create', 'namespace', namespace])).ok).toBe(true);
  for (const file of ['app.yaml', 'hello/function.yaml']) {
    const applied = await kubectl(['apply', '-n', namespace, '-f', path.join(EXAMPLES, file)]);
    expect(applied.ok, applied.out).toBe(true);
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  controller = new FunctionController(kc, new Cluster(kc), settings, pino({ level: 'silent' }));
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  await removeCrds?.();
});

describe('the Function controller', () => {
  it('deploys a Function and reports it as the seed does: function id, url, deployed', async () => {
    const fn = await waitFor('hello to be deployed', 30_000, async () => {
      const stored = await hello();
      return stored.status?.status === 'deployed' ? stored : undefined;
    });
    expect(fn.status).toMatchObject({
      functionId: functionId('demo', 'hello'),
      url: 'https://fn.example.com/v1/demo/fn/hello',
      observedGeneration: fn.metadata.generation,
    });
    expect(fn.status!.conditions).toMatchObject([{ type: 'Deployed', status: 'True', reason: 'Deployed' }]);
    const revision = await servedRevision();
    expect((await kubectl(['get', 'configmap', `fn-hello-${revision}`, '-n', namespace])).ok).toBe(true);
    expect((await kubectl(['get', 'svc,ingress', 'fn-hello', '-n', namespace])).ok).toBe(true);
  });

  it('rolls a new revision for new code', async () => {
    const before = await servedRevision();
    expect((await setCode('export async function handler() { return new Response("v2"); }')).ok).toBe(true);
    await waitFor('a new revision to be served', 30_000, async () => (await servedRevision()) !== before);
    const fn = await waitFor('the new generation to be reported', 30_000, async () => {
      const stored = await hello();
      return stored.status?.observedGeneration === stored.metadata.generation ? stored : undefined;
    });
    expect(fn.status!.status).toBe('deployed');
  });

  it('keeps the revision that serves when new code does not compile, and says where', async () => {
    const serving = await servedRevision();
    expect((await setCode('export async function handler() {\n  return new Response(;\n}')).ok).toBe(true);
    const fn = await waitFor('hello to be reported failed', 30_000, async () => {
      const stored = await hello();
      return stored.status?.status === 'failed' ? stored : undefined;
    });
    const condition = fn.status!.conditions!.find((c) => c.type === 'Deployed')!;
    expect(condition).toMatchObject({ status: 'False', reason: 'CompileFailed' });
    expect(condition.message).toMatch(/VALIDATION_SYNTAX_ERROR: .*hello\.ts:2:\d+/);
    expect(await servedRevision()).toBe(serving);
    const events = await kubectl([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      'involvedObject.name=hello,reason=CompileFailed',
      '-o',
      'name',
    ]);
    expect(events.out.trim()).not.toBe('');
  });

  it('keeps the current revision and three before it, and deletes older ones', async () => {
    for (let version = 3; version <= 7; version++) {
      const before = await servedRevision();
      expect(
        (await setCode(`export async function handler() { return new Response("v${version}"); }`)).ok,
      ).toBe(true);
      await waitFor(
        `revision v${version} to be served`,
        30_000,
        async () => (await servedRevision()) !== before,
      );
    }
    const current = await servedRevision();
    const revisions = await waitFor('old revisions to be deleted', 30_000, async () => {
      const list = await json<{ items: { metadata: { labels: Record<string, string> } }[] }>([
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
      const stored = await json<StoredFunction>(['fn', 'orphan']);
      return stored.status?.status === 'failed' ? stored.status : undefined;
    });
    expect(status.conditions![0]).toMatchObject({ reason: 'AppNotFound' });
    expect((await kubectl(['get', 'deploy', 'fn-orphan', '-n', namespace])).ok).toBe(false);
  });
});
