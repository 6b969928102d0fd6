import type { FastifyReply } from 'fastify';
import { BbfnError, type ErrorCode } from '../errors.ts';

/** Fastify's own errors, named in our codes so callers see one vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HTTP_BODY_TOO_LARGE',
};

export function toBbfnError(error: unknown): BbfnError {
  if (error instanceof BbfnError) return error;
  const code = (error as { code?: string }).code;
  const mapped = code ? FASTIFY_CODES[code] : undefined;
  if (mapped) return new BbfnError(mapped, undefined, { cause: error });
  return new BbfnError('INTERNAL', undefined, { cause: error });
}

export function sendError(
  reply: FastifyReply,
  error: BbfnError,
  headers?: Record<string, string>,
): FastifyReply {
  reply.code(error.status).header('content-type', 'application/json; charset=utf-8');
  if (headers) reply.headers(headers);
  return reply.send(JSON.stringify(error.toJSON()));
}
