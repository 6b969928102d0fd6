import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import {
  ingressAnnotationsSchema,
  jsonOf,
  type RuntimePodOptions,
  runtimePodOptionsSchema,
} from './runtime-pod-options.ts';

/** The environment the operator reads (the Helm chart sets it), and what each becomes. */
export const OPERATOR_ENV = {
  runtimeImage: 'BBFN_RUNTIME_IMAGE',
  imagePullPolicy: 'BBFN_IMAGE_PULL_POLICY',
  publicBaseUrl: 'BBFN_PUBLIC_BASE_URL',
  ingressClass: 'BBFN_INGRESS_CLASS',
  ingressHost: 'BBFN_INGRESS_HOST',
  ingressTlsSecret: 'BBFN_INGRESS_TLS_SECRET',
  ingressAnnotations: 'BBFN_INGRESS_ANNOTATIONS',
  ingressProbeUrl: 'BBFN_INGRESS_PROBE_URL',
  cpuRequest: 'BBFN_RUNTIME_CPU_REQUEST',
  cpuLimit: 'BBFN_RUNTIME_CPU_LIMIT',
  runtimePod: 'BBFN_RUNTIME_POD',
  port: 'BBFN_OPERATOR_PORT',
  apiPort: 'BBFN_API_PORT',
  deployWaitSeconds: 'BBFN_DEPLOY_WAIT_SECONDS',
  resyncSeconds: 'BBFN_RESYNC_SECONDS',
  concurrency: 'BBFN_OPERATOR_CONCURRENCY',
  leaderElection: 'BBFN_LEADER_ELECTION',
  leaseName: 'BBFN_LEASE_NAME',
  leaseNamespace: 'BBFN_LEASE_NAMESPACE',
  leaseDurationSeconds: 'BBFN_LEASE_DURATION_SECONDS',
  poolSize: 'BBFN_POOL_SIZE',
  poolPort: 'BBFN_POOL_PORT',
  operatorPodLabels: 'BBFN_OPERATOR_POD_LABELS',
  podName: 'POD_NAME',
  podNamespace: 'POD_NAMESPACE',
} as const;

const settingsSchema = z.object({
  runtimeImage: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  publicBaseUrl: z.url(),
  ingressClass: z.string().min(1).default('nginx'),
  ingressHost: z.string().min(1).optional(),
  ingressTlsSecret: z.string().min(1).optional(),
  ingressAnnotations: jsonOf(ingressAnnotationsSchema).optional(),
  // The ingress controller as the operator reaches it (http://traefik.kube-system.svc):
  // a Function is deployed once it answers for the new revision there.
  ingressProbeUrl: z.url({ protocol: /^https?$/ }).optional(),
  cpuRequest: z.string().default('100m'),
  cpuLimit: z.string().default('1'),
  runtimePod: jsonOf(runtimePodOptionsSchema).optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8081),
  apiPort: z.coerce.number().int().min(0).max(65535).default(8080),
  deployWaitSeconds: z.coerce.number().min(0).max(600).default(30),
  // Level-based safety net: every Function is reconciled and re-applied this often.
  resyncSeconds: z.coerce.number().int().min(10).default(600),
  // Reconciles at once. Most of one is waiting on the API server, so a few overlap well
  // on one core; measured on 1,000 Functions in bench/RESULTS.md.
  concurrency: z.coerce.number().int().min(1).max(256).default(8),
  leaderElection: z.stringbool().default(true),
  leaseName: z.string().min(1).default('butterbase-functions-operator'),
  // The chart sets POD_NAMESPACE (downward API); run by hand, the Lease goes in default.
  leaseNamespace: z.string().min(1).optional(),
  // As kube-controller-manager's defaults: 15 s lease, renewed every 2 s.
  leaseDurationSeconds: z.coerce.number().int().min(2).max(300).default(15),
  // One warm pod per namespace: enough for the first response of a new revision there;
  // each idles at the default function's memory request (README, "A warm pool in the cluster").
  poolSize: z.coerce.number().int().min(0).max(20).default(1),
  poolPort: z.coerce.number().int().min(1).max(65535).default(8090),
  // The chart's selector labels of the operator's pods: who may reach a pool pod's port.
  operatorPodLabels: jsonOf(z.record(z.string(), z.string())).optional(),
  podName: z.string().min(1).optional(),
  podNamespace: z.string().min(1).optional(),
});

