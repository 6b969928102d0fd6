/**
 * The e2e node's addresses: one home. Its own bridge and ranges, apart from Docker's
 * (docker0, 172.17.0.0/16) and from the kube suites' control planes (loopback only).
 */
export const NODE_NETWORK = {
  /** Linux bridge the pods' veths attach to (at most 15 characters). */
  bridge: 'bbfne2e0',
  /** The pods' range (host-local IPAM). */
  podCidr: '10.217.0.0/24',
  /**
   * The bridge's address: the node IP, where kube-apiserver, the kubelet and Postgres
   * listen for pods, and the pods' gateway.
   */
  nodeIp: '10.217.0.1',
  prefixLength: 24,
  /** Cluster IPs; routed to the bridge so kube-proxy DNATs them before they could leave. */
  serviceCidr: '10.217.1.0/24',
  /** The `kubernetes` Service's cluster IP. */
  apiServiceIp: '10.217.1.1',
} as const;

export const NODE_NAME = 'bbfn-e2e-node';
