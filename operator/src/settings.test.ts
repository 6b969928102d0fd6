import { describe, expect, it } from 'vitest';
import { loadOperatorSettings } from './settings.ts';

describe('loadOperatorSettings', () => {
  it('fills in defaults around the two settings that have none', () => {
    const { settings, port, resyncSeconds } = loadOperatorSettings({
      BBFN_RUNTIME_IMAGE: 'registry.example.com/bbfn/runtime:1.0.0',
      BBFN_PUBLIC_BASE_URL: 'https://api.example.com',
    });
    expect(settings).toEqual({
      runtimeImage: 'registry.example.com/bbfn/runtime:1.0.0',
      imagePullPolicy: 'IfNotPresent',
      publicBaseUrl: 'https://api.example.com',
      ingress: { className: 'nginx' },
      runtimeResources: { cpuRequest: '100m', cpuLimit: '1' },
      pool: { size: 1, port: 8090 },
    });
    expect(port).toBe(8081);
    expect(resyncSeconds).toBe(600);
  });

  it('elects a leader by default, in the pod namespace, under the pod name', () => {
    const loaded = loadOperatorSettings({
      BBFN_RUNTIME_IMAGE: 'runtime:1',
      BBFN_PUBLIC_BASE_URL: 'https://api.example.com',
      POD_NAME: 'bbfn-operator-7d9f-abcde',
      POD_NAMESPACE: 'bbfn-system',
      BBFN_OPERATOR_CONCURRENCY: '16',
    });
    expect(loaded.concurrency).toBe(16);
    expect(loaded.leaderElection).toEqual({
      enabled: true,
      leaseName: 'butterbase-functions-operator',
      leaseNamespace: 'bbfn-system',
      leaseDurationSeconds: 15,
      identity: 'bbfn-operator-7d9f-abcde',
    });
    const off = loadOperatorSettings({
      BBFN_RUNTIME_IMAGE: 'runtime:1',
      BBFN_PUBLIC_BASE_URL: 'https://api.example.com',
      BBFN_LEADER_ELECTION: 'false',
      BBFN_LEASE_NAMESPACE: 'ops',
    });
    expect(off.leaderElection).toMatchObject({ enabled: false, leaseNamespace: 'ops' });
    expect(off.leaderElection.identity).toMatch(/_\d+_[0-9a-f]{6}$/);
  });

  it('names each variable that is missing or wrong', () => {
    expect(() => loadOperatorSettings({ BBFN_IMAGE_PULL_POLICY: 'Sometimes' })).toThrow(
      /BBFN_RUNTIME_IMAGE: .*\n.*BBFN_IMAGE_PULL_POLICY: .*\n.*BBFN_PUBLIC_BASE_URL: /,
    );
  });
});

describe('loadOperatorSettings, the warm pool', () => {
  const base = { BBFN_RUNTIME_IMAGE: 'runtime:1', BBFN_PUBLIC_BASE_URL: 'https://api.example.com' };

  it('is off at size 0, and lets in the operator’s pods when it knows their namespace and labels', () => {
    expect(loadOperatorSettings({ ...base, BBFN_POOL_SIZE: '0' }).settings.pool).toBeUndefined();
    const pool = loadOperatorSettings({
      ...base,
      BBFN_POOL_SIZE: '2',
      POD_NAMESPACE: 'bbfn-system',
      BBFN_OPERATOR_POD_LABELS: '{"app.kubernetes.io/name":"butterbase-functions"}',
    }).settings.pool;
    expect(pool).toEqual({
      size: 2,
      port: 8090,
      operatorPods: {
        namespace: 'bbfn-system',
        labels: { 'app.kubernetes.io/name': 'butterbase-functions' },
      },
    });
    expect(() => loadOperatorSettings({ ...base, BBFN_POOL_SIZE: '-1' })).toThrow(/BBFN_POOL_SIZE/);
  });
});

describe('loadOperatorSettings, the JSON settings', () => {
  const base = { BBFN_RUNTIME_IMAGE: 'runtime:1', BBFN_PUBLIC_BASE_URL: 'https://api.example.com' };

  it('refuse a function pod security context that would loosen the tenant boundary, naming the field', () => {
    const refused = (securityContext: object) => () =>
      loadOperatorSettings({ ...base, BBFN_RUNTIME_POD: JSON.stringify({ securityContext }) });
    expect(refused({ runAsUser: 0 })).toThrow(
      /BBFN_RUNTIME_POD \(securityContext\.runAsUser\): function pods never run as root/,
    );
    expect(refused({ runAsNonRoot: false })).toThrow(/securityContext\.runAsNonRoot/);
    expect(refused({ seccompProfile: { type: 'Unconfined' } })).toThrow(
      /seccompProfile\.type\): seccomp stays on/,
    );
  });

  it('take an http(s) ingress probe URL, and refuse any other', () => {
    const probeUrl = 'http://traefik.kube-system.svc';
    const loaded = loadOperatorSettings({ ...base, BBFN_INGRESS_PROBE_URL: probeUrl });
    expect(loaded.settings.ingress).toEqual({ className: 'nginx', probeUrl });
    expect(() => loadOperatorSettings({ ...base, BBFN_INGRESS_PROBE_URL: 'ftp://traefik' })).toThrow(
      /BBFN_INGRESS_PROBE_URL/,
    );
  });

  it('refuse what is not JSON, and keys they do not know', () => {
    expect(() => loadOperatorSettings({ ...base, BBFN_INGRESS_ANNOTATIONS: '{nope' })).toThrow(
      /BBFN_INGRESS_ANNOTATIONS: is not JSON/,
    );
    expect(() => loadOperatorSettings({ ...base, BBFN_RUNTIME_POD: '{"nodeSelectr":{}}' })).toThrow(
      /BBFN_RUNTIME_POD: .*nodeSelectr/,
    );
  });
});
