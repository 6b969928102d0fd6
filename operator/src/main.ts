/**
 * The operator: reconciles Apps (their databases, runtime Secret and status) and
 * Functions into what runs them (controller/), serves the management API and MCP
 * (management/cluster), /healthz and /readyz for its Deployment's probes and /metrics
 * (metrics.ts), and stops cleanly on SIGTERM. Of several replicas, only the one holding
 * the Lease reconciles (leader/lease-elector.ts); the others stand by, and one takes over
 * when it goes. Every replica serves the management API: it writes through the API
 * server, as kubectl would.
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
import { SecretWatch } from './kube/secret-watch.ts';
import { shareConnections } from './kube/shared-connections.ts';
import { LeaseElector } from './leader/lease-elector.ts';
import { createOperatorMetrics } from './metrics.ts';
import { loadOperatorSettings, OPERATOR_ENV } from './settings.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`Usage: node operator/src/main.ts
Reconciles butterbase.ai Apps (database bootstrap and migrations, the pods' database login and API keys)
and Functions (ConfigMaps, Deployments, Services, Ingress rules, HPAs and CronJobs), and serves the
management API and MCP. Of several replicas, the one holding a coordination.k8s.io Lease reconciles;
the others stand by.
Environment: ${Object.values(OPERATOR_ENV).join(', ')} (see operator/src/settings.ts).`);
  process.exit(0);
}

const log = createLogger({ name: 'bbfn-operator' });
try {
  const {
    settings,
    port,
    concurrency,
    leaderElection,
    api: apiSettings,
    resyncSeconds,
  } = loadOperatorSettings(process.env);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  shareConnections(kc);
  const metrics = createOperatorMetrics();
  const cluster = new Cluster(kc);
  const controller = new FunctionController(kc, cluster, settings, log, {
    metrics,
    resyncSeconds,
    concurrency,
  });
  // One watch of every Secret for the process: the App controller and the management API both follow it.
  const secretWatch = new SecretWatch(kc, log);
  const appController = new AppController(kc, cluster, new AppCluster(kc), secretWatch, log);
  const elector = leaderElection.enabled ? new LeaseElector(kc, leaderElection, log) : undefined;
  let reconciling = false;
  let stopping = false;
  /**
   * Ready: a leader once its caches are synced and while every watch is up; a standby
   * while it can reach its Lease (it is healthy, and ready to take over).
   */
  const readiness = (): string | undefined => {
    if (stopping) return 'stopping';
    if (reconciling)
      return controller.watches.healthy
        ? undefined
        : `watches down: ${controller.watches.failing.join(', ')}`;
    if (elector && !elector.isLeader) return elector.healthy ? undefined : 'the Lease cannot be reached';
    return 'starting';
  };
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      });
      return;
    }
    if (request.url === '/readyz') {
      const why = readiness();
      response.writeHead(why ? 503 : 200, { 'content-type': 'text/plain' });
      response.end(why ? `not ready: ${why}` : elector?.isLeader === false ? 'ok (standby)' : 'ok');
      return;
    }
    const ok = request.url === '/healthz';
    response.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' });
    response.end(ok ? 'ok' : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  // The management API and MCP (management/), on their own port, on every replica.
  const api = await startClusterApi({
    kc,
    publicBaseUrl: settings.publicBaseUrl,
    port: apiSettings.port,
    deployWaitMs: apiSettings.deployWaitMs,
    secretWatch,
    log,
  });

  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await Promise.all([appController.stop(), controller.stop()]);
    // After the controllers stopped: a standby that takes over never overlaps with us.
    await elector?.release();
    await api.close();
    server.close();
    process.exit(exitCode);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  if (elector) {
    log.info({ lease: `${leaderElection.leaseNamespace}/${leaderElection.leaseName}` }, 'waiting to lead');
    // Lost leadership: stop at once and exit, to start afresh as a standby (as
    // controller-runtime's managers do); the pod's restart policy brings it back.
    await elector.lead(() => void stop('lost the Lease', 1));
  }
  if (!stopping) {
    await Promise.all([appController.start(), controller.start()]);
    reconciling = true;
    log.info(
      { port, apiPort: apiSettings.port, concurrency, cluster: kc.getCurrentCluster()?.server },
      'reconciling Apps and Functions',
    );
  }
} catch (error) {
  log.fatal({ err: error }, 'the operator could not start');
  process.exitCode = 1;
}
