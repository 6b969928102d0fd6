/**
 * The management API's requests and responses: the one source of the HTTP routes'
 * validation, the OpenAPI document (openapi.ts) and the MCP tools' input schemas
 * (mcp/tools.ts). Field names are the seed's (`app_id`, `function_id`), so an agent sees
 * one vocabulary over HTTP and MCP.
 */
import { z } from 'zod';
import { appIdSchema } from '../api/v1alpha1/app.types.ts';
import { envVarNameSchema, triggerSchema } from '../api/v1alpha1/function.types.ts';
import { dnsLabelSchema } from '../api/v1alpha1/meta.types.ts';
import { INVOCATION_OUTCOMES, LOG_LEVELS } from '../runtime-image/src/invocations/types.ts';

export const functionNameSchema = dnsLabelSchema.describe(
  'Function name: lowercase letters, digits and "-"; deploying the same name again updates it',
);

const envVarsSchema = z
  .record(envVarNameSchema, z.string())
  .describe('Environment variables the handler reads as ctx.env (and nothing else)');

/** The seed's deploy_function input, exactly: app_id, name, code, trigger (+ envVars). */
export const deployInputSchema = z
  .object({
    app_id: appIdSchema.describe('The app the function belongs to, e.g. "app_abc123"'),
    name: functionNameSchema,
    code: z
      .string()
      .min(1)
      .describe('TypeScript or JavaScript source exporting `async function handler(req, ctx)`'),
    trigger: triggerSchema,
    envVars: envVarsSchema.optional(),
  })
  .strict();
export type DeployInput = z.infer<typeof deployInputSchema>;

const deployStatusSchema = z
  .enum(['deployed', 'pending'])
  .describe('deployed: the new code serves; pending: accepted, still rolling out when the wait ended');

/** The seed's deploy_function output, exactly. */
export const deployOutputSchema = z.object({
  function_id: z.string().describe('fn_ + a short id, the same for every deploy of this name'),
  name: z.string(),
  url: z.string().describe('{publicBaseUrl}/v1/{appId}/fn/{name}'),
  status: deployStatusSchema,
});
export type DeployOutput = z.infer<typeof deployOutputSchema>;

/** What `list` shows of a function; `get` adds its code and envVars' names. */
export const functionSummarySchema = z.object({
  function_id: z.string(),
  name: z.string(),
  app_id: z.string(),
  url: z.string(),
  status: z.enum(['deployed', 'pending', 'failed']),
  trigger: triggerSchema,
  message: z.string().optional().describe('Why the latest deploy failed, when it did'),
});
export type FunctionSummary = z.infer<typeof functionSummarySchema>;

export const functionDetailSchema = functionSummarySchema.extend({
  code: z.string(),
  env_var_names: z.array(z.string()).describe('Names only: values may be secrets'),
});
export type FunctionDetail = z.infer<typeof functionDetailSchema>;

export const functionListSchema = z.object({ functions: z.array(functionSummarySchema) });

export const deleteOutputSchema = z.object({ name: z.string(), deleted: z.literal(true) });

export const runAsSchema = z
  .enum(['anonymous', 'user', 'service'])
  .describe(
    'Who calls: anonymous (no credentials); user (an end-user JWT for user_id: butterbase_user, RLS enforced, ctx.user set); service (the platform API key: butterbase_service, RLS bypassed, ctx.user null)',
  );

/** invoke_function's request, beside the function it names (the REST route's body). */
export const invokeRequestSchema = z
  .object({
    method: z
      .string()
      .regex(/^[A-Z]+$/, 'an HTTP method in capitals')
      .default('POST'),
    path: z
      .string()
      .regex(/^(\/[^\s]*)?(\?[^\s]*)?$/, 'empty, or "/sub/path?query"')
      .default('')
      .describe('Appended to the function URL: a sub-path and/or a query string'),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().optional().describe('Request body, as text'),
    run_as: runAsSchema.default('service'),
    user_id: z.string().min(1).optional().describe('The user to run as when run_as is "user"'),
  })
  .strict();

export const invokeInputSchema = invokeRequestSchema
  .extend({ app_id: appIdSchema, name: functionNameSchema })
  .refine((input) => input.run_as !== 'user' || input.user_id !== undefined, {
    message: 'user_id is required when run_as is "user"',
    path: ['user_id'],
  });
export type InvokeInput = z.infer<typeof invokeInputSchema>;

export const logLevelSchema = z.enum(LOG_LEVELS);

const consoleLineSchema = z.object({
  time: z.string().describe('ISO 8601'),
  level: logLevelSchema,
  message: z.string(),
});

const invocationErrorSchema = z
  .object({ code: z.string(), message: z.string().nullable() })
  .nullable()
  .describe('Set when the platform (not the handler) failed the invocation');

export const invokeOutputSchema = z.object({
  invocation_id: z.string(),
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: z.string().describe('Response body as text (UTF-8)'),
  duration_ms: z.number(),
  outcome: z.enum(INVOCATION_OUTCOMES).nullable().describe('null when its record was not stored in time'),
  error: invocationErrorSchema,
  logs: z.array(consoleLineSchema).describe("This invocation's console lines, in order"),
});
export type InvokeOutput = z.infer<typeof invokeOutputSchema>;

export const invocationSchema = z.object({
  invocation_id: z.string(),
  function_name: z.string(),
  function_id: z.string(),
  revision: z.string(),
  trigger: z.string(),
  user_id: z.string().nullable(),
  method: z.string().nullable(),
  path: z.string().nullable(),
  status: z.number().int().nullable(),
  outcome: z.enum(INVOCATION_OUTCOMES),
  error: invocationErrorSchema,
  started_at: z.string(),
  duration_ms: z.number(),
  logs: z.array(consoleLineSchema),
});
export type Invocation = z.infer<typeof invocationSchema>;

/** Query strings arrive as text: numbers and dates are coerced here. */
export const logsQuerySchema = z
  .object({
    since: z.iso.datetime({ offset: true }).optional().describe('Lines at or after this time'),
    until: z.iso.datetime({ offset: true }).optional().describe('Lines at or before this time'),
    invocation_id: z.string().optional(),
    level: logLevelSchema.optional().describe('This level and above: debug < info < warn < error'),
    text: z.string().min(1).optional().describe('Lines containing this text (case-insensitive)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type LogsQuery = z.infer<typeof logsQuerySchema>;

export const logLineSchema = z.object({
  time: z.string(),
  level: logLevelSchema,
  message: z.string(),
  invocation_id: z.string(),
  function_name: z.string(),
  started_at: z.string().describe("The invocation's start"),
  status: z.number().int().nullable().describe("The invocation's HTTP status"),
  outcome: z.enum(INVOCATION_OUTCOMES),
  duration_ms: z.number(),
  error: invocationErrorSchema,
});
export type LogLineOut = z.infer<typeof logLineSchema>;

export const logsOutputSchema = z.object({ lines: z.array(logLineSchema).describe('Newest first') });
export type LogsOutput = z.infer<typeof logsOutputSchema>;

export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable: VALIDATION_INVALID_SCHEMA, RESOURCE_NOT_FOUND, AUTH_REQUIRED…'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional().describe('e.g. line and column of a syntax error'),
  }),
});
