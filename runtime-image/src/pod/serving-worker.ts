/**
 * Entry point of a serving worker: a thread that owns HTTP connections (it listens
 * with SO_REUSEPORT beside its siblings) and runs the function's handler in its own
 * thread, so a request costs no hop between threads. The main thread supervises
 * (serving-pool.ts): it stores the records this side forwards, serves the metrics,
 * and stops a handler that blocks the thread or outgrows the heap (execution-stopper.ts).
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { FunctionHost } from '../host/host.ts';
import { buildHttpApp } from '../http/app.ts';
import { ConnectionDrain } from '../http/connection-drain.ts';
import { type MetricsSource, registerHealthAndMetrics } from '../http/health-metrics.ts';
import { createLogger } from '../logger.ts';
import { InThreadSandbox } from '../sandbox/in-thread-sandbox.ts';
import { installSandboxGlobals, serializeError } from '../sandbox/worker/invocation-runner.ts';
import { memoryInUse } from '../threads/memory-in-use.ts';
import { ForwardingSink } from './forwarding-sink.ts';
import {
  BEAT_MS,
  type MainToServing,
  type ServingInit,
  type ServingToMain,
  VITALS,
} from './serving-protocol.ts';

// Read by Node when the thread booted; not for the handler's eyes.
delete process.env.NODE_COMPILE_CACHE;
const port = parentPort!;
const post = (message: ServingToMain) => port.postMessage(message);
// Loaded: a warm pool process says it is ready only once its thread is (prewarmed-threads.ts).
post({ type: 'booted' });
// May have booted ahead of need (prewarmed); the first message says what to serve.
const init = await new Promise<ServingInit>((resolve) => {
  port.once('message', (message: MainToServing) => {
    if (message.type === 'start') resolve(message.init);
  });
});

const vitals = new Int32Array(init.vitals);
const beat = setInterval(() => {
  Atomics.add(vitals, VITALS.beats, 1);
  Atomics.store(vitals, VITALS.heapMb, Math.round(memoryInUse(getHeapStatistics()) / 2 ** 20));
}, BEAT_MS);
beat.unref();

const log = createLogger({ name: 'bbfn-runtime', level: init.logLevel });
const sink = new ForwardingSink(post, log);
const appId = init.fn.appId;
installSandboxGlobals((line) => sink.appendLines(appId, [line]));

let sandbox: InThreadSandbox | undefined;
const host = new FunctionHost({
  sink,
  workersPerFunction: 1,
  poolMaxPerWorker: init.poolMax,
  backgroundLimitMs: init.backgroundLimitMs,
  maxLogLines: init.maxLogLines,
  responseLimitBytes: init.http.responseLimit,
  drainLimitMs: init.drainLimitMs,
  createSandbox: (options) => {
    sandbox = new InThreadSandbox(options, { cells: vitals, index: VITALS.inflight });
    return sandbox;
  },
  compile: async () => init.compiled,
  onDrainError: (deployment, error) =>
    log.error({ err: error, fn: deployment.name }, 'draining a revision failed'),
});
host.setApp(init.app);

const metricsWaiters = new Map<number, (text: string) => void>();
let metricsSeq = 0;
/** The pod's metrics live in the main thread, which counts every worker's invocations. */
const metrics: MetricsSource = {
  contentType: init.metricsContentType,
  metrics: () =>
    new Promise<string>((resolve) => {
      const seq = ++metricsSeq;
      metricsWaiters.set(seq, resolve);
      post({ type: 'metrics-request', seq });
    }),
};

let closing = false;
const app = await buildHttpApp({
  host,
  logger: log,
  bodyLimit: init.http.bodyLimit,
  trustProxy: init.http.trustProxy,
  ...(init.http.revision ? { revision: init.http.revision } : {}),
  websocket: init.fn.trigger.type === 'websocket',
  register: (fastify) =>
    registerHealthAndMetrics(fastify, { metrics, isReady: () => !closing && sandbox !== undefined }),
});

const connections = new ConnectionDrain(app.server);
/**
 * How long a kept-alive connection may stay idle once this worker drains (connection-drain.ts):
 * a client sending back to back needs microseconds of it; under the 1 s in which a worker
 * retired for its memory is ended (serving-pool.ts), so its idle connections are closed first.
 */
const DRAIN_IDLE_MS = 500;
/** Requests in flight end within the function's time limit; their connections close after. */
const connectionsLimitMs = Math.min(init.drainLimitMs, init.fn.limits.timeoutSeconds * 1000 + 2_000);

try {
  await host.deploy(init.fn);
  // Siblings bind the same port; the kernel spreads new connections over them. Fastify's
  // types omit Node's `reusePort`, which it passes on to server.listen().
  const listenOptions = { port: init.http.port, host: init.http.address, reusePort: true };
  await app.listen(listenOptions);
  const address = app.server.address();
  post({ type: 'listening', port: typeof address === 'object' && address ? address.port : init.http.port });
} catch (error) {
  post({ type: 'start-failed', error: serializeError(error, 'FUNCTION_THREW') });
  // The main thread ends this worker; held open until it does. A promise that never
  // settles does not keep a thread's event loop alive: with nothing else pending the
  // worker would exit by itself (code 13), racing the main thread, and print Node's
  // "unsettled top-level await" warning, which then led the pod's termination message.
  await new Promise(() => setInterval(() => {}, 60_000));
}

let finishing: Promise<void> | null = null;
/**
 * Stops taking connections (the siblings and the replacement listen on the port),
 * answers what is in flight or still comes on open connections, closes them, then
 * finishes background work and hands over the last output.
 */
function finish(): Promise<void> {
  finishing ??= (async () => {
    closing = true;
    // WebSocket clients are told to reconnect (1001 going away), to a listener that stays.
    // (No websocketServer when the function has no websocket trigger: app.ts leaves the plugin out.)
    for (const client of app.websocketServer?.clients ?? []) client.close(1001, 'going away');
    await connections.drain({ idleMs: DRAIN_IDLE_MS, limitMs: connectionsLimitMs });
    await app.close();
    await host.close();
    sink.flush();
    post({ type: 'drained' });
  })();
  return finishing;
}

port.on('message', (message: MainToServing) => {
  switch (message.type) {
    case 'drain':
      void finish();
      break;
    case 'retire':
      // The handler that outgrew the heap was stopped mid-way; whatever was in flight with
      // it cannot be trusted to finish. A blocked one was answered by its own time limit.
      // It drains when told to, once a replacement has taken over the port.
      if (message.reason === 'memory') {
        sandbox?.failAll('FUNCTION_MEMORY_LIMIT', message.detail);
        // Its records go now: the main thread ends this worker soon after, drained or not.
        sink.flush();
      }
      break;
    case 'metrics':
      metricsWaiters.get(message.seq)?.(message.text);
      metricsWaiters.delete(message.seq);
      break;
  }
});
