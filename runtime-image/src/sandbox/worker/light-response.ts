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
import { ObjectKeys } from '../../primordials.ts';
import { delegateToNative } from './delegate-native.ts';

const NativeResponse = globalThis.Response;

/** The content types Response gives a string body and Response.json's. */
const TEXT_TYPE = 'text/plain;charset=UTF-8';
const JSON_TYPE = 'application/json';

/** Statuses whose response may not have a body (the native constructor throws). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type FastBody = string | Uint8Array<ArrayBuffer> | null;

interface FastParts {
  status: number;
  /** Lower-case names in order, as a native Headers lists them. */
  headers: [string, string][];
  body: FastBody;
}

interface FastState {
  status: number;
  body: FastBody;
  /** Pairs while nobody has asked for `headers`; the Headers object once someone has. */
  headers: [string, string][] | Headers;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * Values Headers would change (surrounding whitespace) or refuse (CR, LF, NUL, and
 * characters past U+00FF, which are no ByteString).
 */
const UNPLAIN_VALUE = /^[\t ]|[\t ]$|[\0\r\n]|[^\0-\xff]/;

/**
 * The headers of a plain `{ name: value }` init as Headers would list them, or
 * undefined for anything Headers must judge itself (other shapes, odd names or
 * values, names that differ only in case). Building a Headers cost ~3 µs a response.
 */
function plainHeaderPairs(init: HeadersInit | undefined): [string, string][] | undefined {
  if (init === undefined || init === null) return [];
  if (typeof init !== 'object' || Object.getPrototypeOf(init) !== Object.prototype) return undefined;
  const pairs: [string, string][] = [];
  const record = init as Record<string, unknown>;
  // Own keys only, as Headers reads them: `for…in` would also list what a handler's naive
  // deep merge put on Object.prototype (`{"__proto__": {"set-cookie": …}}`) into every
  // later response.
  for (const name of ObjectKeys(record)) {
    const value = record[name];
    if (typeof value !== 'string' || !TOKEN.test(name) || UNPLAIN_VALUE.test(value)) return undefined;
    const lower = name.toLowerCase();
    if (pairs.some(([seen]) => seen === lower)) return undefined;
    pairs.push([lower, value]);
  }
  return pairs;
}

function withDefaultContentType(pairs: [string, string][], type: string | null): [string, string][] {
  if (type !== null && !pairs.some(([name]) => name === 'content-type')) pairs.push(['content-type', type]);
  return pairs.length > 1 ? pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : pairs;
}

/** A Headers' entries as [name, value] pairs, in the order it lists them. */
export function headerPairs(headers: Headers): [string, string][] {
  const pairs: [string, string][] = [];
  headers.forEach((value, name) => {
    pairs.push([name, value]);
  });
  return pairs;
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
  #fast: FastState | null = null;
  #native: Response | null = null;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const bytes = fastBody(body);
    const status = bytes === undefined ? undefined : fastStatus(init, bytes);
    if (bytes === undefined || status === undefined) {
      this.#native = new NativeResponse(body, init);
      return;
    }
    const pairs = plainHeaderPairs(init?.headers);
    if (pairs) {
      const type = typeof bytes === 'string' ? TEXT_TYPE : null;
      this.#fast = { status, headers: withDefaultContentType(pairs, type), body: bytes };
      return;
    }
    // Headers validates names and values and merges duplicates exactly as Response does.
    const headers = new Headers(init?.headers);
    if (typeof bytes === 'string' && !headers.has('content-type')) headers.set('content-type', TEXT_TYPE);
    this.#fast = { status, headers, body: bytes };
  }

  /**
   * `Response.json`, light when its init is plain (the usual `Response.json(data)` or
   * `{ status, headers: {…} }`); anything else, and what must throw, goes to the
   * native one.
   */
  static json(data: unknown, init?: ResponseInit): Response {
    const text = JSON.stringify(data) as string | undefined;
    const status = text === undefined ? undefined : fastStatus(init, text);
    const pairs = status === undefined ? undefined : plainHeaderPairs(init?.headers);
    if (text === undefined || status === undefined || pairs === undefined)
      return NativeResponse.json(data, init);
    const response = new LightResponse(null);
    response.#fast = { status, headers: withDefaultContentType(pairs, JSON_TYPE), body: text };
    return response as unknown as Response;
  }

  /** Status, headers and body without a native Response, or null when it is one already. */
  static fastParts(response: unknown): Readonly<FastParts> | null {
    const fast = LightResponse.isLight(response) ? response.#fast : null;
    if (!fast) return null;
    const { headers } = fast;
    return {
      status: fast.status,
      headers: Array.isArray(headers) ? headers : headerPairs(headers),
      body: fast.body,
    };
  }

  /** A brand check: `instanceof` is widened below to accept native Responses too. */
  static isLight(value: unknown): value is LightResponse {
    return typeof value === 'object' && value !== null && #fast in value;
  }

  /** The native Response this one stands for, made on first need. */
  static toNative(response: LightResponse): Response {
    if (response.#native) return response.#native;
    const fast = response.#fast!;
    response.#native = new NativeResponse(fast.body, {
      status: fast.status,
      headers: fast.headers as HeadersInit,
    });
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
    const fast = this.#fast;
    if (!fast) return LightResponse.toNative(this).headers;
    // Made once, so edits through it show in what is sent.
    if (Array.isArray(fast.headers)) fast.headers = new Headers(fast.headers);
    return fast.headers;
  }
}

// Everything else a Response has (body, bodyUsed, type, url, redirected, json(), text(),
// arrayBuffer(), bytes(), blob(), formData(), clone()…) comes from the native one.
delegateToNative(LightResponse, NativeResponse, (value) => LightResponse.toNative(value));
// The other static helpers (Response.redirect, Response.error) come from the native class.
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
