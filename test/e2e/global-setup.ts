import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { e2eTools, installRelease, operatorReady, releaseValues } from './chart-release.ts';
import { EXISTING_CLUSTER_ENV, existingCluster } from './existing-cluster.ts';
import { INGRESS_CLASS_NAME, startNode } from './node.ts';

// Where the tests find them (apply-latency.test.ts and others import them from here).
export { PUBLIC_HOST, SYSTEM_NAMESPACE } from './chart-release.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: {
      kubeconfig: string;
      kubectl: string;
      helm: string;
      /** The ingress controller's HTTP entrypoint; requests set the Host header of the Function URL. */
      ingressUrl: string;
      postgresUrl: string;
      podPostgresUrl: string;
      /** True on the node this run built (test/e2e/node.ts), false on a cluster from KUBECONFIG. */
      ownNode: boolean;
    };
  }
}

/**
 * One cluster per run, with the chart installed as a platform team would: the operator runs
 * as the chart's Deployment, from this checkout's images. With BBFN_E2E_INGRESS_URL set, the
 * cluster of KUBECONFIG (kind.sh's, or a `cluster.ts up` node) with the chart already
 * installed, and the other URLs of existing-cluster.ts; else a real node built here
 * (test/e2e/node.ts).
 */
export default async function setup(project: TestProject) {
  // The ingress URL decides: KUBECONFIG alone may be set for the kube suites of the same run.
  if (process.env[EXISTING_CLUSTER_ENV.ingressUrl]) {
    const cluster = existingCluster(process.env, existsSync);
    const tools = await e2eTools();
    await operatorReady(cluster.kubeconfig, tools.kubectl);
    console.error(
      `e2e: using the cluster of KUBECONFIG=${cluster.kubeconfig}, ingress ${cluster.ingressUrl}`,
    );
    project.provide('e2e', { ...cluster, ...tools, ownNode: false });
    return;
  }
  if (process.env.KUBECONFIG)
    console.error(
      `e2e: KUBECONFIG is set but ${EXISTING_CLUSTER_ENV.ingressUrl} is not: building a node (set it, and the others of test/e2e/existing-cluster.ts, to use that cluster)`,
    );
  const node = await startNode();
  try {
    const tools = await e2eTools();
    const began = performance.now();
    // `deployed` waits for Traefik to route to the new revision (the operator's ingress probe).
    const values = [...releaseValues(INGRESS_CLASS_NAME), '--set', `ingress.probeUrl=${node.podIngressUrl}`];
    await installRelease({ kubeconfig: node.kubeconfig, ...tools }, values);
    console.error(
      `e2e: chart installed, operator ready in ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
    project.provide('e2e', {
      kubeconfig: node.kubeconfig,
      ...tools,
      ingressUrl: node.ingressUrl,
      postgresUrl: node.postgresUrl,
      podPostgresUrl: node.podPostgresUrl,
      ownNode: true,
    });
  } catch (error) {
    await node.stop();
    throw error;
  }
  return () => node.stop();
}
