import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { ensureHelm } from '../kube/assets.ts';
import { installRelease, SYSTEM_NAMESPACE } from './chart-release.ts';
import { startNode } from './node.ts';

const run = promisify(execFile);

// Where the tests find them (apply-latency.test.ts and others import them from here).
export { PUBLIC_HOST, SYSTEM_NAMESPACE } from './chart-release.ts';

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
    await installRelease({ helm, kubeconfig: node.kubeconfig }).catch(async (error: Error) => {
      // biome-ignore format: flags and their values read best in pairs
      const { stdout } = await run(node.kubectl, ['--kubeconfig', node.kubeconfig, '-n', SYSTEM_NAMESPACE,
        'describe', 'pods']).catch(() => ({ stdout: '' }));
      throw new Error(`${error.message}\n${stdout}`);
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
