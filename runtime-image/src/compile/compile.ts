/**
 * Compiles one handler source file (TypeScript or JavaScript) into a self-contained
 * ESM bundle that imports nothing but Node.js built-ins. Used by the operator at
 * deploy time (errors land in the Function's status) and by the local platform.
 */
import { createHash } from 'node:crypto';
import type { BuildFailure, BuildResult, Message } from 'esbuild';
import { BbfnError } from '../errors.ts';
import { toCompileError, toDiagnostic } from './build-errors.ts';
import { MISSING_HANDLER_MESSAGE } from './handler-export.ts';
import { importPolicyPlugin } from './import-policy.plugin.ts';

export interface CompileOptions {
  /** Name shown in error positions and stack traces; default `handler.ts`. */
  filename?: string;
  /**
   * Append an inline source map (default true) so that stack traces in captured logs
   * name the user's own lines (see load.ts). Measured on the seed webhook example,
   * warm: ~1.8 ms with the map, ~1.4 ms without; the bundle grows from ~0.3 to
   * ~0.8 kB. Cheap enough to keep on; off for callers that only validate.
   */
  sourcemap?: boolean;
}

export interface CompiledHandler {
  /** ESM JavaScript; its only imports are `node:*` built-ins. */
  code: string;
  /** sha256 of `code`, hex. */
  hash: string;
  /** First 12 hex digits of `hash`, for names (ConfigMaps, module URLs). */
  shortHash: string;
  /** esbuild warnings as `file:line:column: text`. */
  warnings: string[];
}

export const DEFAULT_FILENAME = 'handler.ts';

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function formatWarnings(warnings: Message[]): string[] {
  return warnings.map((warning) => toDiagnostic(warning).message);
}

/** The file name a function's handler compiles as: what its stack traces and errors show. */
export function handlerFilename(functionName: string): string {
  return `${functionName}.ts`;
}

/** Compiles started ahead of need, each taken by the one compileHandler call that matches it. */
const precompiled = new Map<string, Promise<CompiledHandler>>();

function precompileKey(source: string, options: CompileOptions): string {
  return `${options.filename ?? DEFAULT_FILENAME}\0${options.sourcemap !== false}\0${source}`;
}

/**
 * Starts compiling now (esbuild works in its own process, alongside whatever this
 * process does next); the next compileHandler call with the same source and options
 * gets this result. A pod starts its handler's compile before loading the host.
 */
export function precompileHandler(source: string, options: CompileOptions = {}): void {
  const key = precompileKey(source, options);
  if (precompiled.has(key)) return;
  const compiling = compileNow(source, options);
  compiling.catch(() => {}); // Reported to the compileHandler call that takes it.
  precompiled.set(key, compiling);
}

export function compileHandler(source: string, options: CompileOptions = {}): Promise<CompiledHandler> {
  const key = precompileKey(source, options);
  const early = precompiled.get(key);
  if (early) {
    precompiled.delete(key);
    return early;
  }
  return compileNow(source, options);
}

async function compileNow(source: string, options: CompileOptions): Promise<CompiledHandler> {
  const filename = options.filename ?? DEFAULT_FILENAME;
  let result: BuildResult<{ write: false; metafile: true }>;
  try {
    // Loaded on first use: a pod given the operator's bundle never needs it.
    const { build } = await import('esbuild');
    result = await build({
      // The 'ts' loader is a superset for our purposes: plain JavaScript handlers
      // (the seed's examples) compile unchanged.
      stdin: { contents: source, loader: 'ts', sourcefile: filename },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      write: false,
      metafile: true,
      sourcemap: options.sourcemap === false ? false : 'inline',
      // Mappings are enough to rewrite stack traces; embedding the source would double
      // the map for a snippet Node only prints on a fatal exception.
      sourcesContent: false,
      logLevel: 'silent',
      // Hermetic: never pick up a tsconfig.json from the operator's working directory.
      // verbatimModuleSyntax keeps value imports as written (JavaScript semantics, and
      // what Node's own type stripping does), so an import of a package is reported
      // even when its binding is unused; types come in through `import type`.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      plugins: [importPolicyPlugin()],
    });
  } catch (error) {
    if (isBuildFailure(error)) throw toCompileError(error.errors, error);
    throw new BbfnError('INTERNAL', 'The handler compiler failed', { cause: error });
  }

  const output = result.outputFiles[0];
  const meta = Object.values(result.metafile.outputs)[0];
  if (!output || !meta) throw new BbfnError('INTERNAL', 'The handler compiler produced no output');
  if (!meta.exports.includes('handler')) {
    throw new BbfnError('VALIDATION_INVALID_SCHEMA', MISSING_HANDLER_MESSAGE, {
      details: { exports: meta.exports },
    });
  }

  return compiledHandler(output.text, formatWarnings(result.warnings));
}

/** A bundle with its content hash: what a compile made, or one the operator mounted. */
export function compiledHandler(code: string, warnings: string[] = []): CompiledHandler {
  const hash = createHash('sha256').update(code).digest('hex');
  return { code, hash, shortHash: hash.slice(0, 12), warnings };
}
