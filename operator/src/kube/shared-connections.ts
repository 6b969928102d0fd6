import type { Cluster, KubeConfig } from '@kubernetes/client-node';

/** What createDispatcher returns: an undici Dispatcher, or none for plain HTTP. */
type Dispatcher = object | undefined;
interface DispatcherFactory {
  createDispatcher?: (cluster: Cluster | null, agentOptions: object) => Dispatcher;
}

/**
 * Makes every API call of `kc` share one connection pool. @kubernetes/client-node 2.0.1
 * builds a new undici Agent for each call (KubeConfig.applySecurityAuthentication →
 * createDispatcher, not cached as its https agents are), so each call opened its own
 * TLS connection, with a handshake, and left it open in keep-alive: 1,000 Functions
 * took ~6,000 handshakes and the operator's RSS to ~470 MiB (bench/RESULTS.md). Here
 * the Agent is made once per cluster and user and reused, as client-go reuses its
 * transport. Credentials sent as headers (tokens, refreshed per call) are unaffected; a
 * client certificate is read once, as client-go reads it.
 * If a later client-node renames the method this does nothing, and the operator works
 * as before, only slower.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const factory = kc as unknown as DispatcherFactory;
  const create = factory.createDispatcher?.bind(kc);
  if (!create) return kc;
  const agents = new Map<string, Dispatcher>();
  factory.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([cluster?.name, cluster?.server, kc.getCurrentUser()?.name]);
    if (!agents.has(key)) agents.set(key, create(cluster, agentOptions));
    return agents.get(key);
  };
  return kc;
}
