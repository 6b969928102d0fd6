/**
 * The chart's life as a platform team lives it, on the e2e release `bbfn` itself: the
 * NOTES' own App and Function (from `helm get notes`) serve; `helm upgrade` with a changed
 * CRD (a test-only printer column, in a copy of the chart) and changed values updates the
 * CRD and reaches the Functions' objects; `helm uninstall` removes the operator and keeps
 * the CRDs, the Functions and their serving pods, as the chart's README section says.
 *
 * Other suites share the release: vitest runs the e2e files one at a time
 * (fileParallelism: false), and this one installs the release again, with the global
 * values it had (`helm get values`), before it ends (also when it fails), so suites after it find it as before.
 * Reinstalling under the same name adopts the kept CRDs.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../support/wait.ts';
import {
  CHART,
  type HelmTarget,
  helmRelease,
  installRelease,
  RELEASE,
  SYSTEM_NAMESPACE,
} from './chart-release.ts';
import { kubectl, kubectlOk, viaIngress } from './client.ts';

const namespace = `e2e-helm-${Date.now().toString(36)}`;
/**
 * The NOTES' appId (demo) is the examples suite's too: two Apps claiming one appId is a
 * conflict, and one of them would deploy nothing, so this suite gives its App its own.
 */
const APP_ID = 'helm-lifecycle';
const CRDS = ['apps.butterbase.ai', 'functions.butterbase.ai'];
const RELEASE_SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
let target: HelmTarget & { kubectl: string };
let dir: string;
/** The release's values as the global setup (or kind.sh) installed them, to install it again. */
let installedValues: string;

/** The manifests NOTES.txt tells a person to apply (between <<'YAML' and YAML). */
function notesManifests(notes: string): string {
  const found = /<<'YAML'\n([\s\S]*?)\nYAML\n/.exec(notes);
  if (!found) throw new Error(`NOTES.txt has no manifests:\n${notes}`);
  const manifests = found[1]!.replaceAll(/appId: demo\b/g, `appId: ${APP_ID}`);
  expect(manifests).toContain(`appId: ${APP_ID}`);
  return manifests;
}

async function helloAnswers(): Promise<string> {
  const url = await kubectlOk(['-n', namespace, 'get', 'fn', 'hello', '-o', 'jsonpath={.status.url}']);
  const response = await viaIngress(url);
  return `${response.status} ${response.body}`;
}

const releaseInstalled = async () =>
  (
    await kubectl(['-n', SYSTEM_NAMESPACE, 'get', 'deploy', '-l', RELEASE_SELECTOR, '-o', 'name'])
  ).out.trim() !== '';

beforeAll(async () => {
  const { helm, kubeconfig, kubectl: kubectlBinary } = inject('e2e');
  target = { helm, kubeconfig, kubectl: kubectlBinary };
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-helm-lifecycle-'));
  installedValues = path.join(dir, 'installed-values.yaml');
  await writeFile(installedValues, await helmRelease(target, ['get', 'values', RELEASE, '-o', 'yaml']));
  await kubectlOk(['create', 'namespace', namespace]);
});

afterAll(async () => {
  // Put the release back as the global setup made it, for the suites that follow.
  if (target && installedValues && !(await releaseInstalled()))
    await installRelease(target, ['-f', installedValues]);
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the chart through helm upgrade and helm uninstall', () => {
  it("serves the NOTES' own App and Function, as a person following them would", async () => {
    const notes = await helmRelease(target, ['get', 'notes', RELEASE]);
    await kubectlOk(['-n', namespace, 'apply', '-f', '-'], notesManifests(notes));
    await kubectlOk(['-n', namespace, 'wait', '--for=condition=Ready', 'fn/hello', '--timeout=120s']);
    await waitFor('hello to answer through the ingress', 60_000, async () =>
      (await helloAnswers()) === '200 {"hello":"world"}' ? true : undefined,
    );
  });

  it('upgrades the CRDs and the values: a new printer column, and Ingress annotations on every Function', async () => {
    // A test-only copy of the chart whose Function CRD has one more printer column.
    const changed = path.join(dir, 'chart');
    await cp(CHART, changed, { recursive: true });
    const crdFile = path.join(changed, 'templates/crds/butterbase.ai_functions.yaml');
    const crd = await readFile(crdFile, 'utf8');
    const columns = /^(\s*)additionalPrinterColumns:\n/m.exec(crd)!;
    const indent = `${columns[1]}  `;
    const column = `${indent}- name: Lifecycle\n${indent}  type: string\n${indent}  jsonPath: .spec.appId\n`;
    await writeFile(crdFile, crd.replace(columns[0], `${columns[0]}${column}`));

    // biome-ignore format: flags and their values read best in pairs
    await helmRelease(target, ['upgrade', RELEASE, changed, '--reuse-values',
      '--set', 'ingress.annotations.e2e\\.butterbase\\.ai/upgraded=yes']);

    const printed = await kubectlOk([
      'get',
      'crd',
      'functions.butterbase.ai',
      '-o',
      'jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}',
    ]);
    expect(printed.split(' ')).toContain('Lifecycle');
    const table = await kubectlOk(['-n', namespace, 'get', 'fn', 'hello']);
    expect(table.split('\n')[0]).toMatch(/LIFECYCLE/);
    // The new operator applies every Function afresh with the new settings.
    await waitFor("the upgraded values on hello's Ingress", 60_000, async () => {
      const got = await kubectl([
        '-n',
        namespace,
        'get',
        'ingress',
        'fn-hello',
        '-o',
        "jsonpath={.metadata.annotations['e2e\\.butterbase\\.ai/upgraded']}",
      ]);
      return got.out === 'yes' ? true : undefined;
    });
    expect(await helloAnswers()).toBe('200 {"hello":"world"}');

    // And back to the chart as it is: the column goes again.
    await helmRelease(target, ['upgrade', RELEASE, CHART, '--reuse-values']);
    const restored = await kubectlOk([
      'get',
      'crd',
      'functions.butterbase.ai',
      '-o',
      'jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}',
    ]);
    expect(restored.split(' ')).not.toContain('Lifecycle');
  });

  it('uninstalls the operator and keeps the CRDs, the Functions and their serving pods', async () => {
    await helmRelease(target, ['uninstall', RELEASE]);
    expect(await releaseInstalled()).toBe(false);
    const clusterRoles = await kubectlOk(['get', 'clusterrole', '-l', RELEASE_SELECTOR, '-o', 'name']);
    expect(clusterRoles.trim()).toBe('');
    for (const crd of CRDS) expect((await kubectl(['get', 'crd', crd])).ok, crd).toBe(true);
    const fn = JSON.parse(await kubectlOk(['-n', namespace, 'get', 'fn', 'hello', '-o', 'json']));
    expect(fn.status.status).toBe('deployed');
    // Its objects are the Function's, not the release's: they keep serving without an operator.
    expect(await helloAnswers()).toBe('200 {"hello":"world"}');

    // Installed again under the same name, the release adopts the kept CRDs.
    await installRelease(target, ['-f', installedValues]);
    for (const crd of CRDS) {
      const owner = await kubectlOk([
        'get',
        'crd',
        crd,
        '-o',
        "jsonpath={.metadata.annotations['meta\\.helm\\.sh/release-name']}",
      ]);
      expect(owner).toBe(RELEASE);
    }
    await kubectlOk(['-n', namespace, 'wait', '--for=condition=Ready', 'fn/hello', '--timeout=120s']);
  });
});
