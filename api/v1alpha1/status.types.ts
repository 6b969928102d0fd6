import { z } from 'zod';

/** A Kubernetes condition (metav1.Condition), as `kubectl describe` shows it. */
export const conditionSchema = z.object({
  type: z.string().min(1).describe('e.g. Ready, Compiled, Conflict'),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1).describe('One CamelCase word, for machines'),
  message: z.string().describe('The sentence for people'),
  lastTransitionTime: z.iso.datetime({ offset: true }),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

const conditionsSchema = z
  .array(conditionSchema)
  .optional()
  .describe('The latest observations, one per type');
const observedGenerationSchema = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe('The metadata.generation this status describes');

/** What the operator reports on a Function (the seed's deploy output, and conditions). */
export const functionStatusSchema = z.object({
  functionId: z.string().optional().describe('fn_ + a short stable id, kept across updates of the same name'),
  url: z.string().optional().describe('Where the function answers: {publicBaseUrl}/v1/{appId}/fn/{name}'),
  status: z
    .enum(['pending', 'deployed', 'failed'])
    .optional()
    .describe(
      'pending: the current revision is rolling out (Reconciling); deployed: its pods are available (Ready); failed: it cannot run (Stalled, the reason in Ready), what served before keeps serving',
    ),
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema,
});
export type FunctionStatus = z.infer<typeof functionStatusSchema>;

/** What the operator reports on an App (operator/src/reconcile/app-status.ts). */
export const appStatusSchema = z.object({
  observedGeneration: observedGenerationSchema,
  conditions: conditionsSchema.describe('Ready, DatabaseReady: the latest observations, one per type'),
  migrationsApplied: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('How many of spec.database.migrations have run (each runs once, in order)'),
  failedMigration: z
    .object({
      index: z.number().int().min(0).describe('Position in spec.database.migrations, from 0'),
      message: z.string().describe("Postgres's error message"),
    })
    .optional()
    .describe('The migration Postgres refused; the ones after it wait'),
  credentialsRevision: z
    .string()
    .optional()
    .describe(
      "Hash of what the App's runtime pods are given (database login, API keys, JWT secret): when it changes, they roll",
    ),
});
export type AppStatus = z.infer<typeof appStatusSchema>;
