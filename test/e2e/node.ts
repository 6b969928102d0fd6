import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres.ts';
import { type DockerEngine, ensureDockerEngine } from '../image/docker.ts';
import { ensureKubeBinaries, type KubeBinaries } from '../kube/assets.ts';
import { type ControlPlane, startControlPlane } from '../kube/cluster.ts';
import { guardRun } from '../kube/guard.ts';
import { freeLoopbackPorts } from '../kube/ports.ts';
import { waitForHealthy } from '../kube/probe.ts';
import { type ManagedProcess, startProcess } from '../kube/process.ts';
import { waitFor } from '../support/wait.ts';
import { ensureNodeBinaries } from './assets.ts';
import { startContainerd } from './containerd.ts';
import { buildNodeImages } from './images.ts';
import { NODE_NAME, NODE_NETWORK } from './network.ts';
import {
  componentKubeconfig,
  createNodePki,
  type NodePki,
  writeKubeletConfig,
  writeKubeProxyConfig,
} from './node-config.ts';
import { TRAEFIK_RBAC } from './traefik-rbac.ts';

const run = promisify(execFile);
const hostScript = path.join(import.meta.dirname, 'host.sh');
const watchdogScript = path.join(import.meta.dirname, 'watchdog.sh');
/** Where a run directory is made; `cluster.ts down` looks for leftovers here. */
export const RUN_DIR_PREFIX = path.join(tmpdir(), 'bbfn-e2e-');

