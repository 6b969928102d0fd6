// The chart on an e2e cluster, as a platform team installs it: `node test/e2e/chart.ts --help`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ensureHelm, ensureKubeBinaries } from '../kube/assets.ts';
import { E2E_IMAGES } from './images.ts';

const run = promisify(execFile);
const CHART = path.join(import.meta.dirname, '../../charts/butterbase-functions');
/** Function URLs are {publicBaseUrl}/v1/{appId}/fn/{name}; requests carry this host. */
export const PUBLIC_HOST = 'fn.bbfn-e2e.test';
export const SYSTEM_NAMESPACE = 'butterbase-system';
export const RELEASE = 'bbfn';

/** kubectl and helm: $KUBECTL and $HELM when set (a kind machine's own), else the pinned ones. */
export async function e2eTools(): Promise<{ kubectl: string; helm: string }> {
  const [kubectl, helm] = await Promise.all([
    process.env.KUBECTL || ensureKubeBinaries().then((bins) => bins.kubectl),
    process.env.HELM || ensureHelm(),
  ]);
  return { kubectl, helm };
}

/**
 * `helm install` of this checkout's chart with the e2e images (E2E_IMAGES, loaded into the
 * cluster beforehand, never pulled), waiting for the operator to be ready.
 */
export async function installChart(options: {
  kubeconfig: string;
  kubectl: string;
  helm: string;
  ingressClass: string;
}): Promise<void> {
  const { kubeconfig, kubectl, helm, ingressClass } = options;
  // biome-ignore format: flags and their values read best in pairs
  await run(helm, [
    'install', RELEASE, CHART, '--kubeconfig', kubeconfig,
    '--namespace', SYSTEM_NAMESPACE, '--create-namespace',
    '--set', `publicBaseUrl=http://${PUBLIC_HOST}`,
    '--set', `ingress.className=${ingressClass}`,
    '--set', `operator.image.repository=${E2E_IMAGES.operator.repository}`,
    '--set', `operator.image.tag=${E2E_IMAGES.operator.tag}`,
    '--set', 'operator.image.pullPolicy=Never',
    '--set', `runtime.image.repository=${E2E_IMAGES.runtime.repository}`,
    '--set', `runtime.image.tag=${E2E_IMAGES.runtime.tag}`,
    '--set', 'runtime.image.pullPolicy=Never',
    '--wait', '--timeout', '180s',
  ], { timeout: 240_000 }).catch(async (error: { stderr?: string }) => {
    const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, '-n', SYSTEM_NAMESPACE,
      'describe', 'pods']).catch(() => ({ stdout: '' }));
    throw new Error(`helm install failed: ${error.stderr ?? error}\n${stdout}`);
  });
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

const usage = `Usage: node test/e2e/chart.ts install --ingress-class <name> [--help]

Installs this checkout's chart (charts/butterbase-functions) as release "${RELEASE}" in
namespace ${SYSTEM_NAMESPACE} of the cluster KUBECONFIG names, as the e2e suite expects it:
publicBaseUrl http://${PUBLIC_HOST}, the ingress class given, the images
${E2E_IMAGES.operator.repository}:${E2E_IMAGES.operator.tag} and ${E2E_IMAGES.runtime.repository}:${E2E_IMAGES.runtime.tag}
(pullPolicy Never: load them into the cluster first), and waits for the operator.
test/e2e/kind.sh runs it; the e2e global setup does the same on the node it builds.

Environment: KUBECONFIG (required); KUBECTL, HELM: binaries to use (default: the pinned
ones of test/kube/assets.sh, built once from the Go module proxy when not cached).`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'ingress-class': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const kubeconfig = process.env.KUBECONFIG;
  if (positionals.join(' ') !== 'install' || !values['ingress-class'] || !kubeconfig) {
    console.error(kubeconfig ? usage : `KUBECONFIG is not set\n\n${usage}`);
    return 2;
  }
  const tools = await e2eTools();
  await installChart({ kubeconfig, ...tools, ingressClass: values['ingress-class'] });
  console.error(`e2e: chart installed as ${RELEASE} in ${SYSTEM_NAMESPACE}; the operator is ready`);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
