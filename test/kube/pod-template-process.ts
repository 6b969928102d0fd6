import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, type KubeConfig, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { RUNTIME_ENV } from '../../runtime-image/src/runtime-env.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');

/**
 * Runs a pod template the operator made as a kubelet would, minus the container: its
 * environment resolved from the real Secrets (secretKeyRef), its revision ConfigMap's
 * files written where the env says, the runtime's entry in a process of its own. No
 * node is needed, and the pod gets nothing the template does not give it.
 */
export async function launchPodTemplate(
  kc: KubeConfig,
  namespace: string,
  template: V1PodTemplateSpec,
): Promise<PodProcess & { cleanup(): Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const container = template.spec!.containers[0]!;
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (!ref) {
      env[entry.name] = entry.value ?? '';
      continue;
    }
    const secret = await core.readNamespacedSecret({ namespace, name: ref.name! }).catch((error: unknown) => {
      if (ref.optional) return undefined;
      throw error;
    });
    const encoded = secret?.data?.[ref.key];
    if (encoded === undefined) {
      if (ref.optional) continue;
      throw new Error(`Secret ${ref.name} has no key ${ref.key}`);
    }
    env[entry.name] = Buffer.from(encoded, 'base64').toString('utf8');
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'bbfn-pod-'));
  const configMapName = template.spec!.volumes!.find((v) => v.configMap)!.configMap!.name!;
  const configMap = await core.readNamespacedConfigMap({ namespace, name: configMapName });
  const mountDir = container.volumeMounts![0]!.mountPath;
  for (const [file, text] of Object.entries(configMap.data ?? {}))
    await writeFile(path.join(dir, file), text);
  for (const name of [RUNTIME_ENV.functionFile, RUNTIME_ENV.bundleFile]) {
    if (env[name]) env[name] = env[name].replace(mountDir, dir);
  }
  // Loopback and an ephemeral port instead of the container's; one serving worker.
  delete env[RUNTIME_ENV.port];
  env[RUNTIME_ENV.workers] = '1';
  const pod = launchPod(POD_ENTRY, env);
  return {
    ...pod,
    cleanup: async () => {
      await pod.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
