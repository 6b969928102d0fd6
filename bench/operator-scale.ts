/**
 * The operator at scale: a real control plane (test/kube's etcd + kube-apiserver +
 * kube-controller-manager), the operator as its image runs it (its own process, the
 * bundle operator/build.ts makes), and `count` hello Functions created at once with
 * `kubectl apply --server-side`. Measures the time until every Function's status is
 * written for its generation, and the operator's resident memory (peak, sampled from
 * /proc, and at the end).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { buildOperator } from '../operator/build.ts';
import { ensureKubeBinaries } from '../test/kube/assets.ts';
import { startControlPlane } from '../test/kube/cluster.ts';
import { freeLoopbackPorts } from '../test/kube/ports.ts';
import { HELLO_HANDLER } from './scenarios.ts';

const run = promisify(execFile);
const REPO = path.join(import.meta.dirname, '..');
const NAMESPACE = 'bench';
/** Bounds the wait for statuses: far past the target, short of hanging a run. */
const STATUS_TIMEOUT_MS = 600_000;

export interface OperatorScaleResult {
  functions: number;
  concurrency: number;
  /** `kubectl apply --server-side` of all of them. */
  applySeconds: number;
  /** From the start of the apply until every status was written. */
  allStatusSeconds: number;
  /** Statuses written per second over allStatusSeconds. */
  perSecond: number;
  deployed: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  /** The machine's 1-minute load average when the apply started. */
  loadAverage: number;
  /** The operator's own CPU time over the run: its cost, whatever the API server's load. */
  cpuSeconds: number;
  /** Reconciles that failed and were retried (bbfn_operator_reconciles_total{result="error"}). */
  retried: number;
}

function functionsYaml(count: number): string {
  const code = JSON.stringify(HELLO_HANDLER);
  const docs = [];
  for (let i = 0; i < count; i++)
    docs.push(`apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata: { name: hello-${String(i).padStart(4, '0')}, namespace: ${NAMESPACE} }
spec:
  appId: bench
  trigger: { type: http, config: { method: GET, auth: none } }
  code: ${code}
`);
  return docs.join('---\n');
}

/** NODE_OPTIONS as the Dockerfile's operator stage sets it (its one home). */
async function imageNodeOptions(): Promise<string> {
  const dockerfile = await readFile(path.join(REPO, 'Dockerfile'), 'utf8');
  const stage = dockerfile.slice(dockerfile.indexOf(' AS operator'));
  const flags = /NODE_OPTIONS="([^"]*)"/.exec(stage)?.[1];
  if (flags === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS for the operator');
  return flags;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) / 1024 : 0;
}

