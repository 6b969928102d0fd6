import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureHelm, ensureKubeBinaries } from '../kube/assets.ts';
import { E2E_IMAGES } from './images.ts';

const run = promisify(execFile);
export const CHART = path.join(import.meta.dirname, '../../charts/butterbase-functions');
/** The release the e2e run installs, as a platform team would, and where. */
export const RELEASE = 'bbfn';
export const SYSTEM_NAMESPACE = 'butterbase-system';
/** Function URLs are {publicBaseUrl}/v1/{appId}/fn/{name}; requests carry this host. */
export const PUBLIC_HOST = 'fn.bbfn-e2e.test';
/** Apps whose management API routes get a rule on the ingress (management.test.ts). */
export const API_APP_IDS = ['app_abc123', 'app_e2e_other'];

/**
 * The values of the e2e release: this checkout's images (never pulled), the cluster's ingress
 * class, and function pods with net.ipv4.tcp_migrate_req=1 (the cluster's kubelets must allow it).
 */
// biome-ignore format: flags and their values read best in pairs
export const releaseValues = (ingressClass: string) => [
  '--set', `publicBaseUrl=http://${PUBLIC_HOST}`,
  '--set', `ingress.className=${ingressClass}`,
  '--set', `api.ingress.appIds={${API_APP_IDS.join(',')}}`,
  '--set', `operator.image.repository=${E2E_IMAGES.operator.repository}`,
  '--set', `operator.image.tag=${E2E_IMAGES.operator.tag}`,
  '--set', 'operator.image.pullPolicy=Never',
  '--set', `runtime.image.repository=${E2E_IMAGES.runtime.repository}`,
  '--set', `runtime.image.tag=${E2E_IMAGES.runtime.tag}`,
  '--set', 'runtime.image.pullPolicy=Never',
  // The node's kubelet allows the sysctl (node-config.ts; kind.sh's likewise): listener-handover.test.ts.
  '--set', 'runtime.tcpMigrateReq=true',
];

export interface HelmTarget {
  helm: string;
  kubeconfig: string;
}

/** kubectl and helm: $KUBECTL and $HELM when set (a kind machine's own), else the pinned ones. */
export async function e2eTools(): Promise<{ kubectl: string; helm: string }> {
  const [kubectl, helm] = await Promise.all([
    process.env.KUBECTL || ensureKubeBinaries().then((bins) => bins.kubectl),
    process.env.HELM || ensureHelm(),
  ]);
  return { kubectl, helm };
}

/**
 * `helm <command> …` on the e2e release's namespace; install, upgrade and uninstall also
 * wait for what they change. Rejects with Helm's own message.
 */
export async function helmRelease(target: HelmTarget, args: string[]): Promise<string> {
  const wait = ['install', 'upgrade', 'uninstall'].includes(args[0]!) ? ['--wait', '--timeout', '180s'] : [];
  // biome-ignore format: flags and their values read best in pairs
  const { stdout } = await run(target.helm, [
    ...args, '--kubeconfig', target.kubeconfig, '--namespace', SYSTEM_NAMESPACE, ...wait,
  ], { timeout: 240_000, maxBuffer: 16 * 2 ** 20 }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`helm ${args[0]} failed: ${error.stderr || error.message}`);
  });
  return stdout;
}

/**
 * `helm install` of this checkout's chart as the e2e release, with `values` (releaseValues,
 * or a file of a release's own values), waiting for the operator. A failure carries
 * `kubectl describe pods` of the namespace, where the reason usually is.
 */
export async function installRelease(
  target: HelmTarget & { kubectl: string },
  values: string[],
): Promise<void> {
  await helmRelease(target, ['install', RELEASE, CHART, '--create-namespace', ...values]).catch(
    async (error: Error) => {
      // biome-ignore format: flags and their values read best in pairs
      const { stdout } = await run(target.kubectl, ['--kubeconfig', target.kubeconfig, '-n', SYSTEM_NAMESPACE,
        'describe', 'pods']).catch(() => ({ stdout: '' }));
      throw new Error(`${error.message}\n${stdout}`);
    },
  );
}

/** Resolves once the release's operator Deployment is Available; a clear error when there is none. */
export async function operatorReady(kubeconfig: string, kubectl: string): Promise<void> {
  // biome-ignore format: flags and their values read best in pairs
  await run(kubectl, [
    '--kubeconfig', kubeconfig, '-n', SYSTEM_NAMESPACE,
    'wait', '--for=condition=Available', 'deployment', '-l', `app.kubernetes.io/instance=${RELEASE}`,
    '--timeout=120s',
  ], { timeout: 150_000 }).catch((error: { stderr?: string }) => {
    throw new Error(
      `the chart's operator is not ready in namespace ${SYSTEM_NAMESPACE} (release ${RELEASE}): ${error.stderr ?? error}\n` +
        'Install it first: node test/e2e/chart.ts install --ingress-class <class>',
    );
  });
}
