import { createServer } from 'node:net';

/**
 * Free TCP ports on 127.0.0.1, chosen by the kernel. All listeners stay open until every
 * port is known, so one call never returns the same port twice; another process may still
 * take one before our server binds it, which the caller handles by retrying the start.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              if (address && typeof address === 'object') resolve(address.port);
              else reject(new Error('listening socket has no port'));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
