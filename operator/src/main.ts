/**
 * The operator: reconciles Apps (their databases, runtime Secret and status) and
 * Functions into what runs them (controller/), serves
 * /healthz and /readyz for its Deployment's probes and /metrics (metrics.ts), and stops
 * cleanly on SIGTERM.
 * In a cluster it uses its service account; elsewhere, the kubeconfig kubectl would.
 * Usage: node operator/src/main.ts   (settings: settings.ts OPERATOR_ENV)
 */
import { createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { startClusterApi } from '../../management/cluster/api-server.ts';
import { createLogger } from '../../runtime-image/src/logger.ts';
import { AppController } from './controller/app-controller.ts';
import { FunctionController } from './controller/function-controller.ts';
import { AppCluster } from './kube/app-cluster.ts';
import { Cluster } from './kube/cluster.ts';
import { createOperatorMetrics } from './metrics.ts';
import { loadOperatorSettings, OPERATOR_ENV } from './settings.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: node operator/src/main.ts
Reconciles butterbase.ai Apps (database bootstrap and migrations, the pods' database login and API keys)
and Functions (ConfigMaps, Deployments, Services, Ingress rules and CronJobs).
Environment: ${Object.values(OPERATOR_ENV).join(', ')} (see operator/src/settings.ts).`);
  process.exit(0);
}

const log = createLogger({ name: 'bbfn-operator' });
let ready = false;
try {
  const { settings, port, api: apiSettings, resyncSeconds } = loadOperatorSettings(process.env);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const metrics = createOperatorMetrics();
  const cluster = new Cluster(kc);
  const controller = new FunctionController(kc, cluster, settings, log, { metrics, resyncSeconds });
  const appController = new AppController(kc, cluster, new AppCluster(kc), log);
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
  await Promise.all([appController.start(), controller.start()]);
  // The management API and MCP (management/), on their own port.
  const api = await startClusterApi({
    kc,
    publicBaseUrl: settings.publicBaseUrl,
    port: apiSettings.port,
    deployWaitMs: apiSettings.deployWaitMs,
    log,
  });
  ready = true;
  log.info(
    { port, apiPort: apiSettings.port, cluster: kc.getCurrentCluster()?.server },
    'reconciling Apps and Functions',
  );
  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping');
    ready = false;
    await Promise.all([appController.stop(), controller.stop()]);
    await api.close();
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  log.fatal({ err: error }, 'the operator could not start');
  process.exitCode = 1;
}
