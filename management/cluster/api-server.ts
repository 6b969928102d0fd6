import type { KubeConfig } from '@kubernetes/client-node';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { SecretWatch } from '../../operator/src/kube/secret-watch.ts';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { sendError } from '../../runtime-image/src/http/http-errors.ts';
import { registerManagementRoutes } from '../routes.ts';
import { createClusterBackend } from './cluster-backend.ts';
import { ClusterCache } from './cluster-cache.ts';

export interface ClusterApiOptions {
  kc: KubeConfig;
  publicBaseUrl: string;
  port: number;
  address?: string;
  deployWaitMs: number;
  /** The process's one Secret watch (operator/src/kube/secret-watch.ts), shared with the App controller. */
  secretWatch: SecretWatch;
  log: Logger;
  /** Where a function's pods answer; its Service's ClusterIP unless a test says otherwise. */
  serviceUrl?: (namespace: string, name: string) => string;
}

/**
 * The management API and MCP as the operator serves them in a cluster, on their own
 * port (the chart's Service and ingress rules send the API's paths there).
 */
export async function startClusterApi(options: ClusterApiOptions) {
  const cache = new ClusterCache(options.kc, options.secretWatch, options.log);
  await cache.start();
  const backend = createClusterBackend({
    kc: options.kc,
    publicBaseUrl: options.publicBaseUrl,
    deployWaitMs: options.deployWaitMs,
    cache,
    ...(options.serviceUrl ? { serviceUrl: options.serviceUrl } : {}),
  });
  const app = Fastify({
    logger: false,
    bodyLimit: 6 * 1024 * 1024,
    trustProxy: true,
    return503OnClosing: true,
  });
  // The routes read JSON themselves, so a bad body is the API's own VALIDATION_INVALID_REQUEST.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  registerManagementRoutes(app, { backend, publicUrl: () => options.publicBaseUrl, log: options.log });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new BbfnError('RESOURCE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
  const url = await app.listen({ port: options.port, host: options.address ?? '0.0.0.0' });
  return {
    url,
    close: async () => {
      await app.close();
      await backend.close();
      cache.stop();
    },
  };
}
