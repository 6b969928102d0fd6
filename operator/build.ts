/**
 * Bundles the operator into operator/dist/main.mjs for its image: one file instead of
 * a few hundred modules to resolve and type-strip, with the runtime's bundle options
 * (esbuild stays a package: the operator compiles Functions with it), and the
 * platform's migrations beside it, which the App reconciler runs on app databases.
 * Usage: node operator/build.ts [--outdir DIR]
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { NODE_BUNDLE_OPTIONS } from '../runtime-image/build.ts';

export const DEFAULT_OUTDIR = path.join(import.meta.dirname, 'dist');

export async function buildOperator(outdir = DEFAULT_OUTDIR): Promise<string> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: [{ in: path.join(import.meta.dirname, 'src/main.ts'), out: 'main' }],
    outdir,
  });
  // db/migration-files.ts reads ./migrations/ beside its own code, which is main.mjs here.
  await cp(
    path.join(import.meta.dirname, '../runtime-image/src/db/migrations'),
    path.join(outdir, 'migrations'),
    {
      recursive: true,
    },
  );
  return path.join(outdir, 'main.mjs');
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { outdir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'Usage: node operator/build.ts [--outdir DIR]\n  Bundles the operator into operator/dist/main.mjs.',
    );
    process.exit(0);
  }
  console.log(`built ${await buildOperator(values.outdir)}`);
}
