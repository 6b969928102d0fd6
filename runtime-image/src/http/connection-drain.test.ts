import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionDrain } from './connection-drain.ts';

/** A server on the shared port (SO_REUSEPORT) answering with its own name; `/slow` takes 300 ms. */
async function listen(name: string, port = 0): Promise<Server> {
  const server = createServer((request, response) => {
    const delay = request.url === '/slow' ? 300 : 0;
    setTimeout(() => response.end(name), delay);
  });
  await new Promise<void>((resolve) => server.listen({ port, host: '127.0.0.1', reusePort: true }, resolve));
  return server;
}

interface Answer {
  status: number | 'error';
  body: string;
  connection: string | undefined;
}

function request(port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve) => {
    const sent = get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode!, body, connection: response.headers.connection }),
      );
    });
    sent.on('error', (error) => resolve({ status: 'error', body: error.message, connection: undefined }));
  });
}

describe('ConnectionDrain', () => {
  const servers: Server[] = [];
  const agents: Agent[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
    for (const agent of agents.splice(0)) agent.destroy();
  });
  const keptAlive = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };

  it('hands kept-alive clients sending back to back over to the other listener with no failed request', async () => {
    const old = await listen('old');
    const port = (old.address() as AddressInfo).port;
    const drain = new ConnectionDrain(old);
    const clients = Array.from({ length: 4 }, keptAlive);
    // Every client holds a connection to the old server before the replacement listens.
    for (const agent of clients) expect((await request(port, '/', agent)).body).toBe('old');
    const replacement = await listen('replacement', port);
    servers.push(old, replacement);

    const failures: Answer[] = [];
    const served = { old: 0, replacement: 0 };
    let running = true;
    const load = clients.map(async (agent) => {
      // Bounded in count and time, whatever the drain does.
      const deadline = Date.now() + 10_000;
      for (let i = 0; i < 5_000 && running && Date.now() < deadline; i++) {
        const answer = await request(port, '/', agent);
        if (answer.status !== 200) failures.push(answer);
        else served[answer.body as keyof typeof served] += 1;
      }
    });
    await request(port, '/', keptAlive());
    await drain.drain({ idleMs: 200, limitMs: 5_000 });
    expect(drain.open).toBe(0);
    expect(old.listening).toBe(false);
    const oldServed = served.old;
    // The clients go on with the replacement.
    await new Promise((resolve) => setTimeout(resolve, 100));
    running = false;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(served.old).toBe(oldServed);
    expect(served.replacement).toBeGreaterThan(0);
  });

  it('answers a request in flight, closes it after with a connection left idle, and ends', async () => {
    const server = await listen('only');
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const drain = new ConnectionDrain(server);
    const idle = keptAlive();
    await request(port, '/', idle);
    const slow = request(port, '/slow', keptAlive());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drain.open).toBe(2);
    await drain.drain({ idleMs: 100, limitMs: 5_000 });
    expect(await slow).toMatchObject({ status: 200, body: 'only' });
    expect(drain.open).toBe(0);
  });

  it('answers a request that comes during the drain with Connection: close', async () => {
    const server = await listen('only');
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const drain = new ConnectionDrain(server);
    const agent = keptAlive();
    expect((await request(port, '/', agent)).connection).toBe('keep-alive');
    const draining = drain.drain({ idleMs: 1_000, limitMs: 5_000 });
    expect(await request(port, '/', agent)).toMatchObject({ status: 200, connection: 'close' });
    await draining;
    expect(drain.open).toBe(0);
  });

  it('closes what is still open at the limit', async () => {
    const server = createServer(() => {
      // Never answers.
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const port = (server.address() as AddressInfo).port;
    const drain = new ConnectionDrain(server);
    const hanging = request(port, '/', keptAlive());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await drain.drain({ idleMs: 50, limitMs: 200 });
    expect((await hanging).status).toBe('error');
    expect(drain.open).toBe(0);
  });
});
