import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeBinaries } from './assets.ts';
import { createPki, type Pki } from './certs.ts';
import { guardRun, type RunGuard } from './guard.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { freeLoopbackPorts } from './ports.ts';
import { waitForHealthy } from './probe.ts';
import { type ManagedProcess, startProcess } from './process.ts';

/** A running etcd + kube-apiserver + kube-controller-manager on loopback. */
export interface ControlPlane {
  /** Admin kubeconfig (a `system:masters` client certificate). */
  kubeconfig: string;
  server: string;
  /** The run's directory: PKI, etcd data, logs. Removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * What the e2e node (test/e2e) changes; the kube suites use the defaults: loopback only,
 * no `kubernetes` Service endpoint, no scheduler or kubelet.
 */
export interface ControlPlaneOptions {
  /**
   * Where kube-apiserver listens and what it advertises as the `kubernetes` Service's
   * endpoint, so pods can reach it (default: 127.0.0.1, endpoint unpublished).
   */
  address?: string;
  serviceCidr?: string;
  /** The `kubernetes` Service's cluster IP: the first address of serviceCidr. */
  serviceIp?: string;
  /** Controllers beyond CONTROLLERS. */
  controllers?: string[];
  /** Run after the PKI is made and before anything starts: more certificates, more flags. */
  prepare?: (pki: Pki, dir: string) => Promise<{ apiserverArgs?: string[] }>;
}

/**
 * As large as a real cluster's (kubeadm's default): a /24 is full at 253 Services, and a
 * suite or benchmark with a Service per Function (bench/ creates 1,000) needs more.
 */
const SERVICE_CIDR = '10.96.0.0/12';
/** The `kubernetes` Service's address: the first of the range, in the apiserver's certificate. */
const SERVICE_IP = '10.96.0.1';

/**
 * The controllers the suites rely on: owner-reference garbage collection, namespace
 * deletion, CronJob -> Job -> Pod, Deployment -> ReplicaSet -> Pod, the `default`
 * ServiceAccount and `kube-root-ca.crt` in every namespace, aggregated ClusterRoles
 * (admin/edit/view pick up aggregate-to-* rules). No scheduler and no kubelet:
 * pods stay Pending.
 */
const CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  'cronjob-controller',
  'job-controller',
  'deployment-controller',
  'replicaset-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
];

const START_ATTEMPTS = 3;

/**
 * Starts a fresh control plane in a new temporary directory. Ports are picked free each
 * time; if another process grabs one first, the whole start is retried.
 */
export async function startControlPlane(
  bins: KubeBinaries,
  options: ControlPlaneOptions = {},
): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bins, options);
    } catch (error) {
      const clash = /address already in use/i.test(String((error as Error).message));
      if (!clash || attempt >= START_ATTEMPTS) throw error;
      console.error(`kube: a port was taken while starting (attempt ${attempt}); retrying`);
    }
  }
}

async function startOnce(bins: KubeBinaries, options: ControlPlaneOptions): Promise<ControlPlane> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-kube-'));
  const guard = guardRun(dir);
  const started: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Dependents first: the controller manager, then the apiserver, then etcd.
      for (const child of [...started].reverse()) await child.stop();
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      guard.release();
    })();
    return stopping;
  };
  try {
    const server = await startAll(bins, options, dir, guard, started);
    return { kubeconfig: path.join(dir, 'admin.kubeconfig'), server, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startAll(
  bins: KubeBinaries,
  options: ControlPlaneOptions,
  dir: string,
  guard: RunGuard,
  started: ManagedProcess[],
) {
  const address = options.address ?? '127.0.0.1';
  const serviceCidr = options.serviceCidr ?? SERVICE_CIDR;
  const serviceIp = options.serviceIp ?? SERVICE_IP;
  const [etcdPort, etcdPeerPort, apiPort, kcmPort] = (await freeLoopbackPorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const sub = async (name: string) => {
    const p = path.join(dir, name);
    await mkdir(p, { recursive: true, mode: 0o700 });
    return p;
  };
  const [pkiDir, logs] = await Promise.all([sub('pki'), sub('logs')]);
  const pki = await createPki(pkiDir, serviceIp, address === '127.0.0.1' ? [] : [address]);
  const extra = (await options.prepare?.(pki, pkiDir)) ?? {};
  const start = (name: string, binary: string, args: string[]) => {
    const child = startProcess(name, binary, args, path.join(logs, `${name}.log`));
    started.push(child);
    guard.track(child);
    return child;
  };

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcd = start('etcd', bins.etcd, [
    `--data-dir=${await sub('etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    // Throwaway data: durability buys nothing and fsync dominates write latency.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await waitForHealthy(etcd, `${etcdUrl}/health`, 30_000);

  const server = `https://${address}:${apiPort}`;
  // As controller-runtime's envtest runs it, plus a serving certificate of our own CA.
  const apiserver = start('kube-apiserver', bins.kubeApiserver, [
    `--advertise-address=${address}`,
    `--bind-address=${address}`,
    `--secure-port=${apiPort}`,
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${await sub('apiserver')}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${serviceCidr}`,
    '--allow-privileged=true',
    '--profiling=false',
    // The default reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint,
    // which validation rejects (loopback) every 10 s; nothing in-cluster could use it anyway.
    ...(address === '127.0.0.1' ? ['--endpoint-reconciler-type=none'] : []),
    ...(extra.apiserverArgs ?? []),
  ]);
  const [ca, cert, key] = await Promise.all(
    [pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f)),
  );
  await waitForHealthy(apiserver, `${server}/readyz`, 60_000, { ca, cert, key }, [etcd, apiserver]);

  const admin = path.join(dir, 'admin.kubeconfig');
  const kcmConfig = path.join(dir, 'controller-manager.kubeconfig');
  await Promise.all([
    writeKubeconfig(admin, {
      server,
      caCert: pki.caCert,
      clientCert: pki.adminCert,
      clientKey: pki.adminKey,
      user: 'bbfn-test-admin',
    }),
    writeKubeconfig(kcmConfig, {
      server,
      caCert: pki.caCert,
      clientCert: pki.controllerManagerCert,
      clientKey: pki.controllerManagerKey,
      user: 'system:kube-controller-manager',
    }),
  ]);

  const kcm = start('kube-controller-manager', bins.kubeControllerManager, [
    `--kubeconfig=${kcmConfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${kcmPort}`,
    `--cert-dir=${await sub('controller-manager')}`,
    '--leader-elect=false',
    `--controllers=${[...CONTROLLERS, ...(options.controllers ?? [])].join(',')}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    '--use-service-account-credentials=false',
    `--service-cluster-ip-range=${serviceCidr}`,
    '--profiling=false',
  ]);
  // No --authentication/authorization-kubeconfig: its own endpoints need no delegated auth
  // (which would want front-proxy CAs), /healthz is always allowed. Its serving certificate
  // is self-signed in --cert-dir; we only ask whether it is up.
  await waitForHealthy(kcm, `https://127.0.0.1:${kcmPort}/healthz`, 30_000, { insecure: true }, started);
  return server;
}
