import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { V1ConfigMap, V1CronJob, V1Deployment, V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type AppResource, appSchema } from '../../../api/v1alpha1/app.types.ts';
import { type FunctionResource, functionSchema } from '../../../api/v1alpha1/function.types.ts';
import { mountedFunctionSchema, RUNTIME_ENV } from '../../../runtime-image/src/config.ts';
import { RUNTIME_IMAGE } from '../../../runtime-image/src/image-layout.ts';
import { permissionFlagsFor } from '../../../runtime-image/src/permission.ts';
import { testSettings } from '../test-fixtures.ts';
import { functionObjects, UnsupportedTriggerError } from './function-objects.ts';
import { workloadName } from './names.ts';
import { revisionOf } from './revision.ts';

const EXAMPLES = path.join(import.meta.dirname, '../../../examples');
const settings = testSettings({ BBFN_INGRESS_HOST: 'api.example.com' });
const BUNDLE = 'export async function handler() { return new Response("hi"); }\n';

/** An example's manifest as the API server would hand it over: namespaced, with a uid. */
async function example(dir: string): Promise<FunctionResource> {
  const manifest = parse(await readFile(path.join(EXAMPLES, dir, 'function.yaml'), 'utf8'));
  const fn = functionSchema.parse(manifest);
  return { ...fn, metadata: { ...fn.metadata, namespace: 'team-a', uid: `uid-${dir}` } };
}

const app: AppResource = appSchema.parse({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'App',
  metadata: { name: 'demo', namespace: 'team-a', uid: 'uid-app' },
  spec: {
    appId: 'demo',
    database: { urlSecretRef: { name: 'demo-db', key: 'url' } },
    auth: { jwt: { secretRef: { name: 'demo-jwt', key: 'secret' }, audience: ['web', 'mobile'] } },
  },
});

const byKind = <T>(objects: { kind?: string }[], kind: string) => objects.find((o) => o.kind === kind) as T;

