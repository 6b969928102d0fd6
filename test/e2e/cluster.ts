// The e2e node from a shell: `node test/e2e/cluster.ts --help`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { exitOnSignals, pickCommand, runMain } from '../support/command-line.ts';
import { EXISTING_CLUSTER_ENV } from './existing-cluster.ts';
import { NODE_NETWORK } from './network.ts';
import { INGRESS_CLASS_NAME, RUN_DIR_PREFIX, startNode } from './node.ts';

const usage = `Usage: node test/e2e/cluster.ts <command> [--help]

A real single-node Kubernetes cluster on this machine (needs root): the kube tests'
control plane plus kube-scheduler, kubelet on containerd (runc, bridge CNI on
${NODE_NETWORK.bridge} ${NODE_NETWORK.podCidr}), kube-proxy (Services ${NODE_NETWORK.serviceCidr}),
Traefik as the ingress controller on loopback, a Postgres pods reach at ${NODE_NETWORK.nodeIp},
and this checkout's runtime and operator images.

Commands:
  up      build what is missing (cold: many minutes), start the node, print
          "export KUBECONFIG=..." and the other variables with which the e2e suite
          runs against it (after test/e2e/chart.ts install), stay up until Ctrl-C; then stop
          everything and put the host back (processes, mounts, cgroups, iptables, sysctls,
          bridge)
  down    stop a running "up" (by its pid) and clean up after runs that died
          (what their watchdog did not); prints what it found
  check   exit 1, naming them, if a previous run's bridge, chains or cgroups remain

Tests: npx vitest run --project e2e   (the suite brings its own node up; with the
variables "up" prints, it uses that node instead)`;

const help: Record<string, string> = {
  up: `Usage: node test/e2e/cluster.ts up

Runs test/e2e/assets.sh (kubelet, kube-scheduler, kube-proxy, containerd, Traefik;
cached under ~/.cache/butterbase-functions), builds the images with Docker, starts the
node and prints how to reach it. Ctrl-C stops it and restores the host.`,
  down: `Usage: node test/e2e/cluster.ts down

Sends SIGTERM to the process of each live "up", waits for it, then runs
test/e2e/host.sh down on every leftover ${RUN_DIR_PREFIX}* directory and removes it.`,
  check: `Usage: node test/e2e/cluster.ts check

Exits 0 when the host carries nothing of an e2e node, else 1 with what remains.`,
};

exitOnSignals();

function runDirs(): string[] {
  const parent = path.dirname(RUN_DIR_PREFIX);
  const prefix = path.basename(RUN_DIR_PREFIX);
  return readdirSync(parent)
    .filter((name) => name.startsWith(prefix))
    .map((name) => path.join(parent, name));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function down(): Promise<number> {
  for (const dir of runDirs()) {
    const owner = Number(readFileSync(path.join(dir, 'owner'), 'utf8').trim() || 0);
    if (owner && alive(owner)) {
      console.error(`e2e: stopping the node of pid ${owner} (${dir})`);
      process.kill(owner, 'SIGTERM');
      for (let i = 0; i < 600 && alive(owner); i++) await new Promise((r) => setTimeout(r, 100));
    }
    if (existsSync(dir)) {
      console.error(`e2e: cleaning up after ${dir}`);
      spawnSync('bash', [path.join(import.meta.dirname, 'host.sh'), 'down', dir], { stdio: 'inherit' });
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return check();
}

function check(): number {
  const result = spawnSync(
    'bash',
    [path.join(import.meta.dirname, 'host.sh'), 'check', NODE_NETWORK.bridge],
    {
      stdio: 'inherit',
    },
  );
  if (result.status === 0) console.error('e2e: the host carries nothing of an e2e node');
  return result.status ?? 1;
}

async function up(): Promise<number> {
  const began = performance.now();
  const node = await startNode();
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.error(`e2e: node up in ${seconds} s (${JSON.stringify(node.timings)}); logs in ${node.dir}/logs`);
  // What the e2e suite reads to run against this node rather than build its own
  // (existing-cluster.ts); install the chart first with test/e2e/chart.ts.
  const env = EXISTING_CLUSTER_ENV;
  console.log(`export ${env.kubeconfig}=${node.kubeconfig}`);
  console.log(`export ${env.ingressUrl}=${node.ingressUrl}  # set the Host header`);
  console.log(`export ${env.postgresUrl}=${node.postgresUrl}`);
  console.log(`export ${env.podPostgresUrl}=${node.podPostgresUrl}`);
  console.log(`# kubectl: ${node.kubectl}`);
  console.log(`# the chart: node test/e2e/chart.ts install --ingress-class ${INGRESS_CLASS_NAME}`);
  console.error('e2e: press Ctrl-C to stop it and restore the host');
  process.on('exit', () => console.error('e2e: node stopped, host restored'));
  setInterval(() => {}, 1 << 30);
  return new Promise<number>(() => {});
}

async function main(args: string[]): Promise<number> {
  const picked = pickCommand(args, usage, help);
  if ('exit' in picked) return picked.exit;
  const { command } = picked;
  if (command === 'down') return down();
  if (command === 'check') return check();
  return up();
}

runMain(() => main(process.argv.slice(2)));
