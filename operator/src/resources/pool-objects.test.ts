import { describe, expect, it } from 'vitest';
import { OPERATOR_ENV } from '../settings.ts';
import { testSettings } from '../test-fixtures.ts';
import { poolDeployment, poolNetworkPolicy } from './pool-objects.ts';

const settings = testSettings({
  [OPERATOR_ENV.runtimePod]: JSON.stringify({ nodeSelector: { pool: 'tenants' } }),
});
const pool = { size: 2, port: 8090 };
const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'bbfn-pool', uid: 'd1' };

describe('the warm pool’s objects', () => {
  it('run the runtime image in pool mode, locked down and placed as function pods are', () => {
    const deployment = poolDeployment('team-a', pool, settings, []);
    const spec = deployment.spec!.template.spec!;
    const [container] = spec.containers;
    expect(deployment.spec!.replicas).toBe(2);
    // Under the permission model, with no child processes: a pool pod is always handed a bundle.
    expect(container!.command).toContain('--permission');
    expect(container!.command).not.toContain('--allow-child-process');
    expect(container!.command!.at(-1)).toBe('/app/dist/main.mjs');
    expect(container!.env!.map((e) => e.name)).toEqual([
      'PORT',
      'BBFN_SPOOL_DIR',
      'BBFN_POOL_PORT',
      'BBFN_POOL_TOKEN',
    ]);
    expect(container!.env![3]!.valueFrom?.secretKeyRef).toEqual({ name: 'bbfn-pool-token', key: 'token' });
    expect(spec.nodeSelector).toEqual({ pool: 'tenants' });
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container!.livenessProbe).toBeUndefined();
    // The pool's selector is not the Function's: a relabelled pod leaves the one for the other.
    expect(deployment.spec!.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'butterbase-pool',
      'butterbase.ai/pool': 'warm',
    });
  });

  it('let only the operator’s pods reach the pool port, and anyone the serving port', () => {
    const operatorPods = { namespace: 'bbfn-system', labels: { 'app.kubernetes.io/component': 'operator' } };
    const policy = poolNetworkPolicy('team-a', { ...pool, operatorPods }, owner);
    expect(policy.spec!.ingress).toEqual([
      {
        _from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'bbfn-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/component': 'operator' } },
          },
        ],
        ports: [{ port: 'pool', protocol: 'TCP' }],
      },
      { ports: [{ port: 'http', protocol: 'TCP' }] },
    ]);
    // An operator outside the cluster is no pod: the pool port lets no pod in.
    expect(poolNetworkPolicy('team-a', pool, owner).spec!.ingress).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }] },
    ]);
  });
});
