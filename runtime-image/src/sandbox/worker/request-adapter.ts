import type { InvokeMessage } from '../protocol.ts';

const BODYLESS = new Set(['GET', 'HEAD']);

/** Builds the Web `Request` the handler receives from what the main thread sent. */
export function toWebRequest(message: InvokeMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = message.headers;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const hasBody = message.body !== null && !BODYLESS.has(message.method);
  return new Request(message.url, {
    method: message.method,
    headers,
    body: hasBody ? message.body : null,
    signal,
    ...(hasBody ? { duplex: 'half' } : {}),
  } as RequestInit);
}

export interface SerializedResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array | null;
}

/** Reads a handler's `Response` into plain data (the body is buffered whole). */
export async function fromWebResponse(response: Response): Promise<SerializedResponse> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    headers.push([name, value]);
  });
  const body = response.body === null ? null : new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers, body };
}
