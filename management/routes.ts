import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { appIdSchema } from '../api/v1alpha1/app.types.ts';
import { BbfnError } from '../runtime-image/src/errors.ts';
import { sendError, toBbfnError } from '../runtime-image/src/http/http-errors.ts';
import { authorizedApi, bearerToken } from './authorized-api.ts';
import type { FunctionsApi, ManagementBackend } from './functions-api.ts';
import { registerMcpRoute } from './mcp/http-route.ts';
import { openApiDocument } from './openapi.ts';
import { jsonBody, parseRequest } from './parse-request.ts';
import { deployInputSchema, functionNameSchema, invokeInputSchema, logsQuerySchema } from './schemas.ts';

export interface ManagementRoutesOptions {
  backend: ManagementBackend;
  /** Where the API is reached from outside (the OpenAPI document's server). */
  publicUrl: () => string;
  log: Logger;
}

const pathParams = z.object({
  appId: appIdSchema,
  name: functionNameSchema.optional(),
  id: z.string().optional(),
});

type Handler = (
  api: FunctionsApi,
  request: FastifyRequest,
  params: z.infer<typeof pathParams>,
) => Promise<unknown>;

/**
 * The management API (names in DESIGN.md): under /v1/{appId}/functions and
 * /v1/{appId}/invocations/{id}, /openapi.json, and MCP at /mcp. Every route takes the
 * App's platform API key as a Bearer token; errors are `{"error":{"code","message"}}`.
 * Registered before the host's `/v1/*` catch-all, which find-my-way tries last.
 */
export function registerManagementRoutes(app: FastifyInstance, options: ManagementRoutesOptions): void {
  const { backend } = options;
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, handler: Handler) =>
    app.route({
      method,
      url,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const params = parseRequest(pathParams, request.params);
          const api = authorizedApi(backend, bearerToken(request.headers.authorization));
          const result = await handler(api, request, params);
          return reply
            .code(200)
            .header('content-type', 'application/json; charset=utf-8')
            .send(JSON.stringify(result));
        } catch (error) {
          const bbfnError = toBbfnError(error);
          if (bbfnError.status >= 500)
            options.log.error({ err: error, url: request.url }, 'management request failed');
          const headers: Record<string, string> =
            bbfnError.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
          return sendError(reply, bbfnError, headers);
        }
      },
    });

  const deploy: Handler = async (api, request, params) => {
    const body = jsonBody(request.body) as Record<string, unknown>;
    const fromPath = { app_id: params.appId, ...(params.name ? { name: params.name } : {}) };
    for (const [key, value] of Object.entries(fromPath)) {
      if (body[key] !== undefined && body[key] !== value)
        throw new BbfnError(
          'VALIDATION_INVALID_REQUEST',
          `${key} "${String(body[key])}" differs from the URL's "${value}"`,
        );
    }
    return api.deploy(parseRequest(deployInputSchema, { ...body, ...fromPath }));
  };
  route('POST', '/v1/:appId/functions', deploy);
  route('PUT', '/v1/:appId/functions/:name', deploy);
  route('GET', '/v1/:appId/functions', async (api, _request, { appId }) => ({
    functions: await api.list(appId),
  }));
  route('GET', '/v1/:appId/functions/:name', (api, _request, { appId, name }) => api.get(appId, name!));
  route('DELETE', '/v1/:appId/functions/:name', async (api, _request, { appId, name }) => {
    await api.delete(appId, name!);
    return { name: name!, deleted: true };
  });
  route('POST', '/v1/:appId/functions/:name/invoke', (api, request, { appId, name }) =>
    api.invoke(
      parseRequest(invokeInputSchema, { ...(jsonBody(request.body) as object), app_id: appId, name }),
    ),
  );
  route('GET', '/v1/:appId/functions/:name/logs', (api, request, { appId, name }) =>
    api.logs(appId, name!, parseRequest(logsQuerySchema, request.query)),
  );
  route('GET', '/v1/:appId/invocations/:id', (api, _request, { appId, id }) => api.invocation(appId, id!));

  // Made on first request: ~30 ms of zod's JSON Schema generation that a start need not wait for.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', async (_request, reply) => {
    document ??= openApiDocument();
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ ...document, servers: [{ url: options.publicUrl() }] }));
  });
  registerMcpRoute(app, backend, options.log);
}