/** A running single-node cluster: control plane, kubelet, kube-proxy, Traefik, Postgres. */
export interface E2eNode {
  kubeconfig: string;
  kubectl: string;
  /** Traefik's web entrypoint on loopback: send requests here with the Host header. */
  ingressUrl: string;
  /** The same entrypoint as pods reach it, by the bridge address: the chart's ingress.probeUrl. */
  podIngressUrl: string;
  /** Superuser URL of the Postgres pods reach, by the bridge address. */
  podPostgresUrl: string;
  /** The same server, from the host. */
  postgresUrl: string;
  dir: string;
  /** Seconds each phase took, for the report. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

const EXTRA_CONTROLLERS = [
  // Without it the not-ready taint stays on the node and pods stay Pending.
  'node-lifecycle-controller',
  'taint-eviction-controller',
  // Without them Services have no endpoints (Traefik routes to EndpointSlices).
  'endpoints-controller',
  'endpointslice-controller',
  'pod-garbage-collector-controller',
  'ttl-controller',
  'ttl-after-finished-controller',
  'disruption-controller',
];

const log = (line: string) => console.error(`e2e: ${line}`);

/** Brings the node up, phase by phase; on any failure everything started is undone. */
export async function startNode(): Promise<E2eNode> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The e2e node needs root: it creates a bridge, iptables rules, mounts and cgroups (run as root).',
    );
  }
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    const result = await work();
    timings[name] = Number(((performance.now() - began) / 1000).toFixed(1));
    log(`${name}: ${timings[name]} s`);
    return result;
  };

  const [kubeBins, nodeBins] = await phase('binaries', () =>
    Promise.all([ensureKubeBinaries(), ensureNodeBinaries()]),
  );
  const dir = await mkdtemp(RUN_DIR_PREFIX);
  await chmod(dir, 0o755);
  await writeFile(path.join(dir, 'owner'), `${process.pid}\n`);
  const hostDown = () => spawnSync('bash', [hostScript, 'down', dir], { stdio: 'inherit' });
  const guard = guardRun(dir, { watchdog: watchdogScript, onExit: hostDown });
  const started: ManagedProcess[] = [];
  let plane: ControlPlane | undefined;
  let pg: { stop(): Promise<void> } | undefined;
  let docker: DockerEngine | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // The kubelet and proxy first (they would restart what we remove), then containerd.
      log('stopping: node processes');
      for (const child of [...started].reverse()) await child.stop(10_000);
      log('stopping: host changes (host.sh down)');
      // What it could not undo it says on stderr, also when it exits 0.
      const { stderr } = await run('bash', [hostScript, 'down', dir]).catch((error: { stderr?: string }) => ({
        stderr: `failed: ${error.stderr ?? error}`,
      }));
      if (stderr.trim()) log(`host.sh down: ${stderr.trim()}`);
      log('stopping: control plane');
      await plane?.stop();
      log('stopping: postgres');
      await pg?.stop().catch(() => {});
      await docker?.stop();
      log('stopping: run directory');
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      guard.release();
      log('stopped');
    })();
    return stopping;
  };
  const start = (name: string, binary: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const child = startProcess(name, binary, args, path.join(dir, 'logs', `${name}.log`), env);
    started.push(child);
    guard.track(child);
    return child;
  };

  try {
    await mkdir(path.join(dir, 'logs'));
    const { nodeIp, prefixLength, bridge, serviceCidr } = NODE_NETWORK;
    await phase('host network', () =>
      run('bash', [hostScript, 'up', dir, bridge, `${nodeIp}/${prefixLength}`, serviceCidr]).catch(
        (error: { stderr?: string }) => {
          throw new Error(`host.sh up failed: ${error.stderr ?? error}`);
        },
      ),
    );

    // The images are built with Docker's classic builder (a daemon started for the run if none answers).
    const imagesBuilt = phase('images built', async () => {
      docker = await ensureDockerEngine();
      return buildNodeImages(nodeBins.pause);
    });
    imagesBuilt.catch(() => {}); // awaited below

    const postgres = await phase('postgres', async () => {
      const dataParent = path.join(dir, 'postgres');
      const server = await startEmbeddedPostgres({
        dataDir: path.join(dataParent, 'data'),
        alsoListen: { address: nodeIp, clientCidr: NODE_NETWORK.podCidr },
      });
      pg = server;
      // The postmaster outlives us on SIGKILL: the watchdog stops it by pid too.
      const pid = (await readFile(path.join(dataParent, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0];
      await writeFile(path.join(dir, 'pids'), `${pid}\n`, { flag: 'a' });
      return server;
    });

    let nodePki: NodePki | undefined;
    plane = await phase('control plane', () =>
      startControlPlane(kubeBins, {
        address: nodeIp,
        serviceCidr,
        serviceIp: NODE_NETWORK.apiServiceIp,
        controllers: EXTRA_CONTROLLERS,
        prepare: async (pki, pkiDir) => {
          const made = await createNodePki(pki, pkiDir);
          nodePki = made.node;
          return { apiserverArgs: made.apiserverArgs };
        },
      }),
    );
    const node = nodePki as unknown as NodePki;
    const kubectl = (args: string[], input?: string) => kubectlRun(kubeBins, plane!.kubeconfig, args, input);
    const apply = async (manifest: string) => {
      const { ok, out } = await kubectl(['apply', '-f', '-'], manifest);
      if (!ok) throw new Error(`kubectl apply failed: ${out}`);
    };
    // The kubelet's identity gets the system:node role (RBAC, as before the Node authorizer).
    await apply(NODE_RBAC);

    const containerd = await phase('containerd', () =>
      startContainerd(nodeBins, path.join(dir, 'containerd'), path.join(dir, 'logs', 'containerd.log')).then(
        (c) => {
          started.push(c.process);
          guard.track(c.process);
          return c;
        },
      ),
    );
    await phase('images imported', async () => {
      for (const image of await imagesBuilt) await containerd.importFromDocker(image);
    });

    await phase('node ready', async () => {
      const [kubeletPort, kubeletHealthz, proxyHealthz, proxyMetrics, schedulerPort] =
        await freeLoopbackPorts(5);
      const kubeletConfig = path.join(dir, 'kubelet.yaml');
      await writeKubeletConfig(
        kubeletConfig,
        node,
        { port: kubeletPort!, healthz: kubeletHealthz! },
        containerd.socket,
      );
      const kubelet = start('kubelet', nodeBins.kubelet, [
        `--config=${kubeletConfig}`,
        `--kubeconfig=${await componentKubeconfig(node, plane!.server, 'node')}`,
        `--root-dir=${path.join(dir, 'kubelet')}`,
        `--cert-dir=${path.join(dir, 'kubelet-pki')}`,
        `--node-ip=${nodeIp}`,
        `--hostname-override=${NODE_NAME}`,
        '--v=1',
      ]);
      start('kube-scheduler', nodeBins.kubeScheduler, [
        // No delegated authentication/authorization kubeconfigs: as for the controller
        // manager, its own endpoints answer /healthz to anyone and we ask nothing else.
        `--kubeconfig=${await componentKubeconfig(node, plane!.server, 'scheduler')}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedulerPort}`,
        '--leader-elect=false',
      ]);
      const proxyConfig = path.join(dir, 'kube-proxy.yaml');
      await writeKubeProxyConfig(proxyConfig, await componentKubeconfig(node, plane!.server, 'proxy'), {
        healthz: proxyHealthz!,
        metrics: proxyMetrics!,
      });
      start('kube-proxy', nodeBins.kubeProxy, [`--config=${proxyConfig}`]);
      await waitForHealthy(kubelet, `http://127.0.0.1:${kubeletHealthz}/healthz`, 60_000, {}, started);
      await waitFor('the node to be Ready', 120_000, async () => {
        const dead = started.find((p) => p.hasExited());
        if (dead) throw new Error(`${dead.name} exited:\n${await dead.logTail()}`);
        const { out } = await kubectl([
          'get',
          'node',
          NODE_NAME,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints}',
        ]);
        return out.startsWith('True') && !out.includes('not-ready');
      });
    });

    const ingressUrl = await phase('traefik', async () => {
      const [web, api, podsWeb] = await freeLoopbackPorts(3);
      await apply(TRAEFIK_RBAC);
      const traefik = start(
        'traefik',
        nodeBins.traefik,
        [
          `--entrypoints.web.address=127.0.0.1:${web}`,
          `--entrypoints.traefik.address=127.0.0.1:${api}`,
          // The operator's ingress probe (a pod) comes by the bridge; rules serve every entrypoint.
          `--entrypoints.pods.address=${NODE_NETWORK.nodeIp}:${podsWeb}`,
          '--ping=true',
          '--providers.kubernetesingress=true',
          '--providers.kubernetesingress.throttleduration=0s',
          '--log.level=INFO',
          '--global.checknewversion=false',
          '--global.sendanonymoususage=false',
        ],
        { KUBECONFIG: await componentKubeconfig(node, plane!.server, 'traefik') },
      );
      await apply(INGRESS_CLASS);
      await waitForHealthy(traefik, `http://127.0.0.1:${api}/ping`, 60_000, {}, started);
      return { host: `http://127.0.0.1:${web}`, pods: `http://${NODE_NETWORK.nodeIp}:${podsWeb}` };
    });

    const podUrl = new URL(postgres.url);
    podUrl.hostname = nodeIp;
    return {
      kubeconfig: plane.kubeconfig,
      kubectl: kubeBins.kubectl,
      ingressUrl: ingressUrl.host,
      podIngressUrl: ingressUrl.pods,
      podPostgresUrl: podUrl.toString(),
      postgresUrl: postgres.url,
      dir,
      timings,
      stop,
    };
  } catch (error) {
    const logs = await Promise.all(started.map(async (p) => `--- ${p.name}\n${await p.logTail(15)}`));
    log(`start failed; last log lines:\n${logs.join('\n')}`);
    await stop();
    throw error;
  }
}

async function kubectlRun(bins: KubeBinaries, kubeconfig: string, args: string[], input?: string) {
  const running = run(bins.kubectl, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 });
  if (input !== undefined) running.child.stdin!.end(input);
  return running.then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (error: { stderr?: string; message: string }) => ({ ok: false, out: error.stderr || error.message }),
  );
}

/** The name the chart's `ingress.className` takes; Traefik serves this class. */
export const INGRESS_CLASS_NAME = 'traefik';

const INGRESS_CLASS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: ${INGRESS_CLASS_NAME}
spec:
  controller: traefik.io/ingress-controller
`;

const NODE_RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: bbfn-e2e-nodes
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:nodes }
`;
