import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { E2E_IMAGES } from './images.ts';
import { INGRESS_CLASS_NAME } from './node.ts';

const run = promisify(execFile);
export const CHART = path.join(import.meta.dirname, '../../charts/butterbase-functions');
/** The release the e2e run installs, as a platform team would, and where. */
export const RELEASE = 'bbfn';
export const SYSTEM_NAMESPACE = 'butterbase-system';
/** Function URLs are {publicBaseUrl}/v1/{appId}/fn/{name}; requests carry this host. */
export const PUBLIC_HOST = 'fn.bbfn-e2e.test';

/** The values of the e2e release: this checkout's images, Traefik's ingress class. */
// biome-ignore format: flags and their values read best in pairs
export const RELEASE_VALUES = [
  '--set', `publicBaseUrl=http://${PUBLIC_HOST}`,
  '--set', `ingress.className=${INGRESS_CLASS_NAME}`,
  '--set', `operator.image.repository=${E2E_IMAGES.operator.repository}`,
  '--set', `operator.image.tag=${E2E_IMAGES.operator.tag}`,
  '--set', 'operator.image.pullPolicy=Never',
  '--set', `runtime.image.repository=${E2E_IMAGES.runtime.repository}`,
  '--set', `runtime.image.tag=${E2E_IMAGES.runtime.tag}`,
  '--set', 'runtime.image.pullPolicy=Never',
];

export interface HelmTarget {
  helm: string;
  kubeconfig: string;
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

/** Installs the e2e release with its values (the global setup, and after the lifecycle test's uninstall). */
export function installRelease(target: HelmTarget): Promise<string> {
  return helmRelease(target, ['install', RELEASE, CHART, '--create-namespace', ...RELEASE_VALUES]);
}
