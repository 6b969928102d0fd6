/**
 * The seed's hello handler served by @hono/node-server (Web Request/Response on Node's
 * http, the adapter of the Hono ecosystem). Usage: node bench/peers/hono-node.ts <handler.mjs>
 */
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';

const { handler } = (await import(pathToFileURL(process.argv[2]!).href)) as {
  handler: (request: Request, ctx: unknown) => Promise<Response>;
};
const ctx = { env: {}, user: null, waitUntil() {} };
serve({ fetch: (request) => handler(request, ctx), hostname: '127.0.0.1', port: 0 }, ({ port }) =>
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/v1/bench/fn/hello` })),
);
