import type { V1Container, V1EnvVar, V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from '../../../runtime-image/src/host/background-limits.ts';
import { RUNTIME_ENV } from '../../../runtime-image/src/runtime-env.ts';
import type { OperatorSettings } from '../settings.ts';
import { functionLabels, revisionConfigMapName } from './names.ts';
import { BUNDLE_FILE, FUNCTION_FILE, MOUNT_DIR, type Revision } from './revision.ts';

/** How long a serving pod keeps serving after it is marked terminating (see preStop). */
const PRE_STOP_SECONDS = 5;
export const HTTP_PORT = 8080;
/** The image's user (Dockerfile); the pod runs as it, never as root. */
const RUNTIME_USER = 10001;
/** What the runtime itself takes beside the handler's heap: Node, the host, a worker. */
const RUNTIME_OVERHEAD_MB = 96;

export type RuntimeRole = 'serve' | 'run-once';

/**
 * The pod a Function's revision runs in: the runtime image with the revision's
 * ConfigMap mounted, the App's database and auth settings in the environment the
 * runtime reads (runtime-env.ts), locked down as the design's tenant boundary has it
 * (non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, no
 * service-account token). `serve` answers HTTP (a Deployment's pods); `run-once` runs
 * the handler once and exits (a CronJob's).
 */
export function runtimePodTemplate(
  fn: FunctionResource,
  app: AppResource,
  revision: Revision,
  settings: OperatorSettings,
  role: RuntimeRole,
): V1PodTemplateSpec {
  const container: V1Container = {
    name: 'runtime',
    image: settings.runtimeImage,
    imagePullPolicy: settings.imagePullPolicy,
    ...(role === 'run-once' ? { command: ['node', '/app/dist/run-once.mjs'] } : {}),
    env: runtimeEnv(app),
    volumeMounts: [{ name: 'revision', mountPath: MOUNT_DIR, readOnly: true }],
    resources: runtimeResources(fn, settings),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    ...(role === 'serve'
      ? {
          ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
          readinessProbe: {
            httpGet: { path: '/readyz', port: 'http' },
            periodSeconds: 2,
            failureThreshold: 2,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'http' },
            periodSeconds: 10,
            failureThreshold: 3,
          },
          // The ingress controller learns of a terminating pod from EndpointSlices a moment
          // after the kubelet signals it; serving on for a few seconds before SIGTERM keeps
          // requests in that moment from meeting a closed port (502s in the e2e rollout test).
          lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
        }
      : {}),
  };
  const spec: V1PodSpec = {
    containers: [container],
    volumes: [
      { name: 'revision', configMap: { name: revisionConfigMapName(fn.metadata.name, revision.id) } },
    ],
    automountServiceAccountToken: false,
    // The handler sees its envVars only; service links would add every Service's address.
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUNTIME_USER,
      runAsGroup: RUNTIME_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // SIGTERM: finish requests and ctx.waitUntil work (capped), flush the invocation log.
    terminationGracePeriodSeconds:
      PRE_STOP_SECONDS + Math.ceil(drainLimitFor(BACKGROUND_LIMIT_MS) / 1000) + 5,
    ...(role === 'run-once' ? { restartPolicy: 'Never' } : {}),
  };
  return {
    metadata: {
      labels: functionLabels(fn.metadata.name),
      annotations: { 'butterbase.ai/revision': revision.id },
    },
    spec,
  };
}

function runtimeEnv(app: AppResource): V1EnvVar[] {
  const { database, auth, roles } = app.spec;
  const env: V1EnvVar[] = [
    { name: RUNTIME_ENV.port, value: String(HTTP_PORT) },
    { name: RUNTIME_ENV.functionFile, value: `${MOUNT_DIR}/${FUNCTION_FILE}` },
    { name: RUNTIME_ENV.bundleFile, value: `${MOUNT_DIR}/${BUNDLE_FILE}` },
    { name: RUNTIME_ENV.userRole, value: roles.user },
    { name: RUNTIME_ENV.serviceRole, value: roles.service },
  ];
  const secret = (name: string, ref: { name: string; key: string } | undefined) => {
    if (ref) env.push({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });
  };
  const value = (name: string, text: string | undefined) => {
    if (text) env.push({ name, value: text });
  };
  secret(RUNTIME_ENV.databaseUrl, database.urlSecretRef);
  secret(RUNTIME_ENV.jwtSecret, auth.jwt.secretRef);
  value(RUNTIME_ENV.jwksUrl, auth.jwt.jwksUrl);
  value(RUNTIME_ENV.jwtIssuer, auth.jwt.issuer);
  const audience = auth.jwt.audience;
  value(RUNTIME_ENV.jwtAudience, Array.isArray(audience) ? audience.join(',') : audience);
  return env;
}

/**
 * Memory for the runtime's own use plus the handler's heap cap once per serving worker
 * and once more (a worker stopped for outgrowing it is replaced before it ends). The
 * runtime starts one worker per CPU of its limit, rounded up, or two without one
 * (runtime-image/src/cpu-limit.ts). CPU as the operator is configured.
 */
function runtimeResources(fn: FunctionResource, settings: OperatorSettings) {
  const { memoryMb } = fn.spec.limits;
  const { cpuRequest, cpuLimit } = settings.runtimeResources;
  const workers = cpuLimit ? Math.ceil(cpuCores(cpuLimit)) : 2;
  return {
    requests: { cpu: cpuRequest, memory: `${RUNTIME_OVERHEAD_MB + memoryMb}Mi` },
    limits: {
      ...(cpuLimit ? { cpu: cpuLimit } : {}),
      memory: `${RUNTIME_OVERHEAD_MB + (workers + 1) * memoryMb}Mi`,
    },
  };
}

/** A CPU quantity ("500m", "2") in cores. */
export function cpuCores(quantity: string): number {
  const milli = /^(\d+)m$/.exec(quantity);
  const cores = milli ? Number(milli[1]) / 1000 : Number(quantity);
  if (!Number.isFinite(cores) || cores <= 0) throw new Error(`Not a CPU quantity: ${quantity}`);
  return cores;
}
