import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Caller } from '../auth/caller.ts';
import { BbfnError } from '../errors.ts';
import type { FunctionHost } from '../host/host.ts';
import { invokeFunction } from '../host/invoker.ts';
import { JSONStringify } from '../primordials.ts';
import { splitUrl } from './split-url.ts';

const decoder = new TextDecoder();
/** Messages held for a connection whose credentials are still being verified. */
const MAX_HELD_MESSAGES = 256;
const encoder = new TextEncoder();

/** A text frame for a text message, a binary frame for a binary one, whatever the handler built. */
function asFrame(body: string | Uint8Array | null, binary: boolean): string | Uint8Array {
  if (body === null) return binary ? new Uint8Array() : '';
  if (typeof body === 'string') return binary ? encoder.encode(body) : body;
  return binary ? body : decoder.decode(body);
}

/** Close codes a client can act on: 1008 policy (auth, wrong trigger), 1011 server error. */
function reject(socket: WebSocket, error: BbfnError, closeCode: number): void {
  socket.send(JSONStringify(error.toJSON()));
  socket.close(closeCode, error.code);
}

/**
 * WebSocket trigger: a client connects to the function URL (credentials in a header or
 * the `access_token` query parameter); each message is one invocation whose `Request`
 * carries the message as its body, and whose response body goes back on the socket.
 */
export function createWebsocketRoute(host: FunctionHost) {
  return async function websocketRoute(socket: WebSocket, request: FastifyRequest): Promise<void> {
    const { rawUrl, path, query } = splitUrl(request.raw.url);
    const deployment = host.registry.route(path);
    // 1013: try again later.
    if (!deployment && host.starting) return reject(socket, new BbfnError('HOST_STARTING'), 1013);
    if (deployment?.trigger.type !== 'websocket') {
      const what = deployment
        ? `Function "${deployment.name}" has no websocket trigger`
        : `No function at ${path}`;
      return reject(socket, new BbfnError('RESOURCE_NOT_FOUND', what), 1008);
    }
    // Listening from the start: a client may send as soon as the socket opens, while the
    // credentials are still being verified (a JWT's first check loads jose). What arrives
    // meanwhile is held, and answered in order once the caller is known.
    const held: [Buffer, boolean][] = [];
    let receive = (data: Buffer, isBinary: boolean) => {
      if (held.length === MAX_HELD_MESSAGES)
        return reject(socket, new BbfnError('HTTP_TOO_MANY_MESSAGES'), 1008);
      held.push([data, isBinary]);
    };
    socket.on('message', (data: Buffer, isBinary: boolean) => receive(data, isBinary));
    let caller: Caller;
    try {
      caller = await host.authorize(
        deployment,
        deployment.trigger.config.auth,
        request.headers,
        new URLSearchParams(query),
      );
    } catch (error) {
      if (error instanceof BbfnError) return reject(socket, error, 1008);
      throw error;
    }
    const url = `${request.protocol === 'https' ? 'wss' : 'ws'}://${request.host}${rawUrl}`;
    // Messages of one connection are answered in order.
    let queue = Promise.resolve();
    receive = (data, isBinary) => {
      const body = new Uint8Array(data);
      queue = queue.then(async () => {
        // The revision may have been replaced since the connection opened: use the current one.
        const current = host.registry.get(deployment.appId, deployment.name) ?? deployment;
        const result = await invokeFunction(
          current,
          { method: 'POST', url, path, headers: request.raw.rawHeaders, body, caller, trigger: 'websocket' },
          host.options.sink,
        );
        if (socket.readyState !== socket.OPEN) return;
        socket.send(asFrame(result.body, isBinary), { binary: isBinary });
      });
    };
    for (const [data, isBinary] of held.splice(0)) receive(data, isBinary);
  };
}
