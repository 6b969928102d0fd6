import { z } from 'zod';
import { secretKeyRefSchema } from './app.types.ts';
import { validateCronSchedule, validateTimeZone } from './cron-schedule.ts';
import { DEFAULT_FUNCTION_LIMITS, MAX_TIMEOUT_SECONDS, MEMORY_MB_RANGE } from './function-limits.ts';
import { resourceSchema } from './meta.types.ts';
import { MANAGEMENT_APP_PATHS } from './urls.ts';

/** Which credentials a function accepts; see the seed's "Row-Level Security in Functions". */
export const authModeSchema = z
  .enum(['required', 'optional', 'none'])
  .describe('required: a user JWT or API key; optional: anonymous allowed; none: credentials ignored');
export type AuthMode = z.infer<typeof authModeSchema>;

export const httpMethodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']);

const extraPathSchema = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must start with "/" and contain only URL path characters')
  .refine((p) => !p.startsWith('/fn/') && p !== '/fn', 'must not shadow the canonical /fn/ URLs')
  .refine(
    (p) => !MANAGEMENT_APP_PATHS.some((reserved) => p === reserved || p.startsWith(`${reserved}/`)),
    `must not claim the management API's ${MANAGEMENT_APP_PATHS.join(' or ')} routes`,
  )
  .describe('Extra route served at /v1/{appId}{path}, beside the canonical URL');

export const httpTriggerSchema = z.object({
  type: z.literal('http'),
  config: z
    .object({
      method: httpMethodSchema
        .default('ANY')
        .describe('Only this method is allowed (others get 405); ANY allows all'),
      path: extraPathSchema.optional(),
      auth: authModeSchema.default('required'),
    })
    .default({ method: 'ANY', auth: 'required' }),
});

/**
 * Five fields, checked with croner here so that every user of the schema (operator,
 * deploy API, local platform) refuses the same schedules; see cron-schedule.ts.
 */
export const cronTriggerSchema = z
  .object({
    type: z.literal('cron'),
    config: z.object({
      schedule: z.string().min(1).describe('5-field cron expression, e.g. "0 9 * * *"'),
      timeZone: z.string().optional().describe('IANA time zone; UTC when unset'),
    }),
  })
  .superRefine((trigger, ctx) => {
    const scheduleError = validateCronSchedule(trigger.config.schedule);
    if (scheduleError) ctx.addIssue({ code: 'custom', path: ['config', 'schedule'], message: scheduleError });
    const timeZone = trigger.config.timeZone;
    const timeZoneError = timeZone === undefined ? null : validateTimeZone(timeZone);
    if (timeZoneError) ctx.addIssue({ code: 'custom', path: ['config', 'timeZone'], message: timeZoneError });
  });

export const websocketTriggerSchema = z.object({
  type: z.literal('websocket'),
  config: z.object({ auth: authModeSchema.default('required') }).default({ auth: 'required' }),
});

export const WEBHOOK_PROVIDERS = [
  'stripe',
  'github',
  'slack',
  'twilio',
  'discord',
  'telegram',
  'standard-webhooks',
  'generic-hmac',
] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** How a `generic-hmac` provider signs: which header, which HMAC, how it is written. */
export const genericHmacSchema = z.object({
  header: z.string().min(1).describe('The header carrying the signature, e.g. X-Signature'),
  algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
  encoding: z.enum(['hex', 'base64']).default('hex'),
  prefix: z.string().default('').describe('Text before the signature in the header, e.g. "sha256="'),
  idHeader: z
    .string()
    .min(1)
    .optional()
    .describe('The header carrying the delivery id (the dedupe key); unset, a digest of the body'),
  timestampHeader: z
    .string()
    .min(1)
    .optional()
    .describe('When set, the signed content is "<timestamp>.<body>" and the tolerance applies'),
});
export type GenericHmac = z.infer<typeof genericHmacSchema>;

const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;
/** Providers retry for up to three days (Stripe); a week covers every one's window. */
const DEFAULT_WEBHOOK_DEDUPE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * A provider's webhook: the host verifies the signature over the raw bytes, answers the
 * provider's handshake, and claims the delivery id before the handler runs.
 */
