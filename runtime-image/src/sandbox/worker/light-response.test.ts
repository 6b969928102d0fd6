import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LightResponse } from './light-response.ts';

const NativeResponse = globalThis.Response;

/** What a handler sees: the light class, typed as the Response it stands for. */
const Light = LightResponse as unknown as typeof Response;

describe('LightResponse', () => {
  it('keeps a string body and its headers without a native Response, as Response would shape them', () => {
    const response = new LightResponse('hi', { status: 201, headers: { 'X-A': '1' } });
    expect(LightResponse.fastParts(response)).toEqual({
      status: 201,
      headers: [
        ['content-type', 'text/plain;charset=UTF-8'],
        ['x-a', '1'],
      ],
      body: 'hi',
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe('');
    expect([...response.headers]).toEqual([
      ['content-type', 'text/plain;charset=UTF-8'],
      ['x-a', '1'],
    ]);
  });

  it('lists the headers of any init exactly as a native Response does', () => {
    const inits: HeadersInit[] = [
      { 'Content-Type': 'application/json' },
      { 'X-B': '2', 'x-a': '1' },
      { 'X-Dup': 'a', 'x-dup': 'b' },
      { 'X-Space': ' padded ' },
      [
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ],
      new Headers({ 'X-From': 'headers' }),
      {},
    ];
    for (const headers of inits) {
      const light = LightResponse.fastParts(new LightResponse('body', { headers }))!;
      expect(light.headers).toEqual([...new NativeResponse('body', { headers }).headers]);
    }
    expect(() => new LightResponse('x', { headers: { 'bad name': 'v' } })).toThrow(TypeError);
  });

  it('is an instance of the native Response, and native Responses are instances of it', () => {
    expect(new LightResponse(null)).toBeInstanceOf(NativeResponse);
    expect(new NativeResponse('x')).toBeInstanceOf(LightResponse);
    expect(Object.prototype.toString.call(new LightResponse(null))).toBe('[object Response]');
  });

  it('becomes native for anything beyond status and headers, keeping header edits', async () => {
    const response = new Light('{"a":1}', { headers: { 'content-type': 'application/json' } });
    response.headers.set('x-added', 'yes');
    expect(await response.json()).toEqual({ a: 1 });
    expect(response.bodyUsed).toBe(true);
    expect(LightResponse.fastParts(response)).toBeNull();
    expect(response.headers.get('x-added')).toBe('yes');
  });

  it('copies bytes, as the native constructor does', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const response = new Light(bytes);
    bytes[0] = 9;
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(response.headers.has('content-type')).toBe(false);
  });

  it('throws where the native constructor throws', () => {
    expect(() => new LightResponse('x', { status: 204 })).toThrow(TypeError);
    expect(() => new LightResponse('x', { status: 99 })).toThrow(RangeError);
    expect(() => new LightResponse('x', { headers: { 'bad name': 'x' } })).toThrow(TypeError);
    // Not a ByteString.
    expect(() => new LightResponse('x', { headers: { 'x-note': 'caf\u0100' } })).toThrow(TypeError);
    expect(() => Light.json({}, { headers: { 'x-note': 'caf\u0100' } })).toThrow(TypeError);
  });

  it('hands streams, statusText and the static helpers to the native class', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const streamed = new Light(stream);
    expect(LightResponse.fastParts(streamed)).toBeNull();
    expect(await streamed.text()).toBe('streamed');
    expect(new LightResponse('x', { status: 404, statusText: 'Nope' }).statusText).toBe('Nope');
    const json = Light.json({ b: 2 });
    expect(json).toBeInstanceOf(LightResponse);
    expect(await json.json()).toEqual({ b: 2 });
  });

  it('supports subclasses and inspection', async () => {
    class Custom extends Light {}
    const custom = new Custom('sub');
    expect(await custom.text()).toBe('sub');
    expect(inspect(new LightResponse('x'))).toContain('status: 200');
  });

  it('makes Response.json light when its init is plain, shaped as the native one', async () => {
    const cases: [unknown, ResponseInit | undefined][] = [
      [{ b: 2 }, undefined],
      [[1, 'two', null], { status: 201 }],
      ['text', { headers: { 'X-A': '1' } }],
      [{ c: 3 }, { status: 422, headers: { 'Content-Type': 'application/problem+json' } }],
    ];
    for (const [data, init] of cases) {
      const light = Light.json(data, init);
      const native = NativeResponse.json(data, init);
      expect(LightResponse.fastParts(light)).not.toBeNull();
      expect(light.status).toBe(native.status);
      expect([...light.headers]).toEqual([...native.headers]);
      expect(await light.text()).toBe(await native.text());
    }
    // Inits the fast path leaves alone, and what must throw, go to the native helper.
    const withStatusText = Light.json({ d: 4 }, { statusText: 'Made' });
    expect(LightResponse.fastParts(withStatusText)).toBeNull();
    expect(withStatusText.statusText).toBe('Made');
    expect(() => Light.json(undefined)).toThrow(TypeError);
    expect(() => Light.json(1n)).toThrow(TypeError);
    expect(() => Light.json({}, { status: 204 })).toThrow(TypeError);
  });

  it("takes only the init's own header keys, as Headers does, whatever Object.prototype holds", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['set-cookie'] = 'session=stolen';
    try {
      const light = new LightResponse('x', { headers: { 'content-type': 'text/plain' } });
      const native = new NativeResponse('x', { headers: { 'content-type': 'text/plain' } });
      expect(LightResponse.fastParts(light)?.headers).toEqual([['content-type', 'text/plain']]);
      expect([...light.headers]).toEqual([...native.headers]);
    } finally {
      delete proto['set-cookie'];
    }
  });
});
