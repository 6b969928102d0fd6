import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface ConnectionDrainOptions {
  /**
   * How long a kept-alive connection may sit idle once the drain began before it is
   * closed: a client sending back to back has its next request in flight well within it,
   * and gets its answer with `Connection: close` instead of a reset.
   */
  idleMs: number;
  /** Past this, every connection still open is closed, busy or not. */
  limitMs: number;
}

/**
 * Hands a server's HTTP connections over to the listeners beside it (SO_REUSEPORT)
 * without failing a request: what `server.close()` does not do. That call destroys
 * every connection that has no request in progress at that instant, among them a
 * kept-alive one whose client has just sent its next request and a fresh one whose
 * request has not arrived yet (both seen as resets), and Fastify's close answers what
 * still comes with 503. Instead, `drain()`:
 * 1. stops listening, so the kernel gives new connections to the other listeners;
 * 2. answers every request that still comes, with `Connection: close`, so the client
 *    closes and reconnects (to another listener);
 * 3. after `idleMs`, closes the connections that have stayed idle; one whose response
 *    finishes later closes `idleMs` after it, unless another request comes;
 * 4. resolves once every connection is closed, or closes them all at `limitMs`.
 *
 * Connections are counted from the start (one listener per connection, none per
 * request), so the drain knows when the last one is gone. Upgraded (WebSocket)
 * connections count too: whoever upgraded them closes them (`closeUpgraded`).
 */
export class ConnectionDrain {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private draining: Promise<void> | null = null;
  private onAllClosed: (() => void) | null = null;

  constructor(server: Server) {
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (this.sockets.size === 0) this.onAllClosed?.();
      });
    });
  }

  /** Connections open now. */
  get open(): number {
    return this.sockets.size;
  }

  drain(options: ConnectionDrainOptions): Promise<void> {
    this.draining ??= this.run(options);
    return this.draining;
  }

  private async run({ idleMs, limitMs }: ConnectionDrainOptions): Promise<void> {
    const server = this.server;
    // First of the request listeners, before Fastify's can have written the head.
    server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
    // A response that was under way when the drain began keeps its connection this long.
    server.keepAliveTimeout = idleMs;
    // net's close, not http's: stop listening without http's sweep of idle connections.
    if (server.listening) NetServer.prototype.close.call(server);
    const timers: NodeJS.Timeout[] = [];
    await new Promise<void>((resolve) => {
      this.onAllClosed = resolve;
      if (this.sockets.size === 0) resolve();
      // Idle now: no request came on these since the drain began (one that came was
      // answered with Connection: close, and its connection closed after it).
      timers.push(setTimeout(() => server.closeIdleConnections(), idleMs));
      timers.push(setTimeout(resolve, limitMs));
    });
    for (const timer of timers) clearTimeout(timer);
    if (this.sockets.size === 0) return;
    // Past the limit: a response still streaming, a client that never finished its request.
    const destroyed = new Promise<void>((resolve) => {
      this.onAllClosed = resolve;
    });
    for (const socket of this.sockets) socket.destroy();
    await destroyed;
  }
}
