/**
 * The baseline: bare Fastify serving what the benchmarked handler serves, with no
 * sandbox, no Web Request/Response and (for `db`) one query on a plain pg pool.
 * Usage: node bench/servers/bare-fastify.ts hello|db [databaseUrl]
 */
import Fastify from 'fastify';
import pg from 'pg';
import { BENCH_QUERY, HELLO_BODY } from '../scenarios.ts';

const [mode = 'hello', databaseUrl] = process.argv.slice(2);
const app = Fastify({ logger: false });
if (mode === 'db') {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  app.get('/*', async (_request, reply) => {
    const result = await pool.query(BENCH_QUERY, ['user-1']);
    return reply.header('content-type', 'application/json').send(JSON.stringify(result.rows));
  });
} else {
  app.get('/*', async (_request, reply) => reply.header('content-type', 'application/json').send(HELLO_BODY));
}
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: `${url}/v1/bench/fn/x` })}\n`);
