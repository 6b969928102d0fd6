/**
 * Bundles the runtime for the image into runtime-image/dist/: the pod entry
 * (main.mjs), the CronJob entry (run-once.mjs), the serving and sandbox workers, with their
 * shared chunks, so a pod loads a few files instead of resolving and type-stripping a
 * few hundred (start time is a target; see bench/).
 * Usage: node runtime-image/build.ts [--outdir DIR]
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type BuildOptions, build } from 'esbuild';

const SOURCE = path.join(import.meta.dirname, 'src');
export const DEFAULT_OUTDIR = path.join(import.meta.dirname, 'dist');

/**
 * Where the worker bundle lands, relative to any output file: entries and chunks all
 * sit in one directory, so sandbox-thread.ts finds it from whichever file it ends up in.
 */
const WORKER_BUNDLE = './worker-main.mjs';
/** The same for the pod's serving workers (pod/serving-pool.ts). */
const SERVING_WORKER_BUNDLE = './serving-worker.mjs';

/** How the runtime and the operator (operator/build.ts) are bundled for their images. */
export const NODE_BUNDLE_OPTIONS = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: 'linked',
  // esbuild finds its own binary through its package; the rest are optional native add-ons.
  external: ['esbuild', 'pg-native', 'bufferutil', 'utf-8-validate'],
  // CommonJS dependencies call require(); give the ES module bundle one.
  banner: {
    js: "import { createRequire as bbfnCreateRequire } from 'node:module'; const require = bbfnCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
} satisfies BuildOptions;

export interface RuntimeBundle {
  /** The runtime pod's entry. */
  main: string;
  /** A cron Function's CronJob pod's entry. */
  runOnce: string;
  worker: string;
  servingWorker: string;
}

export async function buildRuntime(outdir = DEFAULT_OUTDIR): Promise<RuntimeBundle> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [
      { in: path.join(SOURCE, 'main.ts'), out: 'main' },
      { in: path.join(SOURCE, 'run-once.ts'), out: 'run-once' },
      { in: path.join(SOURCE, 'sandbox/worker/worker-main.ts'), out: 'worker-main' },
      { in: path.join(SOURCE, 'pod/serving-worker.ts'), out: 'serving-worker' },
      // Run once at image build (Dockerfile), to ship a warm V8 compile cache.
      { in: path.join(SOURCE, 'warm-compile-cache.ts'), out: 'warm-compile-cache' },
    ],
    ...NODE_BUNDLE_OPTIONS,
    outdir,
    // Chunks: the pod entry (main.ts) runs before the host's code is even parsed, so the
    // sandbox thread and the compile it starts (prewarm.ts) overlap that parse too.
    splitting: true,
    chunkNames: '[name]-[hash]',
    define: {
      __BBFN_WORKER_BUNDLE__: JSON.stringify(WORKER_BUNDLE),
      __BBFN_SERVING_WORKER_BUNDLE__: JSON.stringify(SERVING_WORKER_BUNDLE),
    },
  });
  // db/migration-files.ts reads ./migrations/ beside its own code, which is here now.
  await cp(path.join(SOURCE, 'db/migrations'), path.join(outdir, 'migrations'), { recursive: true });
  return {
    main: path.join(outdir, 'main.mjs'),
    runOnce: path.join(outdir, 'run-once.mjs'),
    worker: path.join(outdir, WORKER_BUNDLE),
    servingWorker: path.join(outdir, SERVING_WORKER_BUNDLE),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { outdir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'Usage: node runtime-image/build.ts [--outdir DIR]\nBundles the runtime host into DIR (default runtime-image/dist).',
    );
    process.exit(0);
  }
  const started = performance.now();
  const output = await buildRuntime(values.outdir ? path.resolve(values.outdir) : DEFAULT_OUTDIR);
  console.log(
    `built ${path.relative(process.cwd(), output.main)} in ${Math.round(performance.now() - started)} ms`,
  );
}
