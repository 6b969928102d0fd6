import type {
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Sysctl,
} from '@kubernetes/client-node';
import type { AppResource } from '../../../api/v1alpha1/app.types.ts';
import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { BACKGROUND_LIMIT_MS, drainLimitFor } from '../../../runtime-image/src/host/background-limits.ts';
import { RUNTIME_IMAGE } from '../../../runtime-image/src/image-layout.ts';
import { permissionFlagsFor } from '../../../runtime-image/src/permission.ts';
import { RUNTIME_ENV } from '../../../runtime-image/src/runtime-env.ts';
import type { RuntimePodOptions } from '../runtime-pod-options.ts';
import type { OperatorSettings } from '../settings.ts';
import { APP_SECRET_KEYS, appSecretName } from './app-secret.ts';
import { functionLabels, REVISION_KEY, revisionConfigMapName, SERVICE_PORT_NAME } from './names.ts';
import { BUNDLE_FILE, FUNCTION_FILE, MOUNT_DIR, type Revision } from './revision.ts';

/** How long a serving pod keeps serving after it is marked terminating (see preStop). */
const PRE_STOP_SECONDS = 5;
export const HTTP_PORT = 8080;
/** The serving port, by the name the Function's Service targets (names.ts SERVICE_PORT_NAME). */
export const HTTP_CONTAINER_PORT = { name: SERVICE_PORT_NAME, containerPort: HTTP_PORT, protocol: 'TCP' };
/** The one container of a runtime pod, as pod statuses name it. */
export const RUNTIME_CONTAINER = 'runtime';
export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};
/**
 * The ingress controller learns of a terminating pod from EndpointSlices a moment after
 * the kubelet signals it; serving on for a few seconds before SIGTERM keeps requests in
 * that moment from meeting a closed port (502s in the e2e rollout test).
 */
export const SERVING_LIFECYCLE = { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } };
/** The image's user (Dockerfile); the pod runs as it, never as root. */
const RUNTIME_USER = 10001;
/** What the runtime itself takes beside the handler's heap: Node, the host, a worker. */
const RUNTIME_OVERHEAD_MB = 96;

export type RuntimeRole = 'serve' | 'run-once';

/**
 * With it, the kernel hands the connections a retiring serving worker's SO_REUSEPORT
 * listener had queued, not yet accepted, to the pod's other listeners instead of resetting
 * them (Linux >= 5.14; runtime-image/src/http/connection-drain.ts). Kubernetes counts it as
 * unsafe: a kubelet refuses the pod unless its allowedUnsafeSysctls names it, so it is set
 * only when the platform says so (the chart's runtime.tcpMigrateReq).
 */
export const TCP_MIGRATE_REQ: V1Sysctl = { name: 'net.ipv4.tcp_migrate_req', value: '1' };

/** The pod template's hash of the App's runtime Secret (App status.credentialsRevision). */
export const CREDENTIALS_ANNOTATION = 'butterbase.ai/credentials';

/**
 * Where a serving pod spools invocation records and console lines before Postgres has
 * them (runtime-image/src/invocations/spool.ts): an emptyDir, so what a crashed or
 * killed container left is replayed by its restart. It lives as long as the pod.
 */
export const SPOOL_DIR = '/var/spool/bbfn';
/** Above the runtime's own cap on the spool (256 MiB), so the kubelet never evicts the pod for it. */
export const SPOOL_VOLUME = { name: 'spool', emptyDir: { sizeLimit: '300Mi' } };

