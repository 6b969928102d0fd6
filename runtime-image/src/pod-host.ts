/**
 * The runtime pod's host: serves one function, as the operator mounted it, with
 * settings from the environment (config.ts names them all). The main thread
 * compiles the handler, stores invocation records and supervises; serving workers
 * own the HTTP connections and run the handler (serve-pod.ts, pod/serving-pool.ts).
 */

import { podHandler } from './compile/mounted-bundle.ts';
import { ConfigError } from './config.ts';
import { createLogger } from './logger.ts';
import { forgetSecretEnvironment } from './permission.ts';
import { servePod } from './serve-pod.ts';
import { preparePod } from './settings-app.ts';

const log = createLogger({ name: 'bbfn-runtime' });

try {
  const { settings, fn } = await preparePod(log);
  forgetSecretEnvironment();
  const compiled = await podHandler(fn, settings.bundleFile);
  await servePod({ log, settings, fn, compiled });
} catch (error) {
  log.fatal({ err: error }, error instanceof ConfigError ? error.message : 'failed to start');
  log.flush(() => process.exit(1));
}
