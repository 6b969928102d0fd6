import { z } from 'zod';

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
  })
  .loose();
