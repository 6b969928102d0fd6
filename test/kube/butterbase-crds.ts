import path from 'node:path';
import { kubectl } from './kubectl.ts';

const CRDS_DIR = path.join(import.meta.dirname, '../../crds');
const CRD_NAMES = ['apps.butterbase.ai', 'functions.butterbase.ai'];

/**
 * Applies crds/ with kubectl and waits until they serve; the returned function removes
 * them again, unless the cluster had them before (a KUBECONFIG cluster keeps its own).
 */
export async function installButterbaseCrds(): Promise<() => Promise<void>> {
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
