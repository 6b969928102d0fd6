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
export function fromWebResponse(response: Response): SerializedResponse | Promise<SerializedResponse> {
  const fast = LightResponse.fastParts(response);
  if (fast) {
    // Strings cross as strings (the main thread writes them as Fastify would). Bytes are
    // copied: they are transferred, and a handler may return the same Response again.
    const body = typeof fast.body === 'string' ? fast.body : (fast.body?.slice() ?? null);
    return { status: fast.status, headers: fast.headers, body };
  }
  return readNative(nativeResponse(response));
}

async function readNative(response: Response): Promise<SerializedResponse> {
  const body = response.body === null ? null : new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: headerPairs(response.headers), body };
}
