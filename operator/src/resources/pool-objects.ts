import type { V1Deployment, V1NetworkPolicy, V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { DEFAULT_FUNCTION_LIMITS } from '../../../api/v1alpha1/function-limits.ts';
import { RUNTIME_IMAGE } from '../../../runtime-image/src/image-layout.ts';
import { permissionFlagsFor } from '../../../runtime-image/src/permission.ts';
import { RUNTIME_ENV } from '../../../runtime-image/src/runtime-env.ts';
import type { OperatorSettings, PoolSettings } from '../settings.ts';
import { POOL_LABEL, POOL_STATE, SERVICE_PORT_NAME } from './names.ts';
import {
  CONTAINER_SECURITY_CONTEXT,
  HTTP_CONTAINER_PORT,
  HTTP_PORT,
  RUNTIME_CONTAINER,
  runtimeResources,
  SERVING_LIFECYCLE,
  SPOOL_DIR,
  SPOOL_VOLUME,
  tenantPodSpec,
} from './runtime-pod.ts';

/** The pool's Deployment, its token Secret and its NetworkPolicy, in each namespace that has one. */
export const POOL_NAME = 'bbfn-pool';
export const POOL_TOKEN_SECRET = 'bbfn-pool-token';
export const POOL_TOKEN_KEY = 'token';
/** The name of the pool pods' specialize port. */
export const POOL_PORT_NAME = 'pool';
/** Selects the warm pods and the pool's Deployment (the operator's watch of its pools). */
const POOL_APP_NAME = 'butterbase-pool';
export const POOL_DEPLOYMENT_SELECTOR = `app.kubernetes.io/name=${POOL_APP_NAME}`;

const poolSelector = { 'app.kubernetes.io/name': POOL_APP_NAME, [POOL_LABEL]: POOL_STATE.warm };
const poolLabels = { ...poolSelector, 'app.kubernetes.io/managed-by': 'butterbase-functions' };

/**
 * A Deployment of warm runtime pods: the runtime image in pool mode (pool/pool-host.ts in
 * the image), locked down and placed as function pods are, with their serving port by the
 * same name and number (a Function's Service reaches a specialized one), sized for a
 * Function of the default limits (a bigger one is not handed to the pool). Its readiness
 * probe asks the pool port: warm, then serving the function it was given. No liveness
 * probe: until it has a function nothing listens on the serving port, and a specialized
 * pod lives only until its Function's own pods are available. Owned by some of the
 * namespace's serving Functions (pool/warm-pool.ts): garbage collection removes it with them.
 */
export function poolDeployment(
  namespace: string,
  pool: PoolSettings,
  settings: OperatorSettings,
  owners: V1OwnerReference[],
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: POOL_NAME, namespace, labels: poolLabels, ownerReferences: owners },
    spec: {
      replicas: pool.size,
      revisionHistoryLimit: 2,
      selector: { matchLabels: poolSelector },
      template: {
        metadata: { labels: poolLabels },
        spec: {
          containers: [
            {
              name: RUNTIME_CONTAINER,
              image: settings.runtimeImage,
              imagePullPolicy: settings.imagePullPolicy,
              command: poolCommand(pool.port),
              env: [
                { name: RUNTIME_ENV.port, value: String(HTTP_PORT) },
                { name: RUNTIME_ENV.spoolDir, value: SPOOL_DIR },
                { name: RUNTIME_ENV.poolPort, value: String(pool.port) },
                {
                  name: RUNTIME_ENV.poolToken,
                  valueFrom: { secretKeyRef: { name: POOL_TOKEN_SECRET, key: POOL_TOKEN_KEY } },
                },
              ],
              volumeMounts: [{ name: SPOOL_VOLUME.name, mountPath: SPOOL_DIR }],
              resources: runtimeResources(DEFAULT_FUNCTION_LIMITS.memoryMb, settings),
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: CONTAINER_SECURITY_CONTEXT,
              ports: [
                HTTP_CONTAINER_PORT,
                { name: POOL_PORT_NAME, containerPort: pool.port, protocol: 'TCP' },
              ],
              readinessProbe: {
                httpGet: { path: '/readyz', port: POOL_PORT_NAME },
                periodSeconds: 2,
                failureThreshold: 2,
              },
              lifecycle: SERVING_LIFECYCLE,
            },
          ],
          volumes: [SPOOL_VOLUME],
          ...tenantPodSpec('serve', settings),
        },
      },
    },
  };
}

/** The pool pods' command line: Node under the permission model, with no function mounted (runtime-pod.ts). */
function poolCommand(port: number): string[] {
  const env = {
    [RUNTIME_ENV.spoolDir]: SPOOL_DIR,
    [RUNTIME_ENV.poolPort]: String(port),
    NODE_COMPILE_CACHE: RUNTIME_IMAGE.compileCache,
  };
  return ['node', ...permissionFlagsFor(env, RUNTIME_IMAGE.codeRoot), RUNTIME_IMAGE.podEntry];
}

/** The token a specialize request must carry: made once, kept; it lives as long as the pool's Deployment. */
export function poolTokenSecret(namespace: string, token: string, owner: V1OwnerReference): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: POOL_TOKEN_SECRET, namespace, labels: poolLabels, ownerReferences: [owner] },
    type: 'Opaque',
    stringData: { [POOL_TOKEN_KEY]: token },
  };
}

/**
 * Only the operator's pods reach a pool pod's specialize port; the serving port is open
 * as a function pod's is (a specialized pod serves a Function's Service). It selects
 * specialized pods too (the label stays, with another value): their port answers
 * /readyz and refuses a second function, and stays closed to others.
 */
export function poolNetworkPolicy(
  namespace: string,
  pool: PoolSettings,
  owner: V1OwnerReference,
): V1NetworkPolicy {
  const operator = pool.operatorPods;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: POOL_NAME, namespace, labels: poolLabels, ownerReferences: [owner] },
    spec: {
      podSelector: { matchExpressions: [{ key: POOL_LABEL, operator: 'Exists' }] },
      policyTypes: ['Ingress'],
      ingress: [
        ...(operator
          ? [
              {
                _from: [
                  {
                    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': operator.namespace } },
                    podSelector: { matchLabels: operator.labels },
                  },
                ],
                ports: [{ port: POOL_PORT_NAME, protocol: 'TCP' }],
              },
            ]
          : []),
        { ports: [{ port: SERVICE_PORT_NAME, protocol: 'TCP' }] },
      ],
    },
  };
}
