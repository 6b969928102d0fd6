import type { FastifyReply, FastifyRequest } from 'fastify';
import { BbfnError, isBbfnError } from '../errors.ts';
import type { FunctionDeployment, WebhookGate } from '../host/deployment.ts';
import type { FunctionHost } from '../host/host.ts';
import { INVOCATION_ID_HEADER, invokeFunction } from '../host/invoker.ts';
import { uuidV7 } from '../invocations/uuid-v7.ts';
import type { WebhookDelivery } from '../webhook/types.ts';
import { atEndOfTurn } from './end-of-turn.ts';
import { sendResult } from './function-route.ts';
import { sendError } from './http-errors.ts';

/**
 * A webhook trigger's URL: the signature is checked over the bytes as they arrived
 * (nothing has parsed them), a failed check is 401 with its code and recorded as
 * `rejected`, a provider's handshake (Slack's url_verification, Discord's PING) is
 * answered here, and a verified delivery runs as the service role with `ctx.webhook`,
 * deduped by its delivery id in the sandbox (webhook-delivery.ts).
 */
export async function serveWebhook(
  host: FunctionHost,
  deployment: FunctionDeployment,
  gate: WebhookGate,
  request: FastifyRequest,
  reply: FastifyReply,
  target: { rawUrl: string; path: string },
): Promise<void> {
  if (request.method !== 'POST') {
    const error = new BbfnError('HTTP_METHOD_NOT_ALLOWED', `Webhook "${deployment.name}" accepts POST only`);
    return void sendError(reply, error, { allow: 'POST' });
  }
  const startedAt = new Date();
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const url = `${request.protocol}://${request.host}${target.rawUrl}`;
  const delivery: WebhookDelivery = {
    rawBody: raw,
    header: (name) => first(request.headers[name]),
    url,
    nowSeconds: Math.floor(startedAt.getTime() / 1000),
  };
  let verified: ReturnType<WebhookGate['verifier']['verify']>;
  try {
    verified = gate.verifier.verify(delivery);
  } catch (error) {
    if (!isBbfnError(error)) throw error;
    const invocationId = recordRejected(host, deployment, request.method, target.path, error, startedAt);
    return void sendError(reply, error, { [INVOCATION_ID_HEADER]: invocationId });
  }
  if (verified.kind === 'handshake') {
    const { status, headers, body } = verified.reply;
    return void reply.code(status).headers(headers).send(body);
  }
  const result = await invokeFunction(
    deployment,
    {
      method: request.method,
      url,
      path: target.path,
      headers: request.raw.rawHeaders,
      // Copied: Fastify's buffer may share a pooled ArrayBuffer, and ours is transferred.
      body: raw.length > 0 ? new Uint8Array(raw) : null,
      // The signature vouches for the provider, not for an end user.
      caller: { kind: 'service' },
      trigger: 'webhook',
      webhook: { event: verified.event, dedupe: gate.dedupe },
    },
    host.options.sink,
  );
  atEndOfTurn(() => sendResult(reply, result));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A refused delivery is an invocation too: the provider's dashboard and ours must agree. */
function recordRejected(
  host: FunctionHost,
  deployment: FunctionDeployment,
  method: string,
  path: string,
  error: BbfnError,
  startedAt: Date,
): string {
  const id = uuidV7();
  host.options.sink.recordInvocation({
    id,
    appId: deployment.appId,
    functionName: deployment.name,
    functionId: deployment.functionId,
    revision: deployment.revision,
    trigger: 'webhook',
    userId: null,
    method,
    path,
    statusCode: error.status,
    outcome: 'rejected',
    errorCode: error.code,
    errorMessage: error.message,
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
  });
  return id;
}