describe('functionObjects', () => {
  it("makes an http Function's revision ConfigMap, Deployment, Service and ingress rule", async () => {
    const fn = await example('todos');
    const objects = functionObjects(fn, app, revisionOf(fn, BUNDLE), settings);
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'Ingress']);
    for (const object of objects) {
      expect(object.metadata!.namespace).toBe('team-a');
      expect(object.metadata!.ownerReferences).toEqual([
        {
          apiVersion: 'butterbase.ai/v1alpha1',
          kind: 'Function',
          name: 'todos',
          uid: 'uid-todos',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }

    // The ConfigMap holds what the runtime reads, in the runtime's own format.
    const configMap = byKind<V1ConfigMap>(objects, 'ConfigMap');
    expect(configMap.immutable).toBe(true);
    expect(mountedFunctionSchema.parse(JSON.parse(configMap.data!['function.json']!))).toEqual({
      name: 'todos',
      ...fn.spec,
    });
    expect(configMap.data!['handler.mjs']).toBe(BUNDLE);

    const deployment = byKind<V1Deployment>(objects, 'Deployment');
    const pod = deployment.spec!.template;
    // Started under the permission model with the flags the runtime would derive itself from
    // this pod's environment (and the image's compile cache), so it need not re-execute.
    const runtime = pod.spec!.containers[0]!;
    const podEnv = Object.fromEntries(
      (runtime.env ?? []).flatMap((e) => (e.value ? [[e.name, e.value]] : [])),
    );
    expect(runtime.command).toEqual([
      'node',
      ...permissionFlagsFor(
        { ...podEnv, NODE_COMPILE_CACHE: RUNTIME_IMAGE.compileCache },
        RUNTIME_IMAGE.codeRoot,
      ),
      RUNTIME_IMAGE.podEntry,
    ]);
    expect(runtime.command).toContain('--allow-fs-write=/var/spool/bbfn');
    const revision = configMap.metadata!.labels!['butterbase.ai/revision']!;
    expect(configMap.metadata!.name).toBe(`fn-todos-${revision}`);
    expect(pod.metadata!.annotations).toEqual({ 'butterbase.ai/revision': revision });
    // The spool: records and console lines survive a crash or a database outage (SPOOL_DIR).
    expect(pod.spec!.volumes).toEqual([
      { name: 'revision', configMap: { name: configMap.metadata!.name } },
      { name: 'spool', emptyDir: { sizeLimit: '300Mi' } },
    ]);
    expect(deployment.spec!.strategy!.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(deployment.spec!.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'butterbase-function',
      'app.kubernetes.io/instance': 'todos',
    });

    const container = pod.spec!.containers[0]!;
    const env = Object.fromEntries(container.env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      [RUNTIME_ENV.port]: '8080',
      [RUNTIME_ENV.functionFile]: '/etc/bbfn/function.json',
      [RUNTIME_ENV.bundleFile]: '/etc/bbfn/handler.mjs',
      [RUNTIME_ENV.userRole]: 'butterbase_user',
      [RUNTIME_ENV.serviceRole]: 'butterbase_service',
      // Only the app's authenticator login, from the App's runtime Secret; never the admin URL.
      [RUNTIME_ENV.sandboxDatabaseUrl]: {
        secretKeyRef: { name: 'bbfn-app-demo', key: 'sandbox-database-url' },
      },
      [RUNTIME_ENV.migrate]: 'false',
      [RUNTIME_ENV.jwtSecret]: { secretKeyRef: { name: 'bbfn-app-demo', key: 'jwt-secret', optional: true } },
      [RUNTIME_ENV.jwtAudience]: 'web,mobile',
      [RUNTIME_ENV.spoolDir]: '/var/spool/bbfn',
      // What the pod answers the ingress probe with.
      [RUNTIME_ENV.revision]: revision,
    });
    expect(JSON.stringify(pod)).not.toContain('demo-db');
    expect(container.env!.map((e) => e.name)).not.toContain(RUNTIME_ENV.databaseUrl);
    expect(container.volumeMounts).toContainEqual({ name: 'spool', mountPath: '/var/spool/bbfn' });
    // The tenant boundary: nothing to escalate with, nothing to write, no API token.
    expect(pod.spec!.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
    expect(pod.spec!.enableServiceLinks).toBe(false);
    // One worker for one CPU: the 128 MB heap twice (a replacement beside a stopped worker) and the runtime.
    expect(container.resources!.limits).toEqual({ cpu: '1', memory: `${96 + 2 * 128}Mi` });
    expect(container.readinessProbe!.httpGet!.path).toBe('/readyz');

    // The canonical URL and the extra route.
    const ingress = byKind<V1Ingress>(objects, 'Ingress');
    expect(ingress.spec!.ingressClassName).toBe('nginx');
    const rule = ingress.spec!.rules![0]!;
    expect(rule.host).toBe('api.example.com');
    expect(rule.http!.paths.map((p) => [p.path, p.pathType, p.backend.service!.name])).toEqual([
      ['/v1/demo/fn/todos', 'Prefix', 'fn-todos'],
      ['/v1/demo/todos', 'Prefix', 'fn-todos'],
    ]);
  });

  it('names a new revision for new code or a new spec, and the same one for the same', async () => {
    const fn = await example('hello');
    const revision = (f: FunctionResource, bundle = BUNDLE) =>
      byKind<V1ConfigMap>(functionObjects(f, app, revisionOf(f, bundle), settings), 'ConfigMap').metadata!
        .name;
    expect(revision(fn)).toBe(revision(structuredClone(fn)));
    expect(revision(fn, `${BUNDLE}// changed\n`)).not.toBe(revision(fn));
    expect(revision({ ...fn, spec: { ...fn.spec, envVars: { GREETING: 'hi' } } })).not.toBe(revision(fn));
  });

  it('runs a cron Function from a CronJob whose pod runs the handler once', async () => {
    const fn = await example('cleanup-idempotency');
    const objects = functionObjects(fn, app, revisionOf(fn, BUNDLE), settings);
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'CronJob']);
    const cronJob = byKind<V1CronJob>(objects, 'CronJob');
    expect(cronJob.spec!.schedule).toBe('*/5 * * * *');
    expect(cronJob.spec!.concurrencyPolicy).toBe('Forbid');
    const job = cronJob.spec!.jobTemplate.spec!;
    expect(job.backoffLimit).toBe(0);
    const container = job.template.spec!.containers[0]!;
    expect(container.command?.[0]).toBe('node');
    expect(container.command?.at(-1)).toBe('/app/dist/run-once.mjs');
    expect(container.command).toContain('--permission');
    expect(container.ports).toBeUndefined();
    expect(job.template.spec!.restartPolicy).toBe('Never');
  });

  it('serves a websocket Function as an http one, and refuses the triggers not implemented yet', async () => {
    const socket = await example('echo-socket');
    expect(functionObjects(socket, app, revisionOf(socket, BUNDLE), settings).map((o) => o.kind)).toEqual([
      'ConfigMap',
      'Deployment',
      'Service',
      'Ingress',
    ]);
    const upload = { ...socket, spec: { ...socket.spec, trigger: { type: 's3_upload' as const } } };
    expect(() => functionObjects(upload, app, revisionOf(upload, BUNDLE), settings)).toThrow(
      UnsupportedTriggerError,
    );
  });

  it('serves a webhook Function over http, its signing secret by reference and its extra route on the ingress', async () => {
    const hook = await example('github-webhook');
    const objects = functionObjects(hook, app, revisionOf(hook, BUNDLE), settings);
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'Ingress']);
    const container = byKind<V1Deployment>(objects, 'Deployment').spec!.template.spec!.containers[0]!;
    expect(container.env).toContainEqual({
      name: RUNTIME_ENV.webhookSecret,
      valueFrom: { secretKeyRef: { name: 'github-webhook', key: 'secret' } },
    });
    const paths = byKind<V1Ingress>(objects, 'Ingress').spec!.rules![0]!.http!.paths.map((p) => p.path);
    expect(paths).toEqual(['/v1/demo/fn/github-webhook', '/v1/demo/webhooks/github']);
  });

  it('keeps workload names DNS labels for the longest Function names', () => {
    const long = 'a'.repeat(63);
    const other = `${'a'.repeat(62)}b`;
    expect(workloadName(long)).toHaveLength(63);
    expect(workloadName(long)).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(workloadName(long)).not.toBe(workloadName(other));
    expect(workloadName('hello')).toBe('fn-hello');
  });
});
