/** The kind of thread a sandbox worker behind the main thread runs in (worker/worker-main.ts). */
import type { ThreadKind } from '../threads/prewarmed-threads.ts';

// The bundled runtime (see runtime-image/build.ts) names its worker bundle at build time.
declare const __BBFN_WORKER_BUNDLE__: string | undefined;
let workerEntry =
  typeof __BBFN_WORKER_BUNDLE__ === 'string'
    ? new URL(__BBFN_WORKER_BUNDLE__, import.meta.url)
    : new URL('./worker/worker-main.ts', import.meta.url);

/**
 * Runs sandbox threads from another build of worker/worker-main.ts: the local platform,
 * which runs from source, bundles it at start (local/sandbox-worker-bundle.ts).
 */
export function useSandboxWorkerEntry(entry: URL): void {
  workerEntry = entry;
}

export function sandboxThread(memoryMb: number): ThreadKind {
  return {
    entry: workerEntry,
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb,
      maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.floor(memoryMb / 4))),
    },
  };
}
