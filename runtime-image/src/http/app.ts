import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { BbfnError } from '../errors.ts';
import type { FunctionHost } from '../host/host.ts';
import { clientErrorHandler } from './client-errors.ts';
import { createFunctionRoute, sendMethodNotAllowed } from './function-route.ts';
import { sendError, toBbfnError } from './http-errors.ts';
import { createWebsocketRoute } from './websocket-route.ts';

export interface HttpAppOptions {
  host: FunctionHost;
  logger: FastifyBaseLogger;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Trust X-Forwarded-* from the ingress in front of the host. */
  trustProxy: boolean;
  /**
   * Serve websocket triggers (default true). A host that knows it has none leaves the
   * plugin out: its hooks run on every request and cost ~5% of a small one.
   */
  websocket?: boolean;
  /**
   * The revision this pod serves as the operator named it (BBFN_REVISION), which the
   * ingress probe answers with; unset (a host run by hand), each function's bundle hash.
   */
  revision?: string;
  /** Extra plugins (health, metrics) registered before the catch-all route. */
  register?: (app: FastifyInstance) => Promise<void> | void;
}

/**
 * No route here declares a schema, so nothing needs Ajv or fast-json-stringify, which
 * Fastify loads by default for the compilers it would make: ~500 KB of code evaluated
 * on a pod's critical path to its first response. These compilers say why if a route
 * ever asks for one.
 */
const NO_SCHEMA_COMPILERS = {
  buildValidator: () => () => {
    throw new Error('The function host compiles no validation schemas');
  },
  buildSerializer: () => () => {
    throw new Error('The function host compiles no serialization schemas');
  },
};

/** The Fastify app (plugins and routes); listening and shutdown live in server.ts. */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const log = options.logger;
  const app = Fastify({
    // No logger of Fastify's own: the invocation record is the access log, and the
    // errors worth a line are logged below with their own fields. Given a logger,
    // Fastify makes a child logger for every request and listens for every response's
    // end to log it, which cost several µs a request even with request logging off.
    logger: false,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    // Function URLs carry arbitrary sub-paths and query strings.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 2048 },
    schemaController: { compilersFactory: NO_SCHEMA_COMPILERS },
    clientErrorHandler,
    // A URL the router cannot decode: the caller's error, in the host's error shape.
    frameworkErrors: (error, _request, reply) => sendError(reply, toBbfnError(error)),
  });
  // Handlers read the body themselves (`req.json()`, `req.text()`…): keep the bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    const bbfnError = toBbfnError(error);
    if (bbfnError.status >= 500)
      log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    return sendError(reply, bbfnError);
  });

  await options.register?.(app);
  const functionRoute = createFunctionRoute(options.host, options.revision);
  if (options.websocket ?? true) {
    // Loaded only here: the plugin and the ws library take ~20 ms to load, on the
    // critical path of a pod's start.
    const { default: fastifyWebsocket } = await import('@fastify/websocket');
    await app.register(fastifyWebsocket, { options: { maxPayload: options.bodyLimit } });
    // GET serves both: plain requests go to the handler, upgrades to the websocket trigger.
    app.route({
      method: 'GET',
      url: '/v1/*',
      handler: functionRoute,
      wsHandler: createWebsocketRoute(options.host),
    });
  } else {
    app.get('/v1/*', functionRoute);
  }
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY'],
    url: '/v1/*',
    handler: functionRoute,
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // A method no route takes (TRACE, PROPFIND…) at a function's URL: the function is there.
    const deployment = path.startsWith('/v1/') ? options.host.registry.route(path) : undefined;
    if (deployment) return sendMethodNotAllowed(reply, deployment);
    return sendError(reply, new BbfnError('RESOURCE_NOT_FOUND', `No function is deployed at ${path}`));
  });
  return app;
}
