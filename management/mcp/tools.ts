import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { appIdSchema } from '../../api/v1alpha1/app.types.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { toBbfnError } from '../../runtime-image/src/http/http-errors.ts';
import type { FunctionsApi } from '../functions-api.ts';
import { parseRequest } from '../parse-request.ts';
import { deployInputSchema, functionNameSchema, invokeInputSchema, logsQuerySchema } from '../schemas.ts';
import {
  DEPLOY_FUNCTION_DESCRIPTION,
  INVOKE_FUNCTION_DESCRIPTION,
  MANAGE_FUNCTION_DESCRIPTION,
} from './descriptions.ts';

export const manageInputSchema = z
  .object({
    app_id: appIdSchema,
    action: z.enum(['list', 'get', 'delete', 'get_invocation', 'get_logs']),
    name: functionNameSchema.optional().describe('The function (get, delete, get_logs)'),
    invocation_id: z.string().optional().describe('get_invocation: which one; get_logs: only its lines'),
  })
  .extend(logsQuerySchema.omit({ invocation_id: true }).partial().shape)
  .strict();
export type ManageInput = z.infer<typeof manageInputSchema>;

function required<T>(value: T | undefined, field: string, action: string): T {
  if (value === undefined)
    throw new BbfnError('VALIDATION_INVALID_REQUEST', `${field} is required for action "${action}"`);
  return value;
}

/** manage_function's actions over the API. */
export async function manage(api: FunctionsApi, input: ManageInput): Promise<unknown> {
  const { app_id: appId, action } = input;
  switch (action) {
    case 'list':
      return { functions: await api.list(appId) };
    case 'get':
      return api.get(appId, required(input.name, 'name', action));
    case 'delete': {
      const name = required(input.name, 'name', action);
      await api.delete(appId, name);
      return { name, deleted: true };
    }
    case 'get_invocation':
      return api.invocation(appId, required(input.invocation_id, 'invocation_id', action));
    case 'get_logs': {
      const { app_id: _a, action: _b, name, ...filters } = input;
      return api.logs(appId, required(name, 'name', action), parseRequest(logsQuerySchema, filters));
    }
  }
}

function result(value: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value as Record<string, unknown>,
  };
}

/** A failure is the tool's answer (isError), in the API's `{"error":{"code","message"}}` shape. */
function failure(error: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(toBbfnError(error).toJSON()) }], isError: true };
}

async function answer(run: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return result(await run());
  } catch (error) {
    return failure(error);
  }
}

/**
 * An MCP server with the seed's three tools over `api`: the API as the key's holder sees
 * it (the /mcp route), or the HTTP API of a platform (`bbfn mcp`).
 */
export function createMcpServer(api: FunctionsApi): McpServer {
  const server = new McpServer({ name: 'butterbase-functions', version: '0.1.0' });
  server.registerTool(
    'deploy_function',
    { description: DEPLOY_FUNCTION_DESCRIPTION, inputSchema: deployInputSchema },
    (input) => answer(() => api.deploy(input)),
  );
  // The SDK validates with the object's shape; the run_as/user_id rule is checked here.
  server.registerTool(
    'invoke_function',
    { description: INVOKE_FUNCTION_DESCRIPTION, inputSchema: invokeInputSchema },
    (input) => answer(() => api.invoke(parseRequest(invokeInputSchema, input))),
  );
  server.registerTool(
    'manage_function',
    { description: MANAGE_FUNCTION_DESCRIPTION, inputSchema: manageInputSchema },
    (input) => answer(() => manage(api, input)),
  );
  return server;
}
