import { z } from 'zod';
import {
  deleteOutputSchema,
  deployInputSchema,
  deployOutputSchema,
  errorSchema,
  functionDetailSchema,
  functionListSchema,
  invocationSchema,
  invokeOutputSchema,
  invokeRequestSchema,
  logsOutputSchema,
  logsQuerySchema,
} from './schemas.ts';

type Schema = z.ZodType;

/** Request bodies and query strings are described as they are sent, responses as they come back. */
const input = (schema: Schema) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const output = (schema: Schema) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });

const json = (schema: Schema, io = output) => ({ content: { 'application/json': { schema: io(schema) } } });

const errors = {
  400: {
    description: 'VALIDATION_* (a syntax error carries details.line and details.column)',
    ...json(errorSchema),
  },
  401: { description: 'AUTH_REQUIRED or AUTH_INVALID_API_KEY', ...json(errorSchema) },
  404: { description: 'RESOURCE_NOT_FOUND: no such app, function or invocation', ...json(errorSchema) },
};

const appId = { name: 'appId', in: 'path', required: true, schema: { type: 'string' } };
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };

function queryParameters(schema: z.ZodObject) {
  const described = input(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(described.properties ?? {}).map(([key, property]) => ({
    name: key,
    in: 'query',
    required: described.required?.includes(key) ?? false,
    schema: property,
  }));
}

/**
 * The OpenAPI 3.1 document of the management API, made from the zod schemas the
 * routes validate with (schemas.ts), so the two cannot disagree.
 */
export function openApiDocument() {
  const deployBody = deployInputSchema.partial({ app_id: true });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Butterbase Functions management API',
      version: 'v1',
      description:
        "Deploy, invoke and manage serverless functions. Authenticate with the App's platform API key: `Authorization: Bearer bb_sk_…`. The same operations are MCP tools at /mcp (deploy_function, invoke_function, manage_function).",
    },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/{appId}/functions': {
        parameters: [appId],
        get: {
          operationId: 'listFunctions',
          responses: { 200: { description: 'The functions', ...json(functionListSchema) }, ...errors },
        },
        post: {
          operationId: 'deployFunction',
          summary: 'Deploy or update a function (idempotent: the same name keeps its function_id)',
          requestBody: { required: true, ...json(deployBody, input) },
          responses: {
            200: {
              description: 'Deployed (or pending when the wait ended first)',
              ...json(deployOutputSchema),
            },
            ...errors,
          },
        },
      },
      '/v1/{appId}/functions/{name}': {
        parameters: [appId, name],
        get: {
          operationId: 'getFunction',
          responses: { 200: { description: 'The function', ...json(functionDetailSchema) }, ...errors },
        },
        put: {
          operationId: 'putFunction',
          summary: 'Deploy or update the function of this name',
          requestBody: { required: true, ...json(deployBody.partial({ name: true }), input) },
          responses: { 200: { description: 'Deployed', ...json(deployOutputSchema) }, ...errors },
        },
        delete: {
          operationId: 'deleteFunction',
          responses: { 200: { description: 'Deleted', ...json(deleteOutputSchema) }, ...errors },
        },
      },
      '/v1/{appId}/functions/{name}/invoke': {
        parameters: [appId, name],
        post: {
          operationId: 'invokeFunction',
          summary:
            'Call the function as anonymous, a user or the service role; returns its response and console lines',
          requestBody: { ...json(invokeRequestSchema, input) },
          responses: {
            200: { description: "The function's response", ...json(invokeOutputSchema) },
            ...errors,
          },
        },
      },
      '/v1/{appId}/functions/{name}/logs': {
        parameters: [appId, name, ...queryParameters(logsQuerySchema)],
        get: {
          operationId: 'getLogs',
          summary: 'Console lines, newest first',
          responses: { 200: { description: 'Lines', ...json(logsOutputSchema) }, ...errors },
        },
      },
      '/v1/{appId}/invocations/{id}': {
        parameters: [appId, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: 'getInvocation',
          responses: {
            200: { description: 'The invocation and its console lines', ...json(invocationSchema) },
            ...errors,
          },
        },
      },
    },
  };
}
