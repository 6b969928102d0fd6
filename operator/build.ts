/**
 * Bundles the operator into operator/dist/main.mjs for its image: one file instead of
 * a few hundred modules to resolve and type-strip. esbuild stays a package (the
 * operator compiles Functions with it); the rest are optional native add-ons.
 * Usage: node operator/build.ts [--outdir DIR]
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

export const DEFAULT_OUTDIR = path.join(import.meta.dirname, 'dist');

export async function buildOperator(outdir = DEFAULT_OUTDIR): Promise<string> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [{ in: path.join(import.meta.dirname, 'src/main.ts'), out: 'main' }],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    external: ['esbuild', 'pg-native', 'bufferutil', 'utf-8-validate'],
    // CommonJS dependencies call require(); give the ES module bundle one.
    banner: {
      js: "import { createRequire as bbfnCreateRequire } from 'node:module'; const require = bbfnCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
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
