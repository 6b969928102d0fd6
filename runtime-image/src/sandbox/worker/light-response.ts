/**
 * A `Response` that skips the platform's body streams for the bodies handlers
 * return most (strings, bytes, nothing). Building a native Response and reading it
 * back costs ~25 µs a request; this keeps the body and headers as given until
 * something asks for more than status and headers, then becomes a native Response.
 * The same idea as @hono/node-server's lightweight Response.
 *
 * It is installed as the worker's global `Response`, so `new Response(...)` in a
 * handler makes one; `instanceof Response` holds for it and for native ones.
 */
import { delegateToNative } from './delegate-native.ts';

const NativeResponse = globalThis.Response;

/** Statuses whose response may not have a body (the native constructor throws). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type FastBody = string | Uint8Array<ArrayBuffer> | null;

interface FastParts {
  status: number;
  headers: Headers;
  body: FastBody;
}

/** Only what the fast path reproduces exactly goes through it; the rest is native at once. */
function fastBody(body: unknown): FastBody | undefined {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  // The native constructor copies bytes too: later writes to the caller's buffer don't show.
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  return undefined;
}

function fastStatus(init: ResponseInit | undefined, body: FastBody): number | undefined {
  if (init === undefined || init === null) return 200;
  if (typeof init !== 'object' || init.statusText !== undefined) return undefined;
  const status = init.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) return undefined;
  if (body !== null && NULL_BODY_STATUSES.has(status)) return undefined;
  return status;
}

export class LightResponse {
  #fast: FastParts | null = null;
  #native: Response | null = null;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const bytes = fastBody(body);
    const status = bytes === undefined ? undefined : fastStatus(init, bytes);
    if (bytes === undefined || status === undefined) {
      this.#native = new NativeResponse(body, init);
      return;
    }
    // Headers validates names and values and merges duplicates exactly as Response does.
    const headers = new Headers(init?.headers);
    if (typeof bytes === 'string' && !headers.has('content-type'))
      headers.set('content-type', 'text/plain;charset=UTF-8');
    this.#fast = { status, headers, body: bytes };
  }

  /** Status, headers and body without a native Response, or null when it is one already. */
  static fastParts(response: unknown): Readonly<FastParts> | null {
    return LightResponse.isLight(response) ? response.#fast : null;
  }

  /** A brand check: `instanceof` is widened below to accept native Responses too. */
  static isLight(value: unknown): value is LightResponse {
    return typeof value === 'object' && value !== null && #fast in value;
  }

  /** The native Response this one stands for, made on first need. */
  static toNative(response: LightResponse): Response {
    if (response.#native) return response.#native;
    const fast = response.#fast!;
    response.#native = new NativeResponse(fast.body, { status: fast.status, headers: fast.headers });
    response.#fast = null;
    return response.#native;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(NativeResponse, value);
  }

  get status(): number {
    return this.#fast ? this.#fast.status : LightResponse.toNative(this).status;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status < 300;
  }

  get statusText(): string {
    return this.#fast ? '' : LightResponse.toNative(this).statusText;
  }

  get headers(): Headers {
    return this.#fast ? this.#fast.headers : LightResponse.toNative(this).headers;
  }
}

// Everything else a Response has (body, bodyUsed, type, url, redirected, json(), text(),
// arrayBuffer(), bytes(), blob(), formData(), clone()…) comes from the native one.
delegateToNative(LightResponse, NativeResponse, (value) => LightResponse.toNative(value));
// Static helpers (Response.json, Response.redirect, Response.error) come from the native class.
Object.setPrototypeOf(LightResponse, NativeResponse);

/** Makes `Response` in the worker the light one. */
export function installLightResponse(): void {
  Object.defineProperty(globalThis, 'Response', {
    value: LightResponse,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** The native Response behind any Response a handler returned. */
export function nativeResponse(response: Response): Response {
  return LightResponse.isLight(response) ? LightResponse.toNative(response) : response;
}
