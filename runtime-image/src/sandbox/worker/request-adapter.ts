import { BbfnError } from '../../errors.ts';
import type { InvocationInput } from '../protocol.ts';
import { LazyRequest } from './lazy-request.ts';
import { headerPairs, LightResponse, nativeResponse } from './light-response.ts';

/** The `Request` the handler receives for what the main thread sent. */
export function toWebRequest(message: InvocationInput, signal: () => AbortSignal): Request {
  const request = new LazyRequest({
    method: message.method,
    url: message.url,
    rawHeaders: message.headers,
    body: message.body,
    signal,
  });
  return request as unknown as Request;
}

export interface SerializedResponse {
  status: number;
  headers: [string, string][];
  body: string | Uint8Array | null;
}

/**
 * Reads a handler's `Response` into plain data. A light Response with a string or
 * bytes body is read as is; anything else is buffered whole through its stream.
 */
export function fromWebResponse(
  response: Response,
  limitBytes: number,
): SerializedResponse | Promise<SerializedResponse> {
  const fast = LightResponse.fastParts(response);
  if (fast) {
    // Strings cross as strings (the main thread writes them as Fastify would). Bytes are
    // copied: they are transferred, and a handler may return the same Response again.
    const body = typeof fast.body === 'string' ? fast.body : (fast.body?.slice() ?? null);
    if (body !== null && tooLarge(body, limitBytes)) throw responseTooLarge(limitBytes);
    return { status: fast.status, headers: fast.headers, body };
  }
  return readNative(nativeResponse(response), limitBytes);
}

/** A string's UTF-8 length is at most three bytes a code unit: most need no count. */
function tooLarge(body: string | Uint8Array, limitBytes: number): boolean {
  if (typeof body !== 'string') return body.byteLength > limitBytes;
  return body.length * 3 > limitBytes && Buffer.byteLength(body) > limitBytes;
}

function responseTooLarge(limitBytes: number): BbfnError {
  return new BbfnError(
    'FUNCTION_RESPONSE_TOO_LARGE',
    `The handler's response body is larger than ${limitBytes} bytes (BBFN_RESPONSE_LIMIT_BYTES)`,
  );
}

/** Reads a native body chunk by chunk, and gives up (cancelling the stream) past the limit. */
async function readNative(response: Response, limitBytes: number): Promise<SerializedResponse> {
  const headers = headerPairs(response.headers);
  if (response.body === null) return { status: response.status, headers, body: null };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw responseTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { status: response.status, headers, body };
}