/**
 * The pod a Function's revision runs in: the runtime image with the revision's
 * ConfigMap mounted, the App's database login and auth settings in the environment the
 * runtime reads (runtime-env.ts; the login and the API keys from the App's runtime
 * Secret, resources/app-secret.ts), locked down as the design's tenant boundary has it
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
    name: RUNTIME_CONTAINER,
    image: settings.runtimeImage,
    imagePullPolicy: settings.imagePullPolicy,
    command: runtimeCommand(role),
    env: [
      ...functionPodEnv(fn, app),
      ...(role === 'serve'
        ? [
            { name: RUNTIME_ENV.spoolDir, value: SPOOL_DIR },
            // What the pod answers the ingress probe with (controller/ingress-probes.ts).
            { name: RUNTIME_ENV.revision, value: revision.id },
          ]
        : []),
    ],
    volumeMounts: [
      { name: 'revision', mountPath: MOUNT_DIR, readOnly: true },
      ...(role === 'serve' ? [{ name: 'spool', mountPath: SPOOL_DIR }] : []),
    ],
    resources: runtimeResources(fn.spec.limits.memoryMb, settings),
    // A container that exits with an error leaves its last log lines (the runtime's fatal
    // error) as its termination message, which the Function's status quotes.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: CONTAINER_SECURITY_CONTEXT,
    ...(role === 'serve'
      ? {
          ports: [HTTP_CONTAINER_PORT],
          // A serving worker that blocked is replaced within ~1.5 s (its probe waits in the
          // accept queue and is answered by the new one): a 3 s timeout and 3 failures keep a
          // one-replica function in its Service through back-to-back hand-overs, where 1 s × 2
          // took it out and kube-proxy refused its connections.
          readinessProbe: {
            httpGet: { path: '/readyz', port: 'http' },
            periodSeconds: 2,
            timeoutSeconds: 3,
            failureThreshold: 3,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'http' },
            periodSeconds: 10,
            failureThreshold: 3,
          },
          lifecycle: SERVING_LIFECYCLE,
        }
      : {}),
  };
  const spec: V1PodSpec = {
    containers: [container],
    volumes: [
      { name: 'revision', configMap: { name: revisionConfigMapName(fn.metadata.name, revision.id) } },
      ...(role === 'serve' ? [SPOOL_VOLUME] : []),
    ],
    ...tenantPodSpec(role, settings),
    ...(role === 'run-once' ? { restartPolicy: 'Never' } : {}),
  };
  const credentials = app.status?.credentialsRevision;
  return {
    metadata: {
      labels: functionLabels(fn.metadata.name),
      annotations: {
        [REVISION_KEY]: revision.id,
        // New API keys or a new database login roll the pods (resources/app-secret.ts).
        ...(credentials ? { [CREDENTIALS_ANNOTATION]: credentials } : {}),
      },
    },
    spec,
  };
}

/**
 * What every runtime pod's spec has, a function's or a warm pool's (pool-deployment.ts):
 * the tenant boundary, where the platform places them, and time to drain.
 */
export function tenantPodSpec(role: RuntimeRole, settings: OperatorSettings): Partial<V1PodSpec> {
  return {
    automountServiceAccountToken: false,
    // The handler sees its envVars only; service links would add every Service's address.
    enableServiceLinks: false,
    securityContext: podSecurityContext(role, settings.runtimePod),
    ...placement(settings.runtimePod),
    // SIGTERM: finish requests and ctx.waitUntil work (capped), flush the invocation log.
    terminationGracePeriodSeconds:
      PRE_STOP_SECONDS + Math.ceil(drainLimitFor(BACKGROUND_LIMIT_MS) / 1000) + 5,
  };
}

/** The tenant boundary, with the platform's additions (runtime-pod-options.ts refuses any that would loosen it). */
function podSecurityContext(role: RuntimeRole, options: RuntimePodOptions | undefined): V1PodSecurityContext {
  const added = options?.securityContext;
  const sysctls = [...(added?.sysctls ?? [])];
  // Only serving pods hand listeners over; a sysctl the platform set itself is left as it is.
  if (role === 'serve' && options?.tcpMigrateReq && !sysctls.some((s) => s.name === TCP_MIGRATE_REQ.name))
    sysctls.push(TCP_MIGRATE_REQ);
  return {
    runAsNonRoot: true,
    runAsUser: RUNTIME_USER,
    runAsGroup: RUNTIME_USER,
    seccompProfile: { type: 'RuntimeDefault' },
    ...added,
    ...(sysctls.length > 0 ? { sysctls } : {}),
  };
}

