/**
 * The Helm chart on the real API server: it lints, refuses to render without its one
 * required value, installs (CRDs, RBAC, the operator's Deployment), and its RBAC is
 * enough: the operator, run with the chart's ServiceAccount token and the environment
 * its Deployment sets, deploys a Function, and so does the management API it serves.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { waitFor } from '../support/wait.ts';
import { ensureHelm } from './assets.ts';
import { CRD_NAMES, crdsSettled } from './butterbase-crds.ts';
import { podsComeUp } from './function-pods.ts';
import { kubectl } from './kubectl.ts';
import { freeLoopbackPorts } from './ports.ts';

const run = promisify(execFile);
const REPO = path.join(import.meta.dirname, '../..');
const CHART = path.join(REPO, 'charts/butterbase-functions');
const suffix = Date.now().toString(36);
const system = `bbfn-system-${suffix}`;
const apps = `chart-apps-${suffix}`;
let helm: string;
let rendered: string;
let dir: string;
let hadCrds = false;

async function helmRun(args: string[]): Promise<{ ok: boolean; out: string }> {
  return run(helm, args, { timeout: 60_000, maxBuffer: 16 * 2 ** 20 }).then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (error: { stderr?: string; message: string }) => ({ ok: false, out: error.stderr || error.message }),
  );
}

beforeAll(async () => {
  helm = await ensureHelm();
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-chart-'));
  await crdsSettled();
  hadCrds = (await kubectl(['get', 'crd', ...CRD_NAMES])).ok;
  for (const namespace of [system, apps])
    expect((await kubectl(['create', 'namespace', namespace])).ok).toBe(true);
});

afterAll(async () => {
  for (const namespace of [system, apps]) await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  if (rendered) {
    const clusterScoped = parseAllDocuments(rendered)
      .map((doc) => doc.toJS() as { kind?: string; metadata?: { name: string } } | null)
      .filter((o) => o?.kind === 'ClusterRole' || o?.kind === 'ClusterRoleBinding')
      .map((o) => `${o!.kind!.toLowerCase()}/${o!.metadata!.name}`);
    if (clusterScoped.length > 0) await kubectl(['delete', ...clusterScoped, '--wait=false']);
  }
  if (!hadCrds) await kubectl(['delete', 'crd', ...CRD_NAMES, '--wait=false']);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the Helm chart', () => {
  it('lints, and will not render without publicBaseUrl', async () => {
    const lint = await helmRun(['lint', CHART, '--set', 'publicBaseUrl=https://fn.example.com']);
    expect(lint.ok, lint.out).toBe(true);
    const missing = await helmRun(['template', 'bbfn', CHART]);
    expect(missing.ok).toBe(false);
    expect(missing.out).toContain('publicBaseUrl');
  });

  it('installs, and its RBAC lets the operator deploy a Function and reconcile Apps', async () => {
    const template = await helmRun([
      'template',
      'bbfn',
      CHART,
      '--namespace',
      system,
      '--include-crds',
      '--set',
      'publicBaseUrl=https://fn.example.com',
    ]);
    expect(template.ok, template.out).toBe(true);
    rendered = template.out;
    const applied = await kubectl(['apply', '-f', '-'], rendered);
    expect(applied.ok, applied.out).toBe(true);
    const ready = await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      ...CRD_NAMES.map((n) => `crd/${n}`),
    ]);
    expect(ready.ok, ready.out).toBe(true);

    // The operator as the chart runs it: its ServiceAccount, its Deployment's environment.
    const deployment = parseAllDocuments(rendered)
      .map((doc) => doc.toJS() as k8s.V1Deployment | null)
      .find((o) => o?.kind === 'Deployment')!;
    const env = Object.fromEntries(
      deployment.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value!]),
    );
    const sa = deployment.spec!.template.spec!.serviceAccountName!;
    const token = await kubectl(['create', 'token', sa, '-n', system, '--duration', '10m']);
    expect(token.ok, token.out).toBe(true);
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(inject('kubeconfig'));
    const limited = new k8s.KubeConfig();
    const cluster = admin.getCurrentCluster()!;
    limited.loadFromOptions({
      clusters: [cluster],
      users: [{ name: sa, token: token.out.trim() }],
      contexts: [{ name: sa, cluster: cluster.name, user: sa }],
      currentContext: sa,
    });
    const kubeconfig = path.join(dir, 'operator.kubeconfig');
    await writeFile(kubeconfig, limited.exportConfig(), { mode: 0o600 });

    const [port, apiPort] = await freeLoopbackPorts(2);
    const operator = spawn(process.execPath, [path.join(REPO, 'operator/src/main.ts')], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        BBFN_OPERATOR_PORT: String(port),
        BBFN_API_PORT: String(apiPort),
        LOG_LEVEL: 'warn',
        KUBECONFIG: kubeconfig,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => operator.once('exit', resolve));
    try {
      await waitFor(
        'the operator to be ready',
        30_000,
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      );
      for (const file of ['app.yaml', 'hello/function.yaml']) {
        const result = await kubectl(['apply', '-n', apps, '-f', path.join(REPO, 'examples', file)]);
        expect(result.ok, result.out).toBe(true);
      }
      // Applied and rolling out: without a kubelet its pod never becomes available
      // (function-controller.test.ts drives that part through the pods' status).
      await waitFor('hello to be rolling out by the chart-scoped operator', 30_000, async () => {
        const got = await kubectl(['get', 'fn', 'hello', '-n', apps, '-o', 'jsonpath={.status.status}']);
        return got.out === 'pending';
      });
      // The warm pool (pool.size, default 1) under the same RBAC: its Deployment, token, policy.
      await waitFor('the namespace’s warm pool', 30_000, async () => {
        const pool = await kubectl([
          'get',
          'deploy/bbfn-pool',
          'secret/bbfn-pool-token',
          'netpol/bbfn-pool',
          '-n',
          apps,
        ]);
        return pool.ok;
      });
      const image = await kubectl([
        'get',
        'deploy',
        'fn-hello',
        '-n',
        apps,
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ]);
      expect(image.out).toBe('butterbase-functions/runtime:0.1.0');

      // Apps: the status, the runtime Secret, and an API keys Secret read and watched.
      await waitFor('the App demo to be Ready', 30_000, async () => {
        const got = await kubectl([
          'get',
          'app',
          'demo',
          '-n',
          apps,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return got.out === 'True';
      });
      const keys = (value: string) =>
        kubectl([
          'create',
          'secret',
          'generic',
          'keys',
          '-n',
          apps,
          `--from-literal=keys=${value}`,
          '--dry-run=client',
          '-o',
          'yaml',
        ]).then((made) => kubectl(['apply', '-n', apps, '-f', '-'], made.out));
      expect((await keys('bb_sk_first')).ok).toBe(true);
      const keyed = `apiVersion: butterbase.ai/v1alpha1
kind: App
metadata: { name: keyed }
spec:
  appId: keyed
  auth: { apiKeys: { secretRef: { name: keys, key: keys } } }
`;
      expect((await kubectl(['apply', '-n', apps, '-f', '-'], keyed)).ok).toBe(true);
      const runtimeKeys = async () => {
        const got = await kubectl([
          'get',
          'secret',
          'bbfn-app-keyed',
          '-n',
          apps,
          '-o',
          "jsonpath={.data['api-keys']}",
        ]);
        return Buffer.from(got.out, 'base64').toString();
      };
      await waitFor(
        'the keys in the App runtime Secret',
        30_000,
        async () => (await runtimeKeys()) === 'bb_sk_first',
      );
      expect((await keys('bb_sk_second')).ok).toBe(true);
      await waitFor(
        'the edited keys, seen by the Secret watch',
        30_000,
        async () => (await runtimeKeys()) === 'bb_sk_second',
      );
      // The management API it serves: the chart's RBAC reads an App's key Secret and applies Functions
      // (their pods reported running, as there is no kubelet here: function-pods.ts).
      const kubelet = podsComeUp(apps);
      const key = 'bb_sk_chart_test_key';
      const keyedApi = await kubectl(
        ['apply', '-n', apps, '-f', '-'],
        `apiVersion: v1\nkind: Secret\nmetadata: { name: api-keys }\nstringData: { keys: ${key} }\n---\n` +
          'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: keyed-api }\n' +
          'spec: { appId: keyed-api, auth: { apiKeys: { secretRef: { name: api-keys, key: keys } } } }\n',
      );
      expect(keyedApi.ok, keyedApi.out).toBe(true);
      const deployed = await fetch(`http://127.0.0.1:${apiPort}/v1/keyed-api/functions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          app_id: 'keyed-api',
          name: 'via-api',
          code: 'export async function handler() { return new Response("ok"); }',
          trigger: { type: 'http' },
        }),
      });
      await kubelet.stop();
      expect(await deployed.json()).toMatchObject({ name: 'via-api', status: 'deployed' });
      operator.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      operator.kill('SIGKILL');
    }
  });
});
