import type { FastifyReply } from 'fastify';
import { BbfnError, type ErrorCode } from '../errors.ts';
import { JSONStringify } from '../primordials.ts';

/** Fastify's own errors, named in our codes so callers see one vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HTTP_BODY_TOO_LARGE',
};

export function toBbfnError(error: unknown): BbfnError {
  if (error instanceof BbfnError) return error;
  const { code, statusCode, message } = error as { code?: string; statusCode?: number; message?: string };
  const mapped = code ? FASTIFY_CODES[code] : undefined;
  if (mapped) return new BbfnError(mapped, undefined, { cause: error });
  // Fastify's other refusals of the request itself (a QUERY without a Content-Type, a bad
  // URL): the caller's to fix, and its message says how.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return new BbfnError('HTTP_BAD_REQUEST', message, { cause: error });
  return new BbfnError('INTERNAL', undefined, { cause: error });
}

export function sendError(
  reply: FastifyReply,
  error: BbfnError,
  headers?: Record<string, string>,
): FastifyReply {
  reply.code(error.status).header('content-type', 'application/json; charset=utf-8');
  if (headers) reply.headers(headers);
  return reply.send(JSONStringify(error.toJSON()));
}