/** Where the platform team wants function pods (the chart's runtime.* values); unset fields stay out. */
function placement(options: RuntimePodOptions | undefined): Partial<V1PodSpec> {
  if (!options) return {};
  const { nodeSelector, tolerations, affinity, imagePullSecrets, priorityClassName } = options;
  return {
    ...(nodeSelector && Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(tolerations && tolerations.length > 0 ? { tolerations } : {}),
    ...(affinity && Object.keys(affinity).length > 0 ? { affinity } : {}),
    ...(imagePullSecrets && imagePullSecrets.length > 0 ? { imagePullSecrets } : {}),
    ...(priorityClassName ? { priorityClassName } : {}),
  };
}

/**
 * Node under the permission model from its first instruction: the flags the runtime would
 * otherwise re-execute itself with (runtime-image/src/permission.ts), for the paths this
 * pod has, which saves a second Node start (~45 ms) on every pod's way to its first response.
 */
export function runtimeCommand(role: RuntimeRole): string[] {
  const env = {
    [RUNTIME_ENV.functionFile]: `${MOUNT_DIR}/${FUNCTION_FILE}`,
    [RUNTIME_ENV.bundleFile]: `${MOUNT_DIR}/${BUNDLE_FILE}`,
    ...(role === 'serve' ? { [RUNTIME_ENV.spoolDir]: SPOOL_DIR } : {}),
    NODE_COMPILE_CACHE: RUNTIME_IMAGE.compileCache,
  };
  const entry = role === 'run-once' ? RUNTIME_IMAGE.runOnceEntry : RUNTIME_IMAGE.podEntry;
  return ['node', ...permissionFlagsFor(env, RUNTIME_IMAGE.codeRoot), entry];
}

/**
 * The environment a Function's pod gets for its function: one home, for the pod template
 * and for the settings a warm pool pod is handed instead (pool/pool-settings.ts).
 */
export function functionPodEnv(fn: FunctionResource, app: AppResource): V1EnvVar[] {
  return [...runtimeEnv(app), ...webhookEnv(fn)];
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
  // Least privilege: the pod gets the app's authenticator login, never the admin URL in
  // database.urlSecretRef, and so never migrates (the App reconciler does).
  const appSecret = appSecretName(app.metadata.name);
  if (database.urlSecretRef) {
    secret(RUNTIME_ENV.sandboxDatabaseUrl, { name: appSecret, key: APP_SECRET_KEYS.sandboxDatabaseUrl });
  }
  env.push({ name: RUNTIME_ENV.migrate, value: 'false' });
  // Optional: with no key readable the pod serves and refuses API keys (fails closed).
  if (auth.apiKeys) {
    env.push({
      name: RUNTIME_ENV.apiKeys,
      valueFrom: { secretKeyRef: { name: appSecret, key: APP_SECRET_KEYS.apiKeys, optional: true } },
    });
  }
  // From the App's Secret too, so an edited signing secret rolls the pods; optional: with
  // none readable the pod serves and refuses JWTs (the App's Ready condition says why).
  if (auth.jwt.secretRef) {
    env.push({
      name: RUNTIME_ENV.jwtSecret,
      valueFrom: { secretKeyRef: { name: appSecret, key: APP_SECRET_KEYS.jwtSecret, optional: true } },
    });
  }
  value(RUNTIME_ENV.jwksUrl, auth.jwt.jwksUrl);
  value(RUNTIME_ENV.jwtIssuer, auth.jwt.issuer);
  const audience = auth.jwt.audience;
  value(RUNTIME_ENV.jwtAudience, Array.isArray(audience) ? audience.join(',') : audience);
  return env;
}

/**
 * A webhook trigger's signing secret, by reference: the operator reads it only to hand
 * it to a warm pool pod that becomes this Function's (pool/pool-settings.ts).
 */
function webhookEnv(fn: FunctionResource): V1EnvVar[] {
  const trigger = fn.spec.trigger;
  if (trigger.type !== 'webhook') return [];
  const { name, key } = trigger.config.secretRef;
  return [{ name: RUNTIME_ENV.webhookSecret, valueFrom: { secretKeyRef: { name, key } } }];
}

/**
 * Memory for the runtime's own use plus the handler's heap cap once per serving worker
 * and once more (a worker stopped for outgrowing it is replaced before it ends). The
 * runtime starts one worker per CPU of its limit, rounded up, or two without one
 * (runtime-image/src/cpu-limit.ts). CPU as the operator is configured.
 */
export function runtimeResources(memoryMb: number, settings: OperatorSettings) {
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
