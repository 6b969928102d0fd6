import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A workerd (Cloudflare Workers' runtime) configuration serving the seed's hello
 * handler as a module worker on one loopback port. workerd takes its socket from the
 * config and prints nothing when it listens, so the caller picks the port and polls.
 */
export async function writeWorkerdConfig(dir: string, handlerSource: string, port: number): Promise<string> {
  await writeFile(path.join(dir, 'handler.mjs'), handlerSource);
  await writeFile(
    path.join(dir, 'worker.mjs'),
    `import { handler } from "handler.mjs";
const ctx = { env: {}, user: null, waitUntil() {} };
export default { fetch: (request) => handler(request, ctx) };
`,
  );
  const config = path.join(dir, 'hello.capnp');
  await writeFile(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .hello) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const hello :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "handler.mjs", esModule = embed "handler.mjs"),
  ],
  compatibilityDate = "2025-09-01",
);
`,
  );
  return config;
}
