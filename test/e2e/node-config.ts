import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { TCP_MIGRATE_REQ } from '../../operator/src/resources/runtime-pod.ts';
import { leaf, type Pki } from '../kube/certs.ts';
import { writeKubeconfig } from '../kube/kubeconfig.ts';
import { NODE_NAME, NODE_NETWORK } from './network.ts';
import { TRAEFIK_USER } from './traefik-rbac.ts';

/** Certificates of the node's components, made in the control plane's CA. */
export interface NodePki {
  pki: Pki;
  dir: string;
  /** kube-apiserver → kubelet (kubectl logs/exec): system:masters. */
  kubeletClient: string;
  /** The kubelet's serving certificate, for the node IP. */
  kubeletServing: string;
  /** The kubelet's own identity: system:node:<name> in system:nodes. */
  node: string;
  scheduler: string;
  proxy: string;
  /** Traefik: reads Ingresses, Services, EndpointSlices, Secrets (traefik-rbac.ts). */
  traefik: string;
}

/** Issues the node's certificates; returns them with the API server flags that use them. */
export async function createNodePki(
  pki: Pki,
  dir: string,
): Promise<{ node: NodePki; apiserverArgs: string[] }> {
  const file = (name: string) => path.join(dir, name);
  const client = ['extendedKeyUsage=clientAuth'];
  await Promise.all([
    leaf(pki, file('kubelet-client'), '/O=system:masters/CN=kube-apiserver-kubelet-client', client),
    leaf(pki, file('kubelet-serving'), `/CN=${NODE_NAME}`, [
      `subjectAltName=IP:${NODE_NETWORK.nodeIp},DNS:${NODE_NAME}`,
      'extendedKeyUsage=serverAuth',
    ]),
    leaf(pki, file('node'), `/O=system:nodes/CN=system:node:${NODE_NAME}`, client),
    leaf(pki, file('scheduler'), '/CN=system:kube-scheduler', client),
    leaf(pki, file('proxy'), '/CN=system:kube-proxy', client),
    // No group: the user's rights are the ClusterRole of traefik-rbac.ts, nothing more.
    leaf(pki, file('traefik'), `/CN=${TRAEFIK_USER}`, client),
  ]);
  const node: NodePki = {
    pki,
    dir,
    kubeletClient: file('kubelet-client'),
    kubeletServing: file('kubelet-serving'),
    node: file('node'),
    scheduler: file('scheduler'),
    proxy: file('proxy'),
    traefik: file('traefik'),
  };
  const apiserverArgs = [
    `--kubelet-client-certificate=${node.kubeletClient}.crt`,
    `--kubelet-client-key=${node.kubeletClient}.key`,
    `--kubelet-certificate-authority=${pki.caCert}`,
    // Else `kubectl logs` makes the API server resolve the node's name through the
    // machine's resolver: a DNS lookup leaving the machine.
    '--kubelet-preferred-address-types=InternalIP',
  ];
  return { node, apiserverArgs };
}

export async function componentKubeconfig(
  node: NodePki,
  server: string,
  name: 'node' | 'scheduler' | 'proxy' | 'traefik',
): Promise<string> {
  const file = path.join(node.dir, `${name}.kubeconfig`);
  await writeKubeconfig(file, {
    server,
    caCert: node.pki.caCert,
    clientCert: `${node[name]}.crt`,
    clientKey: `${node[name]}.key`,
    user: name,
  });
  return file;
}

export interface KubeletPorts {
  port: number;
  healthz: number;
}

/** MACHINE.md's working kubelet configuration for this machine kind. */
export async function writeKubeletConfig(
  file: string,
  node: NodePki,
  ports: KubeletPorts,
  containerdSocket: string,
): Promise<void> {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // This machine has cgroup v1; the kubelet refuses it unless told.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    // Pods need no DNS (the database URL is an IP) and must not use the machine's resolver.
    resolvConf: '',
    address: NODE_NETWORK.nodeIp,
    port: ports.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.healthz,
    tlsCertFile: `${node.kubeletServing}.crt`,
    tlsPrivateKeyFile: `${node.kubeletServing}.key`,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: node.pki.caCert },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${containerdSocket}`,
    serializeImagePulls: false,
    // A shared machine: do not evict our pods because others fill the disk.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    nodeStatusReportFrequency: '10s',
    podCIDR: NODE_NETWORK.podCidr,
    // The e2e install sets runtime.tcpMigrateReq: function pods may set this unsafe sysctl.
    allowedUnsafeSysctls: [TCP_MIGRATE_REQ.name],
    // Inside the run directory, not /var/log/pods (its /var/log/containers links host.sh removes).
    podLogsDir: path.join(path.dirname(file), 'pod-logs'),
  };
  await writeFile(file, stringify(config));
}

export async function writeKubeProxyConfig(
  file: string,
  kubeconfig: string,
  ports: { healthz: number; metrics: number },
): Promise<void> {
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    clusterCIDR: NODE_NETWORK.podCidr,
    bindAddress: NODE_NETWORK.nodeIp,
    healthzBindAddress: `127.0.0.1:${ports.healthz}`,
    metricsBindAddress: `127.0.0.1:${ports.metrics}`,
    nodePortAddresses: ['primary'],
    // Zeros: leave the machine's conntrack sysctls alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
  await writeFile(file, stringify(config));
}
