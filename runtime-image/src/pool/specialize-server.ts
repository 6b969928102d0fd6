import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BbfnError, isBbfnError } from '../errors.ts';
import { type SpecializeRequest, specializeRequestSchema } from './specialize-request.ts';

/** A function's bundle is at most a ConfigMap's 1 MiB; the rest is its definition and settings. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;
export const SPECIALIZE_PATH = '/v1/specialize';
const JSON_TYPE = 'application/json; charset=utf-8';

export interface SpecializeServerOptions {
  port: number;
  address: string;
  /** What a request's `Authorization: Bearer …` must be. */
  token: string;
  /** Settles when the process is warm: until then /readyz answers 503. */
  ready: Promise<void>;
  log: Logger;
  /** Becomes the function's pod; resolves once it serves, with what the caller is told. */
  specialize: (request: SpecializeRequest) => Promise<Record<string, unknown>>;
}

/**
 * The one door of a warm pool process: `POST /v1/specialize` with the pool's token
 * hands it a function, and the process serves it from then on; `GET /readyz` says
 * whether it is ready: warm (waiting), then serving its function. It takes one function
 * in its life: once one is taken, a second specialize is refused. The port stays open
 * for /readyz alone, because a pod's readiness probe cannot change: the operator moves
 * the specialized pod into the function's Service (operator/src/pool/), whose endpoints
 * list it only while this probe passes. A request that fails once the function is being
 * served (a worker that cannot start) ends the process: half a pod must not wait for a
 * second function.
 */
export async function startSpecializeServer(
  options: SpecializeServerOptions,
): Promise<{ server: Server; url: string }> {
  const expected = digest(options.token);
  let taken = false;
  let state: 'booting' | 'warm' | 'specializing' | 'serving' = 'booting';
  void options.ready.then(() => {
    if (state === 'booting') state = 'warm';
  });
  const server = createServer((request, response) => {
    void answer(request, response).catch((error: unknown) => {
      const failure = isBbfnError(error) ? error : new BbfnError('INTERNAL');
      if (!isBbfnError(error)) options.log.error({ err: error }, 'specialize request failed');
      send(response, failure.status, failure.toJSON());
    });
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url?.split('?')[0];
    if (request.method === 'GET' && path === '/readyz')
      return send(response, state === 'warm' || state === 'serving' ? 200 : 503, { status: state });
    if (path !== SPECIALIZE_PATH) throw new BbfnError('RESOURCE_NOT_FOUND', `No route ${path}`);
    if (request.method !== 'POST') throw new BbfnError('HTTP_METHOD_NOT_ALLOWED', 'Specialize with POST');
    const [scheme, presented] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !presented || !timingSafeEqual(digest(presented), expected))
      throw new BbfnError('POOL_UNAUTHORIZED');
    if (taken) throw new BbfnError('POOL_ALREADY_SPECIALIZED');
    const body = specializeRequestSchema.safeParse(parseJson(await readBody(request)));
    if (!body.success) throw new BbfnError('VALIDATION_INVALID_REQUEST', z.prettifyError(body.error));
    taken = true;
    state = 'specializing';
    let served: Record<string, unknown>;
    try {
      served = await options.specialize(body.data);
    } catch (error) {
      options.log.fatal({ err: error }, 'the function given to this warm process failed to start');
      const failure = isBbfnError(error)
        ? error
        : new BbfnError('FUNCTION_LOAD_FAILED', (error as Error).message);
      send(response, failure.status, failure.toJSON(), () => options.log.flush(() => process.exit(1)));
      return;
    }
    state = 'serving';
    send(response, 200, served);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return { server, url: `http://${host}:${port}` };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BbfnError('VALIDATION_INVALID_REQUEST', 'The specialize request body is not JSON');
  }
}

/** The body, up to BODY_LIMIT_BYTES. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        reject(new BbfnError('HTTP_BODY_TOO_LARGE'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, then?: () => void): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  response.end(text, then);
}
