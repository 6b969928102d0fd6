/** The kind of thread a serving worker runs in (serving-worker.ts). Light: the pod's entry reads it first. */
import type { ThreadKind } from '../threads/prewarmed-threads.ts';

// The bundled runtime (runtime-image/build.ts) names the worker bundle at build time.
declare const __BBFN_SERVING_WORKER_BUNDLE__: string | undefined;
const SERVING_WORKER_ENTRY =
  typeof __BBFN_SERVING_WORKER_BUNDLE__ === 'string'
    ? new URL(__BBFN_SERVING_WORKER_BUNDLE__, import.meta.url)
    : new URL('./serving-worker.ts', import.meta.url);

export function servingThread(memoryMb: number): ThreadKind {
  return {
    entry: SERVING_WORKER_ENTRY,
    resourceLimits: { maxOldGenerationSizeMb: hardHeapLimitMb(memoryMb) },
  };
}

/**
 * V8's own heap limit for a serving worker, above the function's limit: the watchdog
 * retires a worker that passes the function's limit with its invocations answered,
 * while V8's limit ends the thread and its connections with it. The headroom lets an
 * allocation loop be caught between the two.
 */
export function hardHeapLimitMb(memoryMb: number): number {
  return Math.max(2 * memoryMb, memoryMb + 64);
}
