import { createRequire } from 'node:module';
import path from 'node:path';
import { freeLoopbackPorts } from '../../test/kube/ports.ts';
import { type SpawnOptions, type StartedProcess, spawnServer } from '../process.ts';
import { writeWorkerdConfig } from './workerd-config.ts';

const require = createRequire(import.meta.url);
const HERE = import.meta.dirname;

/**
 * The runtimes a user would pick instead of this host, each serving the seed's hello
 * handler unchanged (a module file exporting `handler`). Their binaries come from npm
 * (`deno`, `workerd`) and are spawned directly, not through npm's JS launchers, which
 * would add a Node start to every start measured.
 */
export interface PeerServer {
  name: string;
  start(): Promise<StartedProcess>;
}

/** The platform binary an npm wrapper package installs as its optional dependency. */
function npmBinary(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

export function peerServers(work: string, handlerFile: string, handlerSource: string): PeerServer[] {
  const spawn = (options: SpawnOptions) => spawnServer(options);
  return [
    {
      name: 'Deno.serve',
      start: () =>
        spawn({
          command: npmBinary('@deno/linux-x64-glibc', 'deno'),
          args: ['run', '--allow-net', '--allow-read', path.join(HERE, 'deno-serve.js'), handlerFile],
          // No update checks or telemetry: nothing may leave the machine.
          env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DENO_DIR: path.join(work, 'deno') },
        }),
    },
    {
      name: '@hono/node-server',
      start: () => spawn({ command: process.execPath, args: [path.join(HERE, 'hono-node.ts'), handlerFile] }),
    },
    {
      name: 'workerd',
      async start() {
        const port = (await freeLoopbackPorts(1))[0]!;
        const dir = path.join(work, `workerd-${port}`);
        const { mkdir } = await import('node:fs/promises');
        await mkdir(dir, { recursive: true });
        const config = await writeWorkerdConfig(dir, handlerSource, port);
        return spawn({
          command: npmBinary('@cloudflare/workerd-linux-64', 'bin/workerd'),
          args: ['serve', config],
          knownUrl: `http://127.0.0.1:${port}/v1/bench/fn/hello`,
        });
      },
    },
  ];
}

/** Plain node:http: the floor of a Node process's start (no framework, no Web Response). */
export function nodeHttpServer(): PeerServer {
  return {
    name: 'node:http',
    start: () => spawnServer({ command: process.execPath, args: [path.join(HERE, 'node-http.ts')] }),
  };
}
