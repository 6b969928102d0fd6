/**
 * A warm pool process: a runtime pod started before its function exists. It boots
 * Node, loads the host, and has a serving worker's thread booted (prewarm.ts), then
 * waits on BBFN_POOL_PORT; a specialize request (specialize-server.ts) gives it the
 * function, its bundle and its app's settings, and from then on it is that function's
 * pod, as if they had been mounted at start (serve-pod.ts). What this saves, and why a
 * pool is worth it for a first response: README, "Where a pod's start goes".
 */
import { functionId } from '../../../api/v1alpha1/urls.ts';
import { compiledHandler } from '../compile/compile.ts';
import { ConfigError, loadHostSettings, parseMountedFunction } from '../config.ts';
import { createLogger } from '../logger.ts';
import { forgetSecretEnvironment } from '../permission.ts';
import { RUNTIME_ENV } from '../runtime-env.ts';
import { servePod } from '../serve-pod.ts';
import { dropPrewarmedThreads, prewarmedThreadsBooted } from '../threads/prewarmed-threads.ts';
import { startSpecializeServer } from './specialize-server.ts';

const log = createLogger({ name: 'bbfn-runtime' });

try {
  const pool = loadHostSettings();
  if (pool.poolPort === undefined || !pool.poolToken)
    throw new ConfigError(`A warm pool process needs ${RUNTIME_ENV.poolPort} and ${RUNTIME_ENV.poolToken}`);
  forgetSecretEnvironment();
  // Until it has a function there is nothing to drain or flush.
  const exitWhileWaiting = () => process.exit(0);
  process.once('SIGTERM', exitWhileWaiting);
  process.once('SIGINT', exitWhileWaiting);
  const booted = prewarmedThreadsBooted();
  const { url } = await startSpecializeServer({
    port: pool.poolPort,
    address: pool.address,
    token: pool.poolToken,
    // Warm once the serving worker's thread has loaded its code.
    ready: booted,
    log,
    specialize: async (request) => {
      // The process's own environment holds no secrets any more; the function's come with it.
      const settings = loadHostSettings({ ...process.env, ...request.env });
      const fn = parseMountedFunction(request.function, 'the specialize request');
      process.off('SIGTERM', exitWhileWaiting);
      process.off('SIGINT', exitWhileWaiting);
      const served = await servePod({ log, settings, fn, compiled: compiledHandler(request.bundle) });
      // A thread warmed for other limits than the function's would idle for the pod's life.
      void dropPrewarmedThreads();
      return { functionId: functionId(fn.appId, fn.name), revision: served.revision, port: served.port };
    },
  });
  await booted;
  log.info({ url }, 'warm: waiting for a function');
} catch (error) {
  log.fatal({ err: error }, error instanceof ConfigError ? error.message : 'failed to start');
  log.flush(() => process.exit(1));
}
