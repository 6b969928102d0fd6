import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { ensureHelm } from '../kube/assets.ts';
import { E2E_IMAGES } from './images.ts';
import { INGRESS_CLASS_NAME, startNode } from './node.ts';

const run = promisify(execFile);
const CHART = path.join(import.meta.dirname, '../../charts/butterbase-functions');
/** Function URLs are {publicBaseUrl}/v1/{appId}/fn/{name}; requests carry this host. */
export const PUBLIC_HOST = 'fn.bbfn-e2e.test';
export const SYSTEM_NAMESPACE = 'butterbase-system';
/** Apps whose management API routes get a rule on the ingress (management.test.ts). */
export const API_APP_IDS = ['app_abc123', 'app_e2e_other'];

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: {
      kubeconfig: string;
      kubectl: string;
      helm: string;
      /** Traefik's entrypoint on loopback; requests set the Host header of the Function URL. */
      ingressUrl: string;
      postgresUrl: string;
      podPostgresUrl: string;
    };
  }
}

/**
 * One real node per run (test/e2e/node.ts), the chart installed on it as a platform team
 * would: the operator runs as the chart's Deployment, from this checkout's images.
 */
export default async function setup(project: TestProject) {
  const node = await startNode();
  try {
    const helm = await ensureHelm();
    const began = performance.now();
    // biome-ignore format: flags and their values read best in pairs
    await run(helm, [
      'install', 'bbfn', CHART, '--kubeconfig', node.kubeconfig,
      '--namespace', SYSTEM_NAMESPACE, '--create-namespace',
      '--set', `publicBaseUrl=http://${PUBLIC_HOST}`,
      '--set', `ingress.className=${INGRESS_CLASS_NAME}`,
      '--set', `api.ingress.appIds={${API_APP_IDS.join(',')}}`,
      '--set', `operator.image.repository=${E2E_IMAGES.operator.repository}`,
      '--set', `operator.image.tag=${E2E_IMAGES.operator.tag}`,
      '--set', 'operator.image.pullPolicy=Never',
      '--set', `runtime.image.repository=${E2E_IMAGES.runtime.repository}`,
      '--set', `runtime.image.tag=${E2E_IMAGES.runtime.tag}`,
      '--set', 'runtime.image.pullPolicy=Never',
      '--wait', '--timeout', '180s',
    ], { timeout: 240_000 }).catch(async (error: { stderr?: string }) => {
      const { stdout } = await run(node.kubectl, ['--kubeconfig', node.kubeconfig, '-n', SYSTEM_NAMESPACE,
        'describe', 'pods']).catch(() => ({ stdout: '' }));
      throw new Error(`helm install failed: ${error.stderr ?? error}\n${stdout}`);
    });
    console.error(
      `e2e: chart installed, operator ready in ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
    project.provide('e2e', {
      kubeconfig: node.kubeconfig,
      kubectl: node.kubectl,
      helm,
      ingressUrl: node.ingressUrl,
      postgresUrl: node.postgresUrl,
      podPostgresUrl: node.podPostgresUrl,
    });
  } catch (error) {
    await node.stop();
    throw error;
  }
  return () => node.stop();
}
