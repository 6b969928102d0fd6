import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { kubectl } from './kubectl.ts';

const CRDS_DIR = path.join(import.meta.dirname, '../../crds');
export const CRD_NAMES = ['apps.butterbase.ai', 'functions.butterbase.ai'];

/**
 * Waits (bounded) until no Butterbase CRD is terminating. Suites remove the CRDs they
 * installed with `--wait=false`, and the API server deletes every custom object before the
 * CRD goes: a CRD still terminating looks Established, yet refuses creates ("create not
 * allowed while custom resource definition is terminating"), so the next suite must wait.
 */
export async function crdsSettled(): Promise<void> {
  const listed = await kubectl([
    'get',
    'crd',
    ...CRD_NAMES,
    '--ignore-not-found',
    '-o',
    'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{" "}{end}',
  ]);
  const terminating = listed.ok ? listed.out.trim().split(/\s+/).filter(Boolean) : [];
  if (terminating.length === 0) return;
  const gone = await kubectl([
    'wait',
    '--for=delete',
    '--timeout=120s',
    ...terminating.map((n) => `crd/${n}`),
  ]);
  if (!gone.ok) throw new Error(`the CRDs ${terminating.join(', ')} are still terminating: ${gone.out}`);
}

/**
 * Applies crds/ with kubectl and waits until they serve; the returned function removes
 * them again, unless the cluster had them before (a KUBECONFIG cluster keeps its own).
 */
export async function installButterbaseCrds(): Promise<() => Promise<void>> {
  await crdsSettled();
  const hadThem = (await kubectl(['get', 'crd', ...CRD_NAMES])).ok;
  const applied = await kubectl(['apply', '-f', CRDS_DIR]);
  if (!applied.ok) throw new Error(`kubectl apply -f crds/ failed: ${applied.out}`);
  const ready = await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...CRD_NAMES.map((n) => `crd/${n}`),
  ]);
  if (!ready.ok) throw new Error(`the CRDs did not become established: ${ready.out}`);
  return async () => {
    if (!hadThem) await kubectl(['delete', '-f', CRDS_DIR, '--wait=false']);
  };
}

/**
 * For a suite: the CRDs installed and a namespace of its own (`<prefix>-<time>`) for the
 * suite's objects, both removed after it. Returns the namespace's name.
 */
export function butterbaseNamespace(prefix: string): string {
  const namespace = `${prefix}-${Date.now().toString(36)}`;
  let removeCrds: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    removeCrds = await installButterbaseCrds();
    const created = await kubectl(['create', 'namespace', namespace]);
    if (!created.ok) throw new Error(`kubectl create namespace ${namespace} failed: ${created.out}`);
  });
  afterAll(async () => {
    await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    await removeCrds?.();
  });
  return namespace;
}
