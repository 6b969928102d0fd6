import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../support/wait.ts';

// Runs against the control plane test/kube/global-setup.ts started, or any cluster
// KUBECONFIG named when the run began: everything it makes is its own and removed after.
const kc = new k8s.KubeConfig();
kc.loadFromFile(inject('kubeconfig'));
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const crds = kc.makeApiClient(k8s.ApiextensionsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);

const namespace = `kube-harness-${Date.now().toString(36)}`;
const group = 'test.butterbase.ai';
const widgets = { group, version: 'v1', plural: 'widgets' };
const widgetCrd: k8s.V1CustomResourceDefinition = {
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } } },
          },
        },
      },
    ],
  },
};

const status = (error: unknown) => (error instanceof k8s.ApiException ? error.code : undefined);
const gone = (read: () => Promise<unknown>) => async () => {
  try {
    await read();
    return false;
  } catch (error) {
    if (status(error) === 404) return true;
    throw error;
  }
};

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => {});
  await crds.deleteCustomResourceDefinition({ name: widgetCrd.metadata!.name! }).catch(() => {});
});

describe('the Kubernetes control plane', () => {
  it('authorizes with RBAC: a service account without bindings may not list pods', async () => {
    const name = 'nobody';
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    // TokenRequest needs the service-account signing key the apiserver was given.
    const request = await core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const limited = new k8s.KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    limited.loadFromOptions({
      clusters: [cluster],
      users: [{ name, token: request.status!.token }],
      contexts: [{ name, cluster: cluster.name, user: name }],
      currentContext: name,
    });
    const denied = await limited
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedPod({ namespace })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(status(denied)).toBe(403);
    await expect(core.listNamespacedPod({ namespace })).resolves.toBeDefined();
  });

  it('serves a CRD: an object created is seen through a watch', async () => {
    await crds.createCustomResourceDefinition({ body: widgetCrd }).catch((error: unknown) => {
      if (status(error) !== 409) throw error;
    });
    await waitFor('the Widget CRD to be established', 30_000, async () => {
      const crd = await crds.readCustomResourceDefinition({ name: widgetCrd.metadata!.name! });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });

    const seen: string[] = [];
    let ended: unknown;
    const watch = await waitFor('a watch on widgets', 15_000, async () => {
      let failed: unknown;
      const controller = await new k8s.Watch(kc).watch(
        `/apis/${group}/v1/namespaces/${namespace}/widgets`,
        {},
        (phase, object: { metadata?: { name?: string } }) => seen.push(`${phase} ${object.metadata?.name}`),
        (error: unknown) => {
          failed = error ?? new Error('watch closed');
          ended = failed;
        },
      );
      // Watch reports a refused request (a 404 while the new resource is being wired up)
      // through its done callback, which has run by now; retry then.
      if (failed) throw failed;
      return controller;
    });
    ended = undefined;
    try {
      await custom.createNamespacedCustomObject({
        ...widgets,
        namespace,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
      });
      await waitFor('the watch to report the new widget', 15_000, async () => seen.includes('ADDED w1'));
      expect(ended).toBeUndefined();
    } finally {
      watch.abort();
    }
  });

  it('garbage-collects a child when its owner is deleted', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'child',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid: owner.metadata!.uid!,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    // Foreground: the owner stays (with a finalizer) until the collector removed the child.
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace, propagationPolicy: 'Foreground' });
    await waitFor(
      'the child to be garbage-collected',
      60_000,
      gone(() => core.readNamespacedConfigMap({ name: 'child', namespace })),
    );
    await waitFor(
      'the owner to be deleted',
      30_000,
      gone(() => core.readNamespacedConfigMap({ name: 'owner', namespace })),
    );
  });

  it('runs a CronJob: it creates a Job within its schedule', { timeout: 120_000 }, async () => {
    const cronJob = await batch.createNamespacedCronJob({
      namespace,
      body: {
        metadata: { name: 'every-minute' },
        spec: {
          schedule: '* * * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
                },
              },
            },
          },
        },
      },
    });
    // Fires at the next minute boundary; 90 s leaves room for the controller's resync.
    const job = await waitFor(
      'a Job from the CronJob',
      90_000,
      async () => {
        const jobs = await batch.listNamespacedJob({ namespace });
        return jobs.items.find((j) =>
          j.metadata?.ownerReferences?.some((o) => o.uid === cronJob.metadata!.uid),
        );
      },
      1000,
    );
    expect(job.metadata?.name).toMatch(/^every-minute-\d+$/);
  });

  it('deletes a namespace with everything in it', async () => {
    const name = `${namespace}-doomed`;
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'content' } } });
    await core.deleteNamespace({ name });
    await waitFor(
      'the namespace to be finalized',
      60_000,
      gone(() => core.readNamespace({ name })),
    );
  });
});