export const webhookTriggerSchema = z
  .object({
    type: z.literal('webhook'),
    config: z.object({
      provider: z.enum(WEBHOOK_PROVIDERS),
      secretRef: secretKeyRefSchema.describe(
        'Secret key holding the signing secret (Discord: the public key); several, comma- or newline-separated, during a rotation',
      ),
      toleranceSeconds: z
        .number()
        .int()
        .min(1)
        .max(86_400)
        .default(DEFAULT_WEBHOOK_TOLERANCE_SECONDS)
        .describe('How far a signed timestamp may be from now'),
      dedupe: z
        .object({
          enabled: z.boolean().default(true),
          ttlSeconds: z.number().int().min(1).default(DEFAULT_WEBHOOK_DEDUPE_TTL_SECONDS),
        })
        .default({ enabled: true, ttlSeconds: DEFAULT_WEBHOOK_DEDUPE_TTL_SECONDS })
        .describe('Claims each delivery id once (scope = the provider); a failed handler releases it'),
      hmac: genericHmacSchema.optional().describe('Required when provider is generic-hmac'),
      path: extraPathSchema.optional(),
    }),
  })
  .superRefine((trigger, ctx) => {
    if (trigger.config.provider === 'generic-hmac' && !trigger.config.hmac)
      ctx.addIssue({
        code: 'custom',
        path: ['config', 'hmac'],
        message: 'required when provider is generic-hmac',
      });
  });

/** Named by the seed as not yet implemented: accepted by the schema, refused with a clear reason. */
export const unimplementedTriggerSchema = z.object({
  type: z.enum(['s3_upload']),
  config: z.record(z.string(), z.unknown()).optional(),
});

export const triggerSchema = z.discriminatedUnion('type', [
  httpTriggerSchema,
  cronTriggerSchema,
  websocketTriggerSchema,
  webhookTriggerSchema,
  unimplementedTriggerSchema,
]);
export type Trigger = z.infer<typeof triggerSchema>;
export type TriggerType = Trigger['type'];

export const envVarNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment name');

export const functionLimitsSchema = z.object({
  timeoutSeconds: z
    .number()
    .positive()
    .max(MAX_TIMEOUT_SECONDS)
    .default(DEFAULT_FUNCTION_LIMITS.timeoutSeconds)
    .describe('Per-invocation time limit'),
  memoryMb: z
    .number()
    .int()
    .min(MEMORY_MB_RANGE.min)
    .max(MEMORY_MB_RANGE.max)
    .default(DEFAULT_FUNCTION_LIMITS.memoryMb)
    .describe('Heap cap of the sandbox'),
});
export type FunctionLimits = z.infer<typeof functionLimitsSchema>;

/** Becomes a HorizontalPodAutoscaler; with it the operator leaves the Deployment's replicas alone. */
export const functionScalingSchema = z.object({
  minReplicas: z.number().int().min(1).max(1000).default(1),
  maxReplicas: z.number().int().min(1).max(1000),
  targetCpuUtilization: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe('Average CPU use, in percent of the request, the autoscaler aims for'),
  targetConcurrency: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('In-flight invocations per pod the autoscaler aims for'),
});
export type FunctionScaling = z.infer<typeof functionScalingSchema>;

export const functionSpecSchema = z.object({
  appId: z.string().min(1).describe('The App (in this namespace) this function belongs to'),
  code: z.string().min(1).describe('Handler source, TypeScript or JavaScript, exporting `handler`'),
  trigger: triggerSchema,
  envVars: z
    .record(envVarNameSchema, z.string())
    .default({})
    .describe('Exactly what the handler sees as ctx.env'),
  limits: functionLimitsSchema.default({ ...DEFAULT_FUNCTION_LIMITS }),
  scaling: functionScalingSchema.optional().describe('Replicas of an http or websocket function'),
});
export type FunctionSpec = z.infer<typeof functionSpecSchema>;

export const functionSchema = resourceSchema('Function', functionSpecSchema);
export type FunctionResource = z.infer<typeof functionSchema>;
