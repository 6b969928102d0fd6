/**
 * What a platform team sets in the chart (runtime.* scheduling values, ingress.tls and
 * ingress.annotations) reaches the objects the operator builds for every Function: the
 * pod template of its Deployment and CronJob, and its Ingress. runtime.tcpMigrateReq sets
 * the unsafe sysctl net.ipv4.tcp_migrate_req on serving pods only.
 */
import type { V1CronJob, V1Deployment, V1Ingress, V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { OperatorSettings } from '../settings.ts';
import { sampleFunction as fn, sampleFunctionObjects as objectsOf, testSettings } from '../test-fixtures.ts';
import { TCP_MIGRATE_REQ } from './runtime-pod.ts';

/** The settings as the chart's Deployment hands them over, through the environment. */
const chartSettings: OperatorSettings = testSettings({
  BBFN_INGRESS_HOST: 'api.example.com',
  BBFN_INGRESS_TLS_SECRET: 'api-example-com-tls',
  BBFN_INGRESS_ANNOTATIONS: JSON.stringify({ 'cert-manager.io/cluster-issuer': 'letsencrypt' }),
  BBFN_RUNTIME_POD: JSON.stringify({
    nodeSelector: { pool: 'tenants' },
    tolerations: [{ key: 'tenants', operator: 'Exists', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    imagePullSecrets: [{ name: 'regcred' }],
    priorityClassName: 'tenant-functions',
    securityContext: { fsGroup: 2000, runAsUser: 1000700000 },
  }),
});

const byKind = <T>(objects: { kind?: string }[], kind: string) => objects.find((o) => o.kind === kind) as T;

function expectPlaced(pod: V1PodSpec) {
  expect(pod.nodeSelector).toEqual({ pool: 'tenants' });
  expect(pod.tolerations).toEqual([{ key: 'tenants', operator: 'Exists', effect: 'NoSchedule' }]);
  expect(pod.affinity).toEqual({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } });
  expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  expect(pod.priorityClassName).toBe('tenant-functions');
  // Added to the tenant boundary, which stays: non-root, RuntimeDefault seccomp.
  expect(pod.securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: 1000700000,
    runAsGroup: 10001,
    fsGroup: 2000,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(pod.automountServiceAccountToken).toBe(false);
}

describe("the platform's options on Function objects", () => {
  it("place an http Function's pods and dress its Ingress with TLS and annotations", () => {
    const objects = objectsOf(fn({ type: 'http', config: { method: 'GET', auth: 'none' } }), chartSettings);
    expectPlaced(byKind<V1Deployment>(objects, 'Deployment').spec!.template.spec!);
    const ingress = byKind<V1Ingress>(objects, 'Ingress');
    expect(ingress.metadata!.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec!.tls).toEqual([{ hosts: ['api.example.com'], secretName: 'api-example-com-tls' }]);
    expect(ingress.spec!.rules![0]!.host).toBe('api.example.com');
  });

  it("place a cron Function's Job pods the same way", () => {
    const objects = objectsOf(fn({ type: 'cron', config: { schedule: '0 9 * * *' } }), chartSettings);
    expectPlaced(byKind<V1CronJob>(objects, 'CronJob').spec!.jobTemplate.spec!.template.spec!);
  });

  it('leave the objects as they were when none are set', () => {
    const objects = objectsOf(fn({ type: 'http' }), testSettings());
    const pod = byKind<V1Deployment>(objects, 'Deployment').spec!.template.spec!;
    for (const field of ['nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets', 'priorityClassName'])
      expect(pod).not.toHaveProperty(field);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const ingress = byKind<V1Ingress>(objects, 'Ingress');
    expect(ingress.metadata).not.toHaveProperty('annotations');
    expect(ingress.spec).not.toHaveProperty('tls');
  });

  it('set net.ipv4.tcp_migrate_req=1 on serving pods when enabled, beside sysctls of the platform', () => {
    const settingsWith = (runtimePod: object) =>
      testSettings({ BBFN_RUNTIME_POD: JSON.stringify(runtimePod) });
    const podsOf = (settings: OperatorSettings) => ({
      serving: byKind<V1Deployment>(objectsOf(fn({ type: 'http' }), settings), 'Deployment').spec!.template
        .spec!,
      cron: byKind<V1CronJob>(
        objectsOf(fn({ type: 'cron', config: { schedule: '0 9 * * *' } }), settings),
        'CronJob',
      ).spec!.jobTemplate.spec!.template.spec!,
    });

    const enabled = podsOf(settingsWith({ tcpMigrateReq: true }));
    expect(enabled.serving.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
      sysctls: [{ name: 'net.ipv4.tcp_migrate_req', value: '1' }],
    });
    // A CronJob's pod listens on no port: nothing to hand over, so no unsafe sysctl to allow.
    expect(enabled.cron.securityContext).not.toHaveProperty('sysctls');

    const platformSysctl = { name: 'net.ipv4.tcp_syncookies', value: '1' };
    const both = podsOf(
      settingsWith({ tcpMigrateReq: true, securityContext: { sysctls: [platformSysctl] } }),
    );
    expect(both.serving.securityContext!.sysctls).toEqual([platformSysctl, TCP_MIGRATE_REQ]);
    expect(both.cron.securityContext!.sysctls).toEqual([platformSysctl]);
    // The platform's own value for it wins: it is not set twice.
    const own = { name: TCP_MIGRATE_REQ.name, value: '0' };
    const theirs = podsOf(settingsWith({ tcpMigrateReq: true, securityContext: { sysctls: [own] } }));
    expect(theirs.serving.securityContext!.sysctls).toEqual([own]);

    for (const off of [{ tcpMigrateReq: false }, {}])
      expect(podsOf(settingsWith(off)).serving.securityContext).not.toHaveProperty('sysctls');
  });

  it('refuse a tcpMigrateReq that is not a boolean', () => {
    expect(() => testSettings({ BBFN_RUNTIME_POD: JSON.stringify({ tcpMigrateReq: 'yes' }) })).toThrow(
      /BBFN_RUNTIME_POD \(tcpMigrateReq\)/,
    );
  });
});