/** How the operator dresses the objects it makes for Functions. */
export interface OperatorSettings {
  /** The runtime image (the Dockerfile's `runtime` target). */
  runtimeImage: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** The shared ingress's public base URL: a Function's status.url starts with it. */
  publicBaseUrl: string;
  /**
   * The shared ingress: its class, the host its rules match (unset: any host), the TLS
   * Secret each Function's Ingress names (in its own namespace), and annotations for them.
   */
  ingress: {
    className: string;
    host?: string;
    tlsSecretName?: string;
    annotations?: Record<string, string>;
    /**
     * The ingress controller's address as the operator reaches it; set, a Function is
     * `deployed` only once a probe through it answers from the new revision
     * (controller/ingress-probes.ts).
     */
    probeUrl?: string;
  };
  /** What each runtime container asks for; its memory grows with the Function's heap cap. */
  runtimeResources: { cpuRequest: string; cpuLimit?: string };
  /** Where function pods run: scheduling, pull secrets, additions to their security context. */
  runtimePod?: RuntimePodOptions;
  /** The warm pool a new revision is first served from (operator/src/pool/); none when absent. */
  pool?: PoolSettings;
}

/** A warm pool in each namespace with serving Functions (resources/pool-deployment.ts). */
export interface PoolSettings {
  /** Warm pods per namespace (the pool Deployment's replicas). */
  size: number;
  /** The pool pods' specialize port (the runtime's BBFN_POOL_PORT). */
  port: number;
  /** The operator's pods, the only ones the pool port lets in (NetworkPolicy); unset: none in the cluster. */
  operatorPods?: { namespace: string; labels: Record<string, string> };
}

/** The management API the operator serves (management/cluster). */
export interface ManagementApiSettings {
  port: number;
  /** How long a deploy waits for the operator to report the new generation. */
  deployWaitMs: number;
}

/** Who reconciles: one replica at a time holds a coordination.k8s.io Lease (leader/lease-elector.ts). */
export interface LeaderElectionSettings {
  enabled: boolean;
  leaseName: string;
  leaseNamespace: string;
  /** A leader that stops renewing loses the Lease this long after its last renewal. */
  leaseDurationSeconds: number;
  /** This replica's name in the Lease: the pod's name, else host and process id. */
  identity: string;
}

/** How the operator process runs, beside what it makes. */
export interface OperatorProcessSettings {
  settings: OperatorSettings;
  /** /healthz, /readyz, /metrics. */
  port: number;
  /** Reconciles at once (one key never twice at once). */
  concurrency: number;
  leaderElection: LeaderElectionSettings;
  /** The management API the operator serves. */
  api: ManagementApiSettings;
  /** Every Function is reconciled and re-applied this often (seconds). */
  resyncSeconds: number;
}

/** The settings and the process's own; fails naming each bad variable. */
export function loadOperatorSettings(env: NodeJS.ProcessEnv): OperatorProcessSettings {
  const raw = Object.fromEntries(
    Object.entries(OPERATOR_ENV)
      .map(([key, name]) => [key, env[name]])
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [variable, ...inside] = issue.path;
      // A JSON setting's problem names the field inside it too: BBFN_RUNTIME_POD (securityContext.runAsUser).
      const where = inside.length > 0 ? ` (${inside.join('.')})` : '';
      return `  ${OPERATOR_ENV[variable as keyof typeof OPERATOR_ENV]}${where}: ${issue.message}`;
    });
    throw new Error(`Invalid operator settings:\n${problems.join('\n')}`);
  }
  const s = parsed.data;
  return {
    settings: {
      runtimeImage: s.runtimeImage,
      imagePullPolicy: s.imagePullPolicy,
      publicBaseUrl: s.publicBaseUrl,
      ingress: {
        className: s.ingressClass,
        ...(s.ingressHost ? { host: s.ingressHost } : {}),
        ...(s.ingressTlsSecret ? { tlsSecretName: s.ingressTlsSecret } : {}),
        ...(s.ingressAnnotations ? { annotations: s.ingressAnnotations } : {}),
        ...(s.ingressProbeUrl ? { probeUrl: s.ingressProbeUrl } : {}),
      },
      runtimeResources: { cpuRequest: s.cpuRequest, cpuLimit: s.cpuLimit },
      ...(s.runtimePod ? { runtimePod: s.runtimePod as RuntimePodOptions } : {}),
      ...(s.poolSize > 0
        ? {
            pool: {
              size: s.poolSize,
              port: s.poolPort,
              ...(s.operatorPodLabels && s.podNamespace
                ? { operatorPods: { namespace: s.podNamespace, labels: s.operatorPodLabels } }
                : {}),
            },
          }
        : {}),
    },
    port: s.port,
    api: { port: s.apiPort, deployWaitMs: s.deployWaitSeconds * 1000 },
    resyncSeconds: s.resyncSeconds,
    concurrency: s.concurrency,
    leaderElection: {
      enabled: s.leaderElection,
      leaseName: s.leaseName,
      leaseNamespace: s.leaseNamespace ?? s.podNamespace ?? 'default',
      leaseDurationSeconds: s.leaseDurationSeconds,
      identity: s.podName ?? `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`,
    },
  };
}
