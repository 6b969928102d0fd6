import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.ts';
import { BbfnError } from '../errors.ts';
import type { FunctionDeployment } from '../host/deployment.ts';
import type { FunctionHost } from '../host/host.ts';
import { INVOCATION_ID_HEADER, type InvokeResponse, invokeFunction } from '../host/invoker.ts';
import { atEndOfTurn } from './end-of-turn.ts';
import { sendError } from './http-errors.ts';
import { answerProbe, isProbe } from './ingress-probe.ts';
import { splitUrl } from './split-url.ts';
import { serveWebhook } from './webhook-route.ts';

/** Headers that describe the connection or the framing, which Fastify sets itself. */
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * Serves every function URL: finds the revision, enforces the trigger's method and
 * auth, runs the handler in its sandbox and writes back what it returned.
 */
export function createFunctionRoute(host: FunctionHost, podRevision?: string) {
  // Not an async route: Fastify waits for a returned reply by listening for the end of
  // its response stream (Reply.then), which cost ~1.6 KB and several listeners a request.
  // This one sends the reply itself and hands Fastify only what failed.
  return function functionRoute(request: FastifyRequest, reply: FastifyReply): void {
    serve(host, podRevision, request, reply).catch((error: unknown) => reply.send(error));
  };
}

/** Methods a function with `method: ANY` is reached by. */
const ANY_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, QUERY';

/** 405 with the methods the function takes. */
export function sendMethodNotAllowed(reply: FastifyReply, deployment: FunctionDeployment): FastifyReply {
  const trigger = deployment.trigger;
  const method = trigger.type === 'http' ? trigger.config.method : 'GET';
  const allow = method === 'ANY' ? ANY_METHODS : method;
  const message =
    method === 'ANY'
      ? `Function "${deployment.name}" does not take ${reply.request.method} requests`
      : `Function "${deployment.name}" accepts ${method} only`;
  return sendError(reply, new BbfnError('HTTP_METHOD_NOT_ALLOWED', message), { allow });
}

/** No function at this URL: not yet (the host is still deploying), or none at all. */
function sendNoFunction(host: FunctionHost, reply: FastifyReply, path: string): void {
  if (host.starting) sendError(reply, new BbfnError('HOST_STARTING'), { 'retry-after': '1' });
  else sendError(reply, new BbfnError('RESOURCE_NOT_FOUND', `No function is deployed at ${path}`));
}

async function serve(
  host: FunctionHost,
  podRevision: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { rawUrl, path } = splitUrl(request.raw.url);
  const deployment = host.registry.route(path);
  if (!deployment) return void sendNoFunction(host, reply, path);
  // Whatever the trigger, method or auth: the ingress probe asks only which revision serves.
  if (isProbe(request)) return answerProbe(reply, podRevision ?? deployment.revision);
  const trigger = deployment.trigger;
  if (trigger.type === 'websocket') {
    const error = new BbfnError(
      'HTTP_UPGRADE_REQUIRED',
      `Function "${deployment.name}" is reached over WebSocket`,
    );
    return void sendError(reply, error, { upgrade: 'websocket' });
  }
  if (trigger.type === 'webhook' && deployment.webhook)
    return serveWebhook(host, deployment, deployment.webhook, request, reply, { rawUrl, path });
  if (trigger.type !== 'http') {
    return void sendError(
      reply,
      new BbfnError(
        'RESOURCE_NOT_FOUND',
        `Function "${deployment.name}" has a ${trigger.type} trigger and no HTTP endpoint`,
      ),
    );
  }
  const allowed = trigger.config.method;
  if (allowed !== 'ANY' && request.method !== allowed) return void sendMethodNotAllowed(reply, deployment);
  let caller: Caller;
  try {
    caller = await host.authorize(deployment, trigger.config.auth, request.headers);
  } catch (error) {
    if (!(error instanceof BbfnError)) throw error;
    // Credentials that failed get the Bearer challenge; a function whose app is gone does not.
    if (error.code === 'RESOURCE_NOT_FOUND') return void sendError(reply, error);
    return void sendError(reply, error, { 'www-authenticate': 'Bearer' });
  }
  // Copy: Fastify's buffer may share a pooled ArrayBuffer, and ours is transferred.
  const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? new Uint8Array(request.body) : null;
  const result = await invokeFunction(
    deployment,
    {
      method: request.method,
      url: `${request.protocol}://${request.host}${rawUrl}`,
      path,
      headers: request.raw.rawHeaders,
      body,
      caller,
      trigger: 'http',
    },
    host.options.sink,
  );
  // Sent with the other responses ready in this turn (end-of-turn.ts).
  atEndOfTurn(() => sendResult(reply, result));
}

/**
 * Writes the handler's response as it is: status, its headers and the invocation id in
 * one flat list, the body with its length. The response is complete already, so Fastify's
 * reply (which stores each header in an object, then looks for a serializer and hooks)
 * has nothing left to add; going around it saved ~5–8 µs of the serving thread's
 * ~50–60 a request. Fastify still routes, parses and handles errors.
 */
export function sendResult(reply: FastifyReply, result: InvokeResponse): void {
  const status = result.status;
  const headers: string[] = [];
  for (const [name, value] of result.headers) {
    if (!HOP_BY_HOP.has(name)) headers.push(name, value);
  }
  headers.push(INVOCATION_ID_HEADER, result.invocationId);
  const out = result.body;
  const payload =
    typeof out === 'string' || out === null ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  if (!BODYLESS_STATUSES.has(status)) headers.push('content-length', String(byteLength(payload)));
  try {
    // Node checks each header here, before anything is written.
    reply.raw.writeHead(status, headers);
  } catch (error) {
    const message = `The handler's response has a header Node cannot send: ${(error as Error).message}`;
    return void sendError(reply, new BbfnError('FUNCTION_INVALID_RESPONSE', message));
  }
  reply.hijack();
  reply.raw.end(payload);
}

/** Statuses that carry no body and so no Content-Length (RFC 9110 §8.6). */
const BODYLESS_STATUSES = new Set([204, 304]);

function byteLength(payload: string | Buffer | null): number {
  if (payload === null) return 0;
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
}