export async function measureOperatorScale(options: {
  count: number;
  concurrency: number;
}): Promise<OperatorScaleResult> {
  const bins = await ensureKubeBinaries();
  // Under node_modules, as the image has it beside node_modules: the bundle leaves esbuild out.
  const cache = path.join(REPO, 'node_modules/.cache');
  await mkdir(cache, { recursive: true });
  const dist = await mkdtemp(path.join(cache, 'bbfn-operator-bench-'));
  const entry = await buildOperator(dist);
  const plane = await startControlPlane(bins);
  const kubectl = async (args: string[], input?: string) => {
    const running = run(bins.kubectl, ['--kubeconfig', plane.kubeconfig, ...args], {
      timeout: 300_000,
      maxBuffer: 64 * 2 ** 20,
    });
    if (input !== undefined) running.child.stdin!.end(input);
    return (await running).stdout;
  };
  let operator: ReturnType<typeof spawn> | undefined;
  try {
    await kubectl(['apply', '-f', path.join(REPO, 'crds')]);
    await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/functions.butterbase.ai',
      'crd/apps.butterbase.ai',
    ]);
    await kubectl(['create', 'namespace', NAMESPACE]);
    await kubectl(
      ['apply', '-n', NAMESPACE, '-f', '-'],
      'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: bench }\nspec: { appId: bench }\n',
    );

    const [port] = await freeLoopbackPorts(1);
    const nodeOptions = process.env.BENCH_OPERATOR_NODE_OPTIONS ?? (await imageNodeOptions());
    operator = spawn(process.execPath, [entry], {
      env: {
        PATH: process.env.PATH ?? '',
        KUBECONFIG: plane.kubeconfig,
        BBFN_RUNTIME_IMAGE: 'butterbase-functions/runtime:bench',
        BBFN_PUBLIC_BASE_URL: 'https://fn.example.com',
        BBFN_OPERATOR_PORT: String(port),
        BBFN_OPERATOR_CONCURRENCY: String(options.concurrency),
        LOG_LEVEL: 'warn',
        // The image's V8 flags; BENCH_OPERATOR_NODE_OPTIONS tries others.
        NODE_OPTIONS: nodeOptions,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const pid = operator.pid!;
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const readyBy = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > readyBy) throw new Error('the operator did not get ready in 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    let rssPeak = await rssMiB(pid);
    const sampler = setInterval(
      () => void rssMiB(pid).then((rss) => (rssPeak = Math.max(rssPeak, rss))),
      250,
    );
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfig);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const cpuSeconds = async () => {
      const metrics = await (await fetch(metricsUrl)).text();
      return Number(/^bbfn_operator_process_cpu_seconds_total ([\d.e+-]+)/m.exec(metrics)?.[1] ?? Number.NaN);
    };
    try {
      const cpuBefore = await cpuSeconds();
      const loadAverage = os.loadavg()[0]!;
      const started = performance.now();
      await kubectl(['apply', '--server-side', '-f', '-'], functionsYaml(options.count));
      const applySeconds = (performance.now() - started) / 1000;
      let deployed = 0;
      for (;;) {
        const list = (await custom.listNamespacedCustomObject({
          group: 'butterbase.ai',
          version: 'v1alpha1',
          namespace: NAMESPACE,
          plural: 'functions',
        })) as {
          items: {
            metadata: { generation: number };
            status?: { status?: string; observedGeneration?: number; conditions?: { message: string }[] };
          }[];
        };
        const written = list.items.filter(
          (fn) => fn.status?.status && fn.status.observedGeneration === fn.metadata.generation,
        );
        deployed = written.filter((fn) => fn.status?.status === 'deployed').length;
        if (list.items.length === options.count && written.length === options.count) {
          const failed = written.find((fn) => fn.status?.status !== 'deployed');
          if (failed) console.error(`not deployed, e.g.: ${JSON.stringify(failed.status?.conditions)}`);
          break;
        }
        if (performance.now() - started > STATUS_TIMEOUT_MS)
          throw new Error(
            `only ${written.length} of ${options.count} statuses after ${STATUS_TIMEOUT_MS / 1000} s`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const allStatusSeconds = (performance.now() - started) / 1000;
      const metrics = await (await fetch(metricsUrl)).text();
      const heap = metrics
        .split('\n')
        .filter((line) => /^bbfn_operator_nodejs_(heap_size_(used|total)|external_memory)_bytes /.test(line));
      console.error(`operator memory at the end (NODE_OPTIONS ${nodeOptions}): ${heap.join('; ')}`);
      const retried = Number(
        /^bbfn_operator_reconciles_total\{result="error"\} (\d+)/m.exec(metrics)?.[1] ?? 0,
      );
      return {
        functions: options.count,
        concurrency: options.concurrency,
        applySeconds,
        allStatusSeconds,
        perSecond: options.count / allStatusSeconds,
        deployed,
        rssPeakMiB: Math.max(rssPeak, await rssMiB(pid)),
        rssEndMiB: await rssMiB(pid),
        cpuSeconds: (await cpuSeconds()) - cpuBefore,
        loadAverage,
        retried,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    operator?.kill('SIGTERM');
    await plane.stop();
    await rm(dist, { recursive: true, force: true });
  }
}
