import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';
import { ensureKubeBinaries } from './assets.ts';
import { startControlPlane } from './cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of an admin kubeconfig for the cluster the kube suites run against. */
    kubeconfig: string;
  }
}

/**
 * One Kubernetes API per test run, shared by the kube suites (each makes its own
 * namespaces). With KUBECONFIG set the suites use that cluster and nothing is started.
 */
export default async function setup(project: TestProject) {
  const external = process.env.KUBECONFIG;
  if (external) return useExisting(project, external);

  const bins = await ensureKubeBinaries();
  if (bins.build) console.error(`kube: binaries ${bins.build.version} built in ${bins.build.seconds} s`);
  const began = performance.now();
  const plane = await startControlPlane(bins);
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.error(`kube: control plane ready in ${seconds} s (binaries: ${bins.dir})`);
  project.provide('kubeconfig', plane.kubeconfig);
  return async () => {
    console.error('kube: stopping the control plane');
    await plane.stop();
  };
}

/**
 * KUBECONFIG may list several files, some missing (kubectl skips those); the suites load
 * one file, so a list is merged into one, the first file's current context winning.
 */
async function useExisting(project: TestProject, kubeconfig: string) {
  const files = kubeconfig.split(path.delimiter).filter((file) => file && existsSync(file));
  const [first, ...others] = files;
  if (!first) throw new Error(`KUBECONFIG=${kubeconfig} names no existing file`);
  if (others.length === 0) {
    console.error(`kube: using the cluster of KUBECONFIG=${first}; starting nothing`);
    project.provide('kubeconfig', first);
    return;
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(first);
    for (const file of others) {
      const next = new KubeConfig();
      next.loadFromFile(file);
      kc.mergeConfig(next, Boolean(kc.currentContext));
    }
  } catch (error) {
    throw new Error(`could not merge the files of KUBECONFIG=${kubeconfig}`, { cause: error });
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-kubeconfig-'));
  const merged = path.join(dir, 'kubeconfig');
  await writeFile(merged, kc.exportConfig(), { mode: 0o600 });
  console.error(
    `kube: using context ${kc.getCurrentContext()} of KUBECONFIG=${kubeconfig}; starting nothing`,
  );
  project.provide('kubeconfig', merged);
  return () => rm(dir, { recursive: true, force: true });
}
