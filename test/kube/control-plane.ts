// The kube test harness from a shell: `node test/kube/control-plane.ts --help`.

import { exitOnSignals, pickCommand, runMain } from '../support/command-line.ts';
import { ensureHelm, ensureKubeBinaries } from './assets.ts';
import { startControlPlane } from './cluster.ts';

const usage = `Usage: node test/kube/control-plane.ts <command> [--help]

The real Kubernetes control plane the kube tests run against (etcd, kube-apiserver,
kube-controller-manager on loopback, certificates made per run, RBAC).

Commands:
  start    start a control plane, print "export KUBECONFIG=..." and stay up until
           Ctrl-C; then stop it and remove its directory
  assets   ensure the binaries (from $KUBEBUILDER_ASSETS, the cache, or a build from the
           Go module proxy) and print their directory
  helm     ensure the helm binary (cache, or a build) and print its path

Tests: PATH=$PWD/node_modules/.bin:$PATH vitest run --project kube
       (with KUBECONFIG set, they run against that cluster and nothing is started)`;

const help: Record<string, string> = {
  start: `Usage: node test/kube/control-plane.ts start

Ensures the binaries, starts etcd, kube-apiserver and kube-controller-manager on free
loopback ports with a fresh CA and an admin client certificate (system:masters), and
prints "export KUBECONFIG=<admin kubeconfig>" on stdout. Runs until Ctrl-C (or SIGTERM),
then stops the processes and removes the run directory (etcd data, keys, logs).`,
  assets: `Usage: node test/kube/control-plane.ts assets

Prints the directory holding etcd, kube-apiserver, kube-controller-manager and kubectl:
$KUBEBUILDER_ASSETS when set, else the cache (building it on first use, many minutes).
Same as test/kube/assets.sh; see "test/kube/assets.sh --help".`,
  helm: `Usage: node test/kube/control-plane.ts helm

Prints the path of the pinned helm binary, building it into the cache on first use.`,
};

exitOnSignals();

async function main(args: string[]): Promise<number> {
  const picked = pickCommand(args, usage, help);
  if ('exit' in picked) return picked.exit;
  const { command } = picked;
  if (command === 'assets') {
    console.log((await ensureKubeBinaries()).dir);
    return 0;
  }
  if (command === 'helm') {
    console.log(await ensureHelm());
    return 0;
  }
  const bins = await ensureKubeBinaries();
  const began = performance.now();
  const plane = await startControlPlane(bins);
  console.error(
    `kube: control plane ready in ${((performance.now() - began) / 1000).toFixed(1)} s at ${plane.server}`,
  );
  console.log(`export KUBECONFIG=${plane.kubeconfig}`);
  console.error('kube: press Ctrl-C to stop it and remove its data');
  process.on('exit', () => console.error('kube: control plane stopped, data removed'));
  // Keeps the event loop alive; the signal handlers above end the process.
  setInterval(() => {}, 1 << 30);
  return new Promise<number>(() => {});
}

runMain(() => main(process.argv.slice(2)));
