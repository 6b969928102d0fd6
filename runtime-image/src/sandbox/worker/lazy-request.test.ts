import { describe, expect, it } from 'vitest';
import { installLazyRequestSupport, LazyRequest } from './lazy-request.ts';

const NativeRequest = globalThis.Request;

function lazy(method = 'POST', body: Uint8Array | null = new TextEncoder().encode('{"a":1}')) {
  return new LazyRequest({
    method,
    url: 'http://x.test/path?q=1',
    rawHeaders: ['Content-Type', 'application/json', 'X-A', '1', 'x-a', '2'],
    body,
    signal: () => new AbortController().signal,
  });
}

describe('LazyRequest', () => {
  it('answers method, url and headers without a native Request', () => {
    const request = lazy();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://x.test/path?q=1');
    expect(request.headers.get('x-a')).toBe('1, 2');
    expect(request).toBeInstanceOf(NativeRequest);
  });

  it('becomes native for the body, keeping header edits and the signal', async () => {
    const controller = new AbortController();
    const request = new LazyRequest({
      method: 'PUT',
      url: 'http://x.test/',
      rawHeaders: [],
      body: new TextEncoder().encode('text'),
      signal: () => controller.signal,
    });
    request.headers.set('x-b', 'z');
    expect(await (request as unknown as Request).text()).toBe('text');
    expect((request as unknown as Request).bodyUsed).toBe(true);
    expect(request.headers.get('x-b')).toBe('z');
    controller.abort();
    expect(request.signal.aborted).toBe(true);
  });

  it('has no body for GET', () => {
    expect((lazy('GET', null) as unknown as Request).body).toBeNull();
  });

  it('can be passed to new Request() and clone() once supported', async () => {
    installLazyRequestSupport();
    const copy = new Request(lazy() as unknown as Request);
    expect(copy.method).toBe('POST');
    expect(await copy.json()).toEqual({ a: 1 });
    expect(lazy()).toBeInstanceOf(Request);
    expect(new NativeRequest('http://x.test/')).toBeInstanceOf(Request);
    const cloned = (lazy() as unknown as Request).clone();
    expect(await cloned.json()).toEqual({ a: 1 });
  });
});
