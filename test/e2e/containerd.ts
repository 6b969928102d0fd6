import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { type ManagedProcess, startProcess } from '../kube/process.ts';
import { waitFor } from '../support/wait.ts';
import type { NodeBinaries } from './assets.ts';
import { NODE_NETWORK } from './network.ts';

const run = promisify(execFile);

/** The CRI namespace the kubelet's images and containers live in. */
export const CRI_NAMESPACE = 'k8s.io';
export const SANDBOX_IMAGE = 'docker.io/bbfn-e2e/pause:1';

export interface Containerd {
  process: ManagedProcess;
  /** unix socket path */
  socket: string;
  /** `ctr -n k8s.io images import -` of a `docker save` stream, by image reference. */
  importFromDocker(image: string): Promise<void>;
}

/**
 * containerd for the kubelet, everything under `dir` (root, state, runc's state, CNI
 * config and IPAM data, the pods' network namespaces), so the host is untouched
 * outside it but for the bridge. Config version 4 keys, as MACHINE.md records.
 */
export async function startContainerd(bins: NodeBinaries, dir: string, logFile: string): Promise<Containerd> {
  const sub = async (name: string) => {
    const p = path.join(dir, name);
    await mkdir(p, { recursive: true });
    return p;
  };
  const socket = path.join(dir, 'containerd.sock');
  const cniConf = await sub('cni');
  await writeFile(path.join(cniConf, '10-bbfn-e2e.conflist'), JSON.stringify(cniConfig(await sub('ipam'))));
  const config = `version = 4
root = ${JSON.stringify(await sub('root'))}
state = ${JSON.stringify(await sub('state'))}

[plugins.'io.containerd.server.v1.grpc']
  address = ${JSON.stringify(socket)}

[plugins.'io.containerd.cri.v1.runtime']
  # This environment lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj, and every
  # sandbox fails ("failed to update /proc/self/oom_score_adj: Permission denied").
  restrict_oom_score_adj = true
  enable_selinux = false
  netns_mounts_under_state_dir = true

  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['/usr/lib/cni']
    conf_dir = ${JSON.stringify(cniConf)}
    max_conf_num = 1

  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
    runtime_type = 'io.containerd.runc.v2'

    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
      BinaryName = '/usr/sbin/runc'
      Root = ${JSON.stringify(await sub('runc'))}
      SystemdCgroup = false

[plugins.'io.containerd.cri.v1.images']
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    # Nothing can be pulled here: our own pause image (FROM scratch), imported first.
    sandbox = '${SANDBOX_IMAGE}'
`;
  const configFile = path.join(dir, 'config.toml');
  await writeFile(configFile, config);
  const process = startProcess('containerd', bins.containerd, ['--config', configFile], logFile, {
    // It finds containerd-shim-runc-v2 on PATH.
    PATH: `${bins.containerdShimDir}:${globalThis.process.env.PATH}`,
  });
  await waitFor('containerd to listen', 30_000, async () => {
    if (process.hasExited()) throw new Error(`containerd exited:\n${await process.logTail()}`);
    return existsSync(socket);
  });
  return {
    process,
    socket,
    async importFromDocker(image) {
      const command = `docker save ${shellQuote(image)} | ${shellQuote(bins.ctr)} --address ${shellQuote(socket)} -n ${CRI_NAMESPACE} images import -`;
      await run('bash', ['-o', 'pipefail', '-c', command], {
        timeout: 300_000,
        maxBuffer: 16 * 2 ** 20,
      }).catch((error: { stderr?: string }) => {
        throw new Error(`importing ${image} into containerd failed: ${error.stderr ?? ''}`, { cause: error });
      });
    },
  };
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** Bridge + host-local IPAM on the harness's own bridge; no masquerade (no way out). */
function cniConfig(ipamDir: string) {
  return {
    cniVersion: '1.0.0',
    name: 'bbfn-e2e',
    plugins: [
      {
        type: 'bridge',
        bridge: NODE_NETWORK.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: ipamDir,
          ranges: [[{ subnet: NODE_NETWORK.podCidr, gateway: NODE_NETWORK.nodeIp }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
    ],
  };
}
