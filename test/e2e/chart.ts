// The chart on an e2e cluster, as a platform team installs it: `node test/e2e/chart.ts --help`.
import { parseArgs } from 'node:util';
import { runMain } from '../support/command-line.ts';
import {
  e2eTools,
  installRelease,
  PUBLIC_HOST,
  RELEASE,
  releaseValues,
  SYSTEM_NAMESPACE,
} from './chart-release.ts';
import { E2E_IMAGES } from './images.ts';

const usage = `Usage: node test/e2e/chart.ts install --ingress-class <name> [--help]

Installs this checkout's chart (charts/butterbase-functions) as release "${RELEASE}" in
namespace ${SYSTEM_NAMESPACE} of the cluster KUBECONFIG names, as the e2e suite expects it:
publicBaseUrl http://${PUBLIC_HOST}, the ingress class given, the images
${E2E_IMAGES.operator.repository}:${E2E_IMAGES.operator.tag} and ${E2E_IMAGES.runtime.repository}:${E2E_IMAGES.runtime.tag}
(pullPolicy Never: load them into the cluster first), runtime.tcpMigrateReq=true (every
node's kubelet must allow the unsafe sysctl net.ipv4.tcp_migrate_req: allowedUnsafeSysctls),
and waits for the operator.
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
  await installRelease({ kubeconfig, ...tools }, releaseValues(values['ingress-class']));
  console.error(`e2e: chart installed as ${RELEASE} in ${SYSTEM_NAMESPACE}; the operator is ready`);
  return 0;
}

if (import.meta.main) runMain(() => main(process.argv.slice(2)));
