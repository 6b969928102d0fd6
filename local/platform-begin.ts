import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_FUNCTION_LIMITS } from '../api/v1alpha1/function-limits.ts';
import { sandboxThread, useSandboxWorkerEntry } from '../runtime-image/src/sandbox/sandbox-thread.ts';
import { applyHeapFlags } from '../runtime-image/src/threads/heap-flags.ts';
import { prewarmThreads } from '../runtime-image/src/threads/prewarmed-threads.ts';
import { statManifests } from './manifests/find-files.ts';
import { lockDataDir } from './platform-state.ts';
import { type RunningPostgres, startEmbeddedPostgres } from './postgres/embedded-postgres.ts';
import { stopStalePostgres } from './postgres/stale-server.ts';
import { bundleSandboxWorker } from './sandbox-worker-bundle.ts';

/** A start under way: the data directory held, its Postgres starting. */
export interface BegunPlatform {
  postgres: Promise<RunningPostgres>;
  /** The sandbox worker bundled, its threads run from it (sandbox-worker-bundle.ts). */
  workerBundle: Promise<URL>;
  /** Undoes it, for a start that fails later: Postgres stopped, then the directory let go. */
  abandon(): Promise<void>;
}

/**
 * The first steps of a local platform start, on modules light enough to load at once:
 * the manifests' directory checked, the data directory locked (one platform per data
 * directory, taken before anything else touches it), an earlier run's orphaned Postgres
 * stopped, and Postgres started without waiting for it; the sandbox worker bundled and
 * one sandbox thread booted on it. `bbfn start` runs these before it loads the rest of
 * the platform, so Postgres starts (in its own processes) while the main thread loads
 * the platform's modules: both took ~200–400 ms, one after the other. One thread booting
 * meanwhile cost the main thread nothing measurable (seven did: README, "Benchmarks").
 */
export async function beginLocalPlatform(options: {
  manifestsDir: string;
  dataDir: string;
  print: (line: string) => void;
}): Promise<BegunPlatform> {
  // A missing directory fails before Postgres starts.
  await statManifests(options.manifestsDir);
  await mkdir(options.dataDir, { recursive: true });
  const lock = await lockDataDir(options.dataDir);
  try {
    const postgresDataDir = path.join(options.dataDir, 'postgres', 'data');
    const stale = await stopStalePostgres(postgresDataDir);
    if (stale !== null) options.print(`stopped the Postgres (pid ${stale}) that an earlier run left running`);
    options.print('starting embedded Postgres…');
    const postgres = startEmbeddedPostgres({ dataDir: postgresDataDir, persistent: true });
    postgres.catch(() => {}); // Awaited by the platform; a start that fails first must not leave it unheard.
    // In esbuild's process; then one sandbox thread boots on it, kept for the first
    // function a request waits for (platform.ts), of the default memory limit's kind.
    const workerBundle = bundleSandboxWorker(options.dataDir).then((entry) => {
      // Before any sandbox thread exists: the same collector settings as a pod.
      applyHeapFlags();
      useSandboxWorkerEntry(entry);
      prewarmThreads(sandboxThread(DEFAULT_FUNCTION_LIMITS.memoryMb), 1);
      return entry;
    });
    workerBundle.catch(() => {});
    return {
      postgres,
      workerBundle,
      abandon: async () => {
        await postgres.then(
          (running) => running.stop(),
          () => {},
        );
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
