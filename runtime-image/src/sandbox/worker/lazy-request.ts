/**
 * The `Request` a handler receives, built only as far as the handler reads it.
 * `method`, `url` and `signal` are plain values and `headers` is a Headers made on
 * first read; anything else (the body, `json()`, `clone()`…) turns it into a native
 * Request. A native Request with a signal costs ~7 µs, more than many handlers.
 * The same idea as @hono/node-server's lightweight Request.
 */
import { delegateToNative } from './delegate-native.ts';

const NativeRequest = globalThis.Request;
const nativeFetch = globalThis.fetch;

const BODYLESS = new Set(['GET', 'HEAD']);

export interface LazyRequestInit {
  method: string;
  url: string;
  /** Flat [name, value, name, value…] as Node's rawHeaders. */
  rawHeaders: string[];
  body: Uint8Array | null;
  /** Made on first read. */
  signal: () => AbortSignal;
}

export class LazyRequest {
  #init: LazyRequestInit;
  #headers: Headers | null = null;
  #native: Request | null = null;

  constructor(init: LazyRequestInit) {
    this.#init = init;
  }

  static isLazy(value: unknown): value is LazyRequest {
    return typeof value === 'object' && value !== null && #init in value;
  }

  /** The native Request this one stands for, made on first need. */
  static toNative(request: LazyRequest): Request {
    if (request.#native) return request.#native;
    const init = request.#init;
    const hasBody = init.body !== null && !BODYLESS.has(init.method);
    request.#native = new NativeRequest(init.url, {
      method: init.method,
      headers: request.headers,
      body: hasBody ? init.body : null,
      signal: init.signal(),
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit);
    return request.#native;
  }

  get method(): string {
    return this.#init.method;
  }

  get url(): string {
    return this.#init.url;
  }

  get signal(): AbortSignal {
    return this.#native ? this.#native.signal : this.#init.signal();
  }

  get headers(): Headers {
    if (this.#native) return this.#native.headers;
    if (!this.#headers) {
      const headers = new Headers();
      const raw = this.#init.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
      this.#headers = headers;
    }
    return this.#headers;
  }
}

delegateToNative(LazyRequest, NativeRequest, (value) => LazyRequest.toNative(value));

function unwrap(input: unknown): unknown {
  return LazyRequest.isLazy(input) ? LazyRequest.toNative(input) : input;
}

/**
 * `new Request(req)` and `fetch(req)` read a Request's internal state, which a lazy
 * one doesn't have yet: hand them the native Request instead.
 */
export function installLazyRequestSupport(): void {
  class Request extends NativeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(unwrap(input) as RequestInfo | URL, init);
    }

    static override [Symbol.hasInstance](value: unknown): boolean {
      return Function.prototype[Symbol.hasInstance].call(NativeRequest, value);
    }
  }
  const fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    nativeFetch(unwrap(input) as RequestInfo | URL, init);
  for (const [name, value] of Object.entries({ Request, fetch })) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}
