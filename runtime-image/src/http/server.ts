import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

export interface ShutdownOptions {
  log: Logger;
  steps: ShutdownStep[];
  exit?: (code: number) => void;
}

/**
 * On SIGTERM/SIGINT (or a call of the returned function) runs the steps in order,
 * logging each, then exits; a second signal exits at once. A failed step is logged
 * and the next runs anyway: what can still be flushed, is.
 */
export function shutdownOnSignals(options: ShutdownOptions): (reason: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    if (shuttingDown) return shuttingDown;
    shuttingDown = (async () => {
      options.log.info({ reason }, 'shutting down: finishing in-flight requests');
      let code = 0;
      for (const step of options.steps) {
        try {
          await step.run();
          options.log.info({ step: step.name }, 'shutdown step done');
        } catch (error) {
          code = 1;
          options.log.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      options.log.info('shutdown complete');
      await new Promise<void>((resolve) => options.log.flush(() => resolve()));
      exit(code);
    })();
    return shuttingDown;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      process.once(signal, () => exit(130));
      void shutdown(signal);
    });
  }
  return shutdown;
}

/**
 * Listens, and on SIGTERM/SIGINT shuts down in order: stop accepting and finish
 * in-flight requests (Fastify close), then the steps given (drain background work,
 * flush invocation logs), then exit.
 */
export async function listenWithGracefulShutdown(
  app: FastifyInstance,
  options: ShutdownOptions & { port: number; address: string },
): Promise<{ url: string; shutdown: (reason: string) => Promise<void> }> {
  const url = await app.listen({ port: options.port, host: options.address });
  const closeHttp: ShutdownStep = { name: 'close HTTP', run: () => app.close() };
  const shutdown = shutdownOnSignals({ ...options, steps: [closeHttp, ...options.steps] });
  return { url, shutdown };
}
