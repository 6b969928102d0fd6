import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { BbfnError, type ErrorCode } from '../errors.ts';
import { JSONStringify } from '../primordials.ts';

/**
 * What Node's HTTP parser refuses before any route runs (a malformed request, headers
 * past the size limit, a request that took too long), answered in the host's error
 * shape, `{"error":{"code","message"}}`, instead of Fastify's.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'HTTP_HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'HTTP_REQUEST_TIMEOUT'
        : 'HTTP_BAD_REQUEST';
  const failure = new BbfnError(code);
  const body = JSONStringify(failure.toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
