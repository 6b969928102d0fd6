import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A prom-client Registry, or a stand-in that fetches one's text from another thread. */
export type MetricsSource = Pick<Registry, 'contentType' | 'metrics'>;

export interface HealthOptions {
  metrics: MetricsSource;
  /** Ready means: the function revision is loaded and the host is not shutting down. */
  isReady: () => boolean;
}

/** `/healthz` (alive), `/readyz` (serving), `/metrics` (Prometheus text format). */
export function registerHealthAndMetrics(app: FastifyInstance, options: HealthOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = options.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.metrics.contentType);
    return await options.metrics.metrics();
  });
}
