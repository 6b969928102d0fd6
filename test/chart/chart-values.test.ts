/**
 * The chart's values: values.schema.json refuses what it does not know (and what would
 * loosen function pods' tenant boundary), values.yaml explains every value, and the
 * platform's values for function pods and their Ingresses travel through the operator's
 * settings into the objects it builds (rendered, then loaded as the operator loads them).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { V1Deployment, V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadOperatorSettings } from '../../operator/src/settings.ts';
import { sampleFunction, sampleFunctionObjects } from '../../operator/src/test-fixtures.ts';
import { CHART, lint, one, operatorEnv, render, template } from './helm-template.ts';

/** What the operator would build for an http Function, given the settings the chart rendered. */
function functionObjectsUnder(env: Record<string, string>) {
  const objects = sampleFunctionObjects(sampleFunction({ type: 'http' }), loadOperatorSettings(env).settings);
  return {
    pod: (objects.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!,
    ingress: objects.find((o) => o.kind === 'Ingress') as V1Ingress,
  };
}

describe("the chart's values", () => {
  it('are refused when unknown, at any depth, naming the key', async () => {
    for (const [flag, key] of [
      ['bogus=1', 'bogus'],
      ['operator.imagePullPolicy=Always', 'imagePullPolicy'],
      ['crds.install=true', 'install'],
      ['runtime.image.digest=sha256:0', 'digest'],
      ['metrics.serviceMonitor.intervall=1m', 'intervall'],
    ] as const) {
      const result = await template(['--set', flag]);
      expect(result.ok, flag).toBe(false);
      expect(result.out).toContain(`additional properties '${key}' not allowed`);
    }
  });

  it('are refused when they would run function pods as root or unconfined', async () => {
    for (const flag of [
      'runtime.podSecurityContext.runAsUser=0',
      'runtime.podSecurityContext.runAsNonRoot=false',
      'runtime.podSecurityContext.seccompProfile.type=Unconfined',
    ]) {
      expect((await template(['--set', flag])).ok, flag).toBe(false);
    }
  });

  it('are each explained by a comment in values.yaml', async () => {
    const lines = (await readFile(path.join(CHART, 'values.yaml'), 'utf8')).split('\n');
    const indent = (line: string) => line.length - line.trimStart().length;
    const isKey = (line: string) => /^\s*[\w.-]+:/.test(line);
    /** A key is explained by a comment above it, above a run of siblings it is in, or on its parent. */
    const explained = (at: number): boolean => {
      for (let i = at - 1; i >= 0; i--) {
        const line = lines[i]!;
        if (line.trim() === '') return false;
        if (line.trimStart().startsWith('#')) return indent(line) === indent(lines[at]!);
        if (indent(line) < indent(lines[at]!)) return explained(i);
        if (indent(line) > indent(lines[at]!)) return false;
      }
      return false;
    };
    const unexplained = lines.flatMap((line, at) => (isKey(line) && !explained(at) ? [line.trim()] : []));
    expect(unexplained).toEqual([]);
  });

  it('for function Ingresses: a TLS Secret and annotations reach each Function Ingress', async () => {
    // biome-ignore format: flags and their values read best in pairs
    const values = [
      '--set', 'ingress.host=api.example.com',
      '--set', 'ingress.tls.secretName=api-example-com-tls',
      '--set', 'ingress.annotations.cert-manager\\.io/cluster-issuer=letsencrypt',
    ];
    expect((await lint(values)).ok).toBe(true);
    const { ingress } = functionObjectsUnder(operatorEnv(await render(values)));
    expect(ingress.spec!.tls).toEqual([{ hosts: ['api.example.com'], secretName: 'api-example-com-tls' }]);
    expect(ingress.metadata!.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
  });

  it('for the ingress probe: none by default; a probe URL reaches the operator, an address that is no http(s) URL is refused', async () => {
    expect(operatorEnv(await render([])).BBFN_INGRESS_PROBE_URL).toBeUndefined();
    const probeUrl = 'http://traefik.kube-system.svc';
    const env = operatorEnv(await render(['--set', `ingress.probeUrl=${probeUrl}`]));
    expect(env.BBFN_INGRESS_PROBE_URL).toBe(probeUrl);
    expect(loadOperatorSettings(env).settings.ingress.probeUrl).toBe(probeUrl);
    expect((await template(['--set', 'ingress.probeUrl=traefik.kube-system.svc'])).ok).toBe(false);
  });

  it('for scheduling: the operator pods get theirs, and function pods theirs through the operator', async () => {
    const scheduling = `
imagePullSecrets: [{ name: ops-regcred }]
operator:
  nodeSelector: { pool: system }
  tolerations: [{ key: system, operator: Exists, effect: NoSchedule }]
  affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } }
  priorityClassName: system-cluster-critical
  resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { memory: 300Mi } }
  podSecurityContext: { runAsNonRoot: true, runAsUser: 2000, seccompProfile: { type: RuntimeDefault } }
runtime:
  nodeSelector: { pool: tenants }
  tolerations: [{ key: tenants, operator: Exists, effect: NoSchedule }]
  affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } }
  imagePullSecrets: [{ name: tenant-regcred }]
  priorityClassName: tenant-functions
  podSecurityContext: { fsGroup: 3000 }
`;
    const file = path.join(tmpdir(), `bbfn-scheduling-${process.pid}.yaml`);
    await writeFile(file, scheduling);
    const values = ['-f', file];
    const linted = await lint(values);
    const objects = await render(values).finally(() => rm(file, { force: true }));
    expect(linted.ok, linted.out).toBe(true);
    const operatorPod = one(objects, 'Deployment').spec.template.spec;
    expect(operatorPod).toMatchObject({
      imagePullSecrets: [{ name: 'ops-regcred' }],
      nodeSelector: { pool: 'system' },
      tolerations: [{ key: 'system', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      priorityClassName: 'system-cluster-critical',
      securityContext: { runAsNonRoot: true, runAsUser: 2000, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(operatorPod.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '300Mi' },
    });

    const { pod } = functionObjectsUnder(operatorEnv(objects));
    expect(pod).toMatchObject({
      nodeSelector: { pool: 'tenants' },
      tolerations: [{ key: 'tenants', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      imagePullSecrets: [{ name: 'tenant-regcred' }],
      priorityClassName: 'tenant-functions',
    });
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 3000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // With none set, the operator is told nothing, and function pods stay as they were.
    const env = operatorEnv(await render());
    expect(env).not.toHaveProperty('BBFN_RUNTIME_POD');
    expect(functionObjectsUnder(env).pod).not.toHaveProperty('nodeSelector');
  });

  it('for runtime.tcpMigrateReq: serving function pods set net.ipv4.tcp_migrate_req=1 through the operator', async () => {
    const enabled = ['--set', 'runtime.tcpMigrateReq=true'];
    const linted = await lint(enabled);
    expect(linted.ok, linted.out).toBe(true);
    const env = operatorEnv(await render(enabled));
    expect(JSON.parse(env.BBFN_RUNTIME_POD!)).toEqual({ tcpMigrateReq: true });
    expect(functionObjectsUnder(env).pod.securityContext!.sysctls).toEqual([
      { name: 'net.ipv4.tcp_migrate_req', value: '1' },
    ]);
    // Off (the default) and false alike: the operator is told nothing, the pods set no sysctl.
    for (const values of [[], ['--set', 'runtime.tcpMigrateReq=false']]) {
      const off = operatorEnv(await render(values));
      expect(off).not.toHaveProperty('BBFN_RUNTIME_POD');
      expect(functionObjectsUnder(off).pod.securityContext).not.toHaveProperty('sysctls');
    }
    const wrong = await template(['--set-string', 'runtime.tcpMigrateReq=yes']);
    expect(wrong.ok).toBe(false);
    expect(wrong.out).toContain('tcpMigrateReq');
  });

  it('for pool.size: the operator keeps that many warm pods per namespace, lets in only its own pods, or none at 0', async () => {
    const env = operatorEnv(await render(['--set', 'pool.size=2']));
    const pool = loadOperatorSettings({ ...env, POD_NAMESPACE: 'bbfn-system' }).settings.pool;
    expect(pool).toMatchObject({ size: 2 });
    // The operator Deployment's own selector labels: the NetworkPolicy's peer (resources/pool-objects.ts).
    const operator = one(await render(), 'Deployment') as unknown as V1Deployment;
    expect(pool?.operatorPods).toEqual({
      namespace: 'bbfn-system',
      labels: operator.spec!.selector.matchLabels,
    });
    expect(loadOperatorSettings(operatorEnv(await render())).settings.pool).toMatchObject({ size: 1 });
    expect(loadOperatorSettings(operatorEnv(await render(['--set', 'pool.size=0']))).settings.pool).toBe(
      undefined,
    );
    const wrong = await template(['--set', 'pool.size=-1']);
    expect(wrong.ok).toBe(false);
    expect(wrong.out).toContain('pool');
  });
});
