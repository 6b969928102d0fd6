import path from 'node:path';
import { runAssetsScript } from '../kube/assets.ts';

/** Paths of the e2e node's binaries (test/e2e/assets.sh). */
export interface NodeBinaries {
  kubelet: string;
  kubeScheduler: string;
  kubeProxy: string;
  pause: string;
  containerd: string;
  containerdShimDir: string;
  ctr: string;
  traefik: string;
}

const script = path.join(import.meta.dirname, 'assets.sh');

/**
 * Builds what is missing (cold: many minutes, progress on stderr) and returns the paths;
 * runc and the CNI plugins are checked (and, as root, installed from Debian) too.
 */
export async function ensureNodeBinaries(): Promise<NodeBinaries> {
  const [node, containerd, traefik] = (await runAssetsScript(script, 'all')).split('\n') as [
    string,
    string,
    string,
  ];
  return {
    kubelet: path.join(node, 'kubelet'),
    kubeScheduler: path.join(node, 'kube-scheduler'),
    kubeProxy: path.join(node, 'kube-proxy'),
    pause: path.join(node, 'pause'),
    containerd: path.join(containerd, 'containerd'),
    containerdShimDir: containerd,
    ctr: path.join(containerd, 'ctr'),
    traefik: path.join(traefik, 'traefik'),
  };
}
