/**
 * `deployed` with an ingress probe URL set (controller/ingress-probes.ts): once a new
 * revision's pods are available, the operator probes the ingress controller with the
 * function's public host and path, and says deployed only when the answer names that
 * revision; until then pending (IngressNotConfigured), and after long, a Warning. The
 * operator is real, on the real control plane; the ingress controller is a test double
 * (a loopback HTTP server whose route table the test sets, as Traefik's lags its
 * provider), answering as a runtime pod does (runtime-image/src/http/ingress-probe.ts).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_HEADER, REVISION_HEADER } from '../../runtime-image/src/http/ingress-probe.ts';
import { RUNTIME_ENV } from '../../runtime-image/src/runtime-env.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import {
  conditionsByType,
  eventsOf,
  eventsSeen,
  functionStatus,
  runningAndReady,
  servedRevision,
  setFunctionCode,
  setRevisionPods,
} from './function-pods.ts';
import { applyExamples, getJson, kubectl } from './kubectl.ts';
import { startTestOperator, type TestOperator, testOperatorSettings } from './operator-fixture.ts';

const namespace = butterbaseNamespace('ingress-probe');

/** The ingress double: which revision answers for which host and path; nothing routed answers 404. */
const routes = new Map<string, string>();
const seen: { host: string | undefined; url: string | undefined; headers: IncomingHttpHeaders }[] = [];
let ingress: Server;
let operator: TestOperator | undefined;

const hello = () => functionStatus(namespace, 'hello');
const byType = conditionsByType;
const setCode = (code: string) => setFunctionCode(namespace, 'hello', code);

/** Waits for hello's status of its current generation to have Ready with `reason`. */
const helloReady = (reason: string) =>
  waitFor(`hello's Ready reason to be ${reason}`, 30_000, async () => {
    const fn = await hello();
    const current = fn.status?.observedGeneration === fn.metadata.generation;
    const ready = byType(fn.status?.conditions).Ready;
    return current && ready?.reason === reason ? fn : undefined;
  });

async function startOperator(reportAfterMs?: number): Promise<TestOperator> {
  const { port } = ingress.address() as AddressInfo;
  const settings = {
    ...testOperatorSettings,
    ingress: { ...testOperatorSettings.ingress, probeUrl: `http://127.0.0.1:${port}` },
  };
  return startTestOperator({
    settings,
    ...(reportAfterMs !== undefined ? { ingressProbeReportAfterMs: reportAfterMs } : {}),
  });
}

beforeAll(async () => {
  ingress = createServer((request, response) => {
    seen.push({ host: request.headers.host, url: request.url, headers: request.headers });
    const revision = routes.get(`${request.headers.host}${request.url}`);
    if (revision && request.headers[PROBE_HEADER] !== undefined)
      response.writeHead(204, { [REVISION_HEADER]: revision }).end();
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
  });
  await new Promise<void>((resolve) => ingress.listen(0, '127.0.0.1', resolve));
  await applyExamples(namespace, 'app.yaml', 'hello/function.yaml');
  operator = await startOperator();
});

afterAll(async () => {
  await operator?.stop();
  await new Promise((resolve) => ingress?.close(resolve));
});

const ROUTE = 'fn.example.com/v1/demo/fn/hello';

describe('deployed with an ingress probe', () => {
  it('stays pending (IngressNotConfigured) while the ingress answers 404, deployed once it routes to the revision', async () => {
    const revision = await waitFor('the Deployment', 30_000, () =>
      servedRevision(namespace, 'hello').catch(() => undefined),
    );
    // The pods answer the probe with the revision the operator gave them.
    const deployment = await getJson<{
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    }>(namespace, ['deploy', 'fn-hello']);
    const env = deployment.spec.template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === RUNTIME_ENV.revision)?.value).toBe(revision);

    await setRevisionPods(namespace, 'hello', revision, runningAndReady());
    const waiting = await helloReady('IngressNotConfigured');
    expect(waiting.status?.status).toBe('pending');
    const { Ready, Reconciling } = byType(waiting.status?.conditions);
    expect(Ready).toMatchObject({ status: 'False' });
    expect(Reconciling).toMatchObject({ status: 'True', reason: 'IngressNotConfigured' });
    expect(Ready!.message).toContain(`Revision ${revision}: its pods serve; waiting for the ingress`);
    expect(Ready!.message).toContain('HTTP 404 without a revision');
    // The probe went to the function's path with its public host, and said it was one.
    const probe = seen.find((s) => `${s.host}${s.url}` === ROUTE);
    expect(probe?.headers[PROBE_HEADER]).toBeDefined();

    // Traefik reloads: the URL now reaches the revision. The operator's backoff probes again.
    const before = seen.length;
    routes.set(ROUTE, revision);
    const deployed = await helloReady('Available');
    expect(deployed.status?.status).toBe('deployed');
    expect(byType(deployed.status?.conditions).Reconciling).toBeUndefined();
    expect(seen.length).toBeGreaterThan(before);
    expect(await eventsSeen(namespace, 'hello', 'RolledOut')).toMatchObject([{ type: 'Normal' }]);
  });

  it('holds a new revision pending while the ingress still answers from the old one', async () => {
    const old = await servedRevision(namespace, 'hello');
    expect((await setCode('export async function handler() { return new Response("v2"); }')).ok).toBe(true);
    const revision = await waitFor('a new revision', 30_000, async () => {
      const now = await servedRevision(namespace, 'hello');
      return now !== old ? now : undefined;
    });
    await setRevisionPods(namespace, 'hello', revision, runningAndReady());
    const waiting = await helloReady('IngressNotConfigured');
    expect(byType(waiting.status?.conditions).Ready!.message).toContain(`revision ${old} answered`);
    routes.set(ROUTE, revision);
    expect((await helloReady('Available')).status?.status).toBe('deployed');
  });

  it('reports a probe that keeps failing: IngressProbeFailing in the condition and one Warning Event', async () => {
    // Another operator, one that reports after 1 s (the default is 2 min); the first one stops.
    await operator?.stop();
    operator = await startOperator(1_000);
    routes.clear();
    expect((await setCode('export async function handler() { return new Response("v3"); }')).ok).toBe(true);
    const revision = await waitFor('a third revision', 30_000, async () => {
      const fn = await hello();
      return fn.status?.observedGeneration === fn.metadata.generation
        ? servedRevision(namespace, 'hello')
        : undefined;
    });
    await setRevisionPods(namespace, 'hello', revision, runningAndReady());
    const failing = await helloReady('IngressProbeFailing');
    expect(failing.status?.status).toBe('pending');
    const ready = byType(failing.status?.conditions).Ready!;
    expect(ready.message).toMatch(/has not routed fn\.example\.com\/v1\/demo\/fn\/hello to it for over 1 s/);
    const warnings = await eventsSeen(namespace, 'hello', 'IngressProbeFailing');
    expect(warnings).toMatchObject([{ type: 'Warning' }]);
    // Still probed: once routed, deployed; and the Warning was recorded once only.
    routes.set(ROUTE, revision);
    await helloReady('Available');
    expect(await eventsOf(namespace, 'hello', 'IngressProbeFailing')).toHaveLength(1);
  });
});
