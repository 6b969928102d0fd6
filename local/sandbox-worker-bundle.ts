import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { NODE_BUNDLE_OPTIONS } from '../runtime-image/build.ts';

const WORKER_SOURCE = path.join(import.meta.dirname, '../runtime-image/src/sandbox/worker/worker-main.ts');

/**
 * The sandbox worker (worker-main.ts and everything it imports) as one file, written
 * into the data directory: the local platform runs from source, and each function's
 * thread loading ~60 TypeScript modules (type-stripped one by one) was most of a
 * restart. Bundled afresh at every start, in esbuild's own process while Postgres
 * starts, so an edit of the runtime is never served stale. Measured on the 2-core VM
 * of bench/RESULTS.md: ~40 ms to bundle; the examples' seven sandboxes up in ~0.5 s
 * instead of ~1.3–2 s.
 */
export async function bundleSandboxWorker(dataDir: string): Promise<URL> {
  const outfile = path.join(dataDir, 'runtime', 'sandbox-worker.mjs');
  await build({ ...NODE_BUNDLE_OPTIONS, entryPoints: [WORKER_SOURCE], outfile });
  return pathToFileURL(outfile);
}
