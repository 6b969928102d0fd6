import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerManagementRoutes } from '../routes.ts';
import { createLocalBackend, type LocalApp, type LocalPlatformView } from './local-backend.ts';

/** How long a deploy through the API waits for the platform to serve it, unless told otherwise. */
export const DEFAULT_DEPLOY_WAIT_MS = 30_000;

export interface LocalManagementOptions {
  manifestsDir: string;
  /** The apps the platform serves, with their keys and databases; filled in as Apps are added. */
  apps: ReadonlyMap<string, LocalApp>;
  log: Logger;
  deployWaitMs?: number;
  platform: () => LocalPlatformView;
}

/** The management API and MCP on the local platform's port, over its directory. */
export function localManagementRoutes(options: LocalManagementOptions): (app: FastifyInstance) => void {
  const backend = createLocalBackend({
    manifestsDir: options.manifestsDir,
    apps: options.apps,
    platform: options.platform,
    deployWaitMs: options.deployWaitMs ?? DEFAULT_DEPLOY_WAIT_MS,
  });
  return (app) =>
    registerManagementRoutes(app, { backend, publicUrl: () => options.platform().url, log: options.log });
}

/**
 * What `npm start` prints about the API, for people and for MCP clients; `cliArgs` is
 * what the commands need to find this platform (its `--data`, when not the default).
 */
export function describeManagementEndpoints(url: string, cliArgs = ''): string[] {
  // An MCP client starts the server from a directory of its own: the wrapper by its full
  // path runs under the project's Node from anywhere (bin/bbfn.js).
  const mcp = `node ${path.resolve(import.meta.dirname, '../../bin/bbfn.js')} mcp${cliArgs}`;
  return [
    `  API:         ${url}/v1/<appId>/functions (OpenAPI: ${url}/openapi.json), Bearer = the app's API key`,
    `  MCP:         ${url}/mcp (streamable HTTP, header "Authorization: Bearer <API key>")`,
    `               or stdio: ${mcp}   (e.g. claude mcp add bbfn -- ${mcp})`,
    `  CLI:         npx bbfn deploy | invoke | list | get | delete | logs …${cliArgs}   (--help on each)`,
  ];
}
