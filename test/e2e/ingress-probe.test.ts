/**
 * `deployed` means the ingress answers from the revision (the operator's ingress probe,
 * operator/src/controller/ingress-probes.ts; the chart's ingress.probeUrl, set by
 * global-setup.ts to Traefik's entrypoint on the bridge): each new Function's first
 * request through Traefik after its status says `deployed`, sent once and not retried,
 * is answered by its handler, never the controller's 404.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PROBE_HEADER, REVISION_HEADER } from '../../runtime-image/src/http/ingress-probe.ts';
import { PUBLIC_HOST } from './chart-release.ts';
import { kubectl, kubectlOk, viaIngress } from './client.ts';
import { functionReports } from './resource-waits.ts';

const namespace = `e2e-probe-${Date.now().toString(36)}`;
const RUNS = 3;

const fn = (name: string) => ({
  apiVersion: 'butterbase.ai/v1alpha1',
  kind: 'Function',
  metadata: { name },
  spec: {
    appId: 'probed',
    trigger: { type: 'http', config: { method: 'GET', auth: 'none' } },
    code: `export async function handler() { return new Response(${JSON.stringify(name)}); }`,
  },
});

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', namespace]);
  const app = {
    apiVersion: 'butterbase.ai/v1alpha1',
    kind: 'App',
    metadata: { name: 'probed' },
    spec: { appId: 'probed' },
  };
  await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(app));
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

it(`answers the first request after deployed from the new Function (${RUNS} Functions)`, async () => {
  for (let i = 0; i < RUNS; i++) {
    const name = `probed-${i}`;
    await kubectlOk(['-n', namespace, 'apply', '-f', '-'], stringify(fn(name)));
    const deployed = await functionReports(namespace, name, 'deployed');
    expect(deployed.status?.url).toBe(`http://${PUBLIC_HOST}/v1/probed/fn/${name}`);
    const first = await viaIngress(deployed.status!.url!);
    expect({ status: first.status, body: first.body }, name).toEqual({ status: 200, body: name });
    // The probe's answer is the revision id alone, to anyone, through the ingress too.
    const probe = await viaIngress(deployed.status!.url!, { headers: { [PROBE_HEADER]: '1' } });
    expect(probe.status).toBe(204);
    expect(probe.headers[REVISION_HEADER]).toMatch(/^[0-9a-f]{12}$/);
  }
});
