import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { shareConnections } from './shared-connections.ts';

const kubeconfig = (server: string) => ({
  clusters: [{ name: 'c', server, caData: Buffer.from('not checked here').toString('base64') }],
  users: [{ name: 'u', token: 'secret' }],
  contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
  currentContext: 'ctx',
});

type WithFactory = { createDispatcher(cluster: unknown, options: object): unknown };

describe('shareConnections', () => {
  it('gives every API call of one cluster and user the same connection pool', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions(kubeconfig('https://127.0.0.1:6443'));
    const plain = kc as unknown as WithFactory;
    // What client-node does on its own: a new pool per call.
    expect(plain.createDispatcher(kc.getCurrentCluster(), { ca: 'x' })).not.toBe(
      plain.createDispatcher(kc.getCurrentCluster(), { ca: 'x' }),
    );
    shareConnections(kc);
    const first = plain.createDispatcher(kc.getCurrentCluster(), { ca: 'x' });
    expect(first).toBeDefined();
    expect(plain.createDispatcher(kc.getCurrentCluster(), { ca: 'x' })).toBe(first);
  });
});
