import { z } from 'zod';
import { API_GROUP_VERSION } from './group.ts';

/** A DNS-1123 label: what Kubernetes accepts as an object name, and what a function URL uses. */
export const dnsLabelSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be lowercase letters, digits and "-", starting and ending alphanumeric',
  );

export const objectMetaSchema = z
  .object({
    name: dnsLabelSchema,
    namespace: dnsLabelSchema.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    // Set by the API server on what it stores.
    uid: z.string().optional(),
    generation: z.number().int().optional(),
  })
  .loose();

/** The envelope every kind of this API shares: apiVersion, kind, metadata, spec. */
export function resourceSchema<Kind extends string, Spec extends z.ZodType>(kind: Kind, spec: Spec) {
  return z.object({
    apiVersion: z.literal(API_GROUP_VERSION),
    kind: z.literal(kind),
    metadata: objectMetaSchema,
    spec,
  });
}
