/**
 * What the operator makes for each example Function (operator/src/resources/), on a
 * real API server: every object is accepted as built, the Deployment is taken up by
 * its controller, and deleting the Function collects them all (owner references).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppResource, appSchema } from '../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../api/v1alpha1/function.types.ts';
import { functionObjects } from '../../operator/src/resources/function-objects.ts';
import { revisionOf } from '../../operator/src/resources/revision.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { applyExamples, getJson, kubectl } from './kubectl.ts';
import { testOperatorSettings } from './operator-fixture.ts';

const namespace = butterbaseNamespace('fn-objects');
const BUNDLE = 'export async function handler() { return new Response("hi"); }\n';
let app: AppResource;
let functions: FunctionResource[];

/** The names (`kind/name`) of hello's objects of `kinds`, as kubectl lists them. */
const helloObjects = (kinds: string) =>
  kubectl(['get', kinds, '-n', namespace, '-l', 'app.kubernetes.io/instance=hello', '-o', 'name']);

beforeAll(async () => {
  await applyExamples(namespace);
  // As the operator reads them: stored, with uids and defaults.
  app = appSchema.parse(await getJson(namespace, ['app.butterbase.ai/demo']));
  const list = (await getJson(namespace, ['functions.butterbase.ai'])) as { items: unknown[] };
  functions = list.items.map((item) => functionSchema.parse(item));
});

describe("the operator's objects for a Function", () => {
  it('are accepted by the API server as built, for every example', async () => {
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const objects = functionObjects(fn, app, revisionOf(fn, BUNDLE), testOperatorSettings);
      const applied = await kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      );
      expect(applied.ok, `${fn.metadata.name}: ${applied.out}`).toBe(true);
    }
    const kinds = (await helloObjects('deploy,svc,ingress,cronjob,configmap')).out;
    expect(kinds).toMatch(/deployment\.apps\/fn-hello/);
    expect(kinds).toMatch(/service\/fn-hello/);
    expect(kinds).toMatch(/ingress\.networking\.k8s\.io\/fn-hello/);
    expect(kinds).toMatch(/configmap\/fn-hello-[0-9a-f]{12}/);
    const cron = (await kubectl(['get', 'cronjob', 'fn-cleanup-idempotency', '-n', namespace, '-o', 'name']))
      .out;
    expect(cron.trim()).toBe('cronjob.batch/fn-cleanup-idempotency');
    // The Deployment controller takes it up (no node runs the pods here).
    await waitFor('a ReplicaSet for fn-hello', 30_000, async () => {
      const sets = (await getJson(namespace, ['replicasets', '-l', 'app.kubernetes.io/instance=hello'])) as {
        items: unknown[];
      };
      return sets.items.length === 1;
    });
  });

  it('go when their Function goes', async () => {
    expect((await kubectl(['delete', 'fn', 'hello', '-n', namespace])).ok).toBe(true);
    await waitFor(
      'the garbage collector to remove fn-hello',
      60_000,
      async () => {
        const left = await helloObjects('deploy,svc,ingress,configmap,replicaset');
        return left.ok && left.out.trim() === '';
      },
      500,
    );
  });
});
