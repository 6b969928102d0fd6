import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { sendError } from '../../runtime-image/src/http/http-errors.ts';
import { authorizedApi, bearerToken } from '../authorized-api.ts';
import type { ManagementBackend } from '../functions-api.ts';
import { jsonBody } from '../parse-request.ts';

/**
 * The MCP SDK and the tools, loaded by the first MCP request rather than with the
 * routes: ~200 ms of module loading that `bbfn start` (and the operator) spent before
 * serving anything.
 */
let mcp:
  | Promise<typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js') & typeof import('./tools.ts')>
  | undefined;
function loadMcp() {
  mcp ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
    import('./tools.ts'),
  ]).then(([transport, tools]) => ({ ...transport, ...tools }));
  return mcp;
}

/**
 * MCP over streamable HTTP at /mcp, stateless: each POST gets its own server and
 * transport (no session to keep, so any replica can answer), with JSON responses.
 * The Bearer token is the App's platform API key; each tool call checks it against the
 * app it names (authorized-api.ts), so a session can reach only its key's app.
 */
export function registerMcpRoute(app: FastifyInstance, backend: ManagementBackend, log: Logger): void {
  app.post('/mcp', async (request, reply) => {
    const key = bearerToken(request.headers.authorization);
    if (!key) {
      const error = new BbfnError('AUTH_REQUIRED', "Send the app's platform API key as a Bearer token");
      return sendError(reply, error, { 'www-authenticate': 'Bearer' });
    }
    let body: unknown;
    try {
      body = jsonBody(request.body);
    } catch (error) {
      return sendError(reply, error as BbfnError);
    }
    const { StreamableHTTPServerTransport, createMcpServer } = await loadMcp();
    const server = createMcpServer(authorizedApi(backend, key));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, body);
    } catch (error) {
      log.error({ err: error }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify(new BbfnError('INTERNAL').toJSON()));
      }
    }
  });
  // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
  const notAllowed = new BbfnError(
    'HTTP_METHOD_NOT_ALLOWED',
    'MCP here is POST only (stateless streamable HTTP)',
  );
  app.get('/mcp', (_request, reply) => sendError(reply, notAllowed, { allow: 'POST' }));
  app.delete('/mcp', (_request, reply) => sendError(reply, notAllowed, { allow: 'POST' }));
}
