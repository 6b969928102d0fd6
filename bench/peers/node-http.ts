/**
 * The floor for a Node process's start: plain node:http writing the hello bytes, no
 * framework and no Web Response. Usage: node bench/peers/node-http.ts
 */
import { createServer } from 'node:http';
import { HELLO_BODY } from '../scenarios.ts';

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(HELLO_BODY);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}/v1/bench/fn/hello` }));
});
