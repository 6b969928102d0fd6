import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A prom-client Registry, or a stand-in that fetches one's text from another thread. */
export type MetricsSource = Pick<Registry, 'contentType' | 'metrics'>;

export interface HealthOptions {
  metrics: MetricsSource;
  /** Ready means: the function revision is loaded and the host is not shutting down. */
  isReady: () => boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HEALTHY = '{"status":"ok"}';
const READY = '{"status":"ready"}';
const NOT_READY = '{"status":"not ready"}';

/** `/healthz` (alive), `/readyz` (serving), `/metrics` (Prometheus text format). */
export function registerHealthAndMetrics(app: FastifyInstance, options: HealthOptions): void {
  // Bodies written out, not serialised per request: in a pod the handler shares this
  // realm and may have replaced JSON.stringify (primordials.ts).
  app.get('/healthz', (_request, reply) => void reply.type(JSON_TYPE).send(HEALTHY));
  app.get('/readyz', (_request, reply) => {
    const ready = options.isReady();
    void reply
      .code(ready ? 200 : 503)
      .type(JSON_TYPE)
      .send(ready ? READY : NOT_READY);
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.metrics.contentType);
    return await options.metrics.metrics();
  });
}
