import { createHash } from 'node:crypto';

const MANAGED_BY = 'butterbase-functions';
/** The label naming a child's Function: what maps a child's change back to its Function. */
export const FUNCTION_LABEL = 'butterbase.ai/function';

/** Labels every object made for a Function carries; the first two select its pods. */
export function functionLabels(functionName: string): Record<string, string> {
  return {
    ...selectorLabels(functionName),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [FUNCTION_LABEL]: functionName,
  };
}

/** Selects every object made for any Function (the operator's watches of what it owns). */
export const FUNCTION_OBJECTS_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY},${FUNCTION_LABEL}`;

export function selectorLabels(functionName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'butterbase-function', 'app.kubernetes.io/instance': functionName };
}

/**
 * The annotation on a pod template (and so on its pods and Jobs) naming the revision it
 * runs, and the label on a revision's ConfigMap: how the operator tells the current
 * revision's pods from older ones.
 */
export const REVISION_KEY = 'butterbase.ai/revision';

/**
 * On every warm pool pod (resources/pool-objects.ts): `warm` while it waits in its
 * namespace's pool (the pool's Deployment selects it), `specialized` once the operator
 * made it a Function's (pool/specializer.ts), until that Function's own pods serve.
 */
export const POOL_LABEL = 'butterbase.ai/pool';
export const POOL_STATE = { warm: 'warm', specialized: 'specialized' } as const;

const MAX_NAME = 63;

/**
 * The name of a Function's Deployment, Service, CronJob and Ingress: `fn-<name>`. A
 * Service name is a DNS label of at most 63 characters, which a 63-character Function
 * name plus the prefix is not, so a long one is cut and keeps a hash of the whole.
 */
export function workloadName(functionName: string): string {
  const name = `fn-${functionName}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(functionName).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9).replace(/-+$/, '')}-${hash}`;
}

/** The name of the port of a Function's Service (and its pods' serving port's). */
export const SERVICE_PORT_NAME = 'http';

/** A revision's ConfigMap: content-addressed, so a new bundle is a new object and pods roll. */
export function revisionConfigMapName(functionName: string, revision: string): string {
  return `${workloadName(functionName)}-${revision}`;
}
