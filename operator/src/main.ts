/**
 * The operator: reconciles Functions into what runs them (controller/), serves
 * /healthz and /readyz for its Deployment's probes and /metrics (metrics.ts), and stops
 * cleanly on SIGTERM.
 * In a cluster it uses its service account; elsewhere, the kubeconfig kubectl would.
 * Usage: node operator/src/main.ts   (settings: settings.ts OPERATOR_ENV)
 */
import { createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../runtime-image/src/logger.ts';
import { FunctionController } from './controller/function-controller.ts';
import { Cluster } from './kube/cluster.ts';
import { createOperatorMetrics } from './metrics.ts';
import { loadOperatorSettings, OPERATOR_ENV } from './settings.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: node operator/src/main.ts
Reconciles butterbase.ai Functions into ConfigMaps, Deployments, Services, Ingress rules and CronJobs.
Environment: ${Object.values(OPERATOR_ENV).join(', ')} (see operator/src/settings.ts).`);
  process.exit(0);
}

const log = createLogger({ name: 'bbfn-operator' });
let ready = false;
try {
  const { settings, port, resyncSeconds } = loadOperatorSettings(process.env);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = createOperatorMetrics();
  const controller = new FunctionController(kc, new Cluster(kc), settings, log, { metrics, resyncSeconds });
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      });
      return;
    }
    const ok = request.url === '/healthz' || (request.url === '/readyz' && ready);
    response.writeHead(ok ? 200 : request.url === '/readyz' ? 503 : 404, { 'content-type': 'text/plain' });
    response.end(ok ? 'ok' : 'not ready');
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  await controller.start();
  ready = true;
  log.info({ port, cluster: kc.getCurrentCluster()?.server }, 'reconciling Functions');
  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping');
    ready = false;
    await controller.stop();
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  log.fatal({ err: error }, 'the operator could not start');
  process.exitCode = 1;
}
