import type {
  V1Affinity,
  V1LocalObjectReference,
  V1PodSecurityContext,
  V1Toleration,
} from '@kubernetes/client-node';
import { z } from 'zod';

/**
 * Where and how function pods run, as a platform team sets it (the chart's runtime.*
 * values, BBFN_RUNTIME_POD as JSON). Kubernetes' own types pass as they are: the API
 * server validates them when the operator applies a Deployment. The security context may
 * only add to the tenant boundary (runtime-pod.ts): never root, never unconfined seccomp.
 */
export const runtimePodOptionsSchema = z.strictObject({
  nodeSelector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(z.looseObject({})).optional(),
  affinity: z.looseObject({}).optional(),
  imagePullSecrets: z.array(z.strictObject({ name: z.string().min(1) })).optional(),
  priorityClassName: z.string().min(1).optional(),
  tcpMigrateReq: z.boolean().optional(),
  securityContext: z
    .looseObject({
      runAsNonRoot: z.literal(true, { error: 'function pods never run as root' }).optional(),
      runAsUser: z.int().min(1, { error: 'function pods never run as root (uid 0)' }).optional(),
      runAsGroup: z.int().min(1, { error: 'function pods never run as group 0' }).optional(),
      seccompProfile: z
        .looseObject({ type: z.enum(['RuntimeDefault', 'Localhost'], { error: 'seccomp stays on' }) })
        .optional(),
    })
    .optional(),
});

export interface RuntimePodOptions {
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  imagePullSecrets?: V1LocalObjectReference[];
  priorityClassName?: string;
  /**
   * Serving pods set net.ipv4.tcp_migrate_req=1 (runtime-pod.ts): an unsafe sysctl, so only
   * where every node's kubelet allows it (allowedUnsafeSysctls), else their pods are refused.
   */
  tcpMigrateReq?: boolean;
  /** Merged over the runtime pod's own security context (runtime-pod.ts). */
  securityContext?: V1PodSecurityContext;
}

/** Annotations for every Function's Ingress (the chart's ingress.annotations, BBFN_INGRESS_ANNOTATIONS). */
export const ingressAnnotationsSchema = z.record(z.string().min(1), z.string());

/** A JSON text parsed, then checked with `schema`: how structured settings come through one variable. */
export function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
