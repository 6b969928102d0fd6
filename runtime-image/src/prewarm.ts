import { readFileSync } from 'node:fs';
import { DEFAULT_FUNCTION_LIMITS, MEMORY_MB_RANGE } from '../../api/v1alpha1/function-limits.ts';
import { handlerFilename, precompileHandler } from './compile/compile.ts';
import { servingThread } from './pod/serving-thread.ts';
import { RUNTIME_ENV } from './runtime-env.ts';
import { prewarmThreads } from './threads/prewarmed-threads.ts';

/**
 * Starts what takes longest at a pod's start before the host has loaded: a serving
 * worker's thread (it loads the HTTP stack while the main thread loads its own) and
 * the handler's compile (esbuild, in its own process).
 * It reads only what that needs, without the schema machinery. Best effort: a file
 * it cannot read this way (YAML, broken) is left to config.ts, which reads it again
 * and says what is wrong; a compile nobody asks for is dropped with the process.
 */
export function prewarmFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[RUNTIME_ENV.functionFile];
  // A warm pool process does not know its function yet: a thread for the default limits.
  if (!file && env[RUNTIME_ENV.poolPort]) prewarmThreads(servingThread(DEFAULT_FUNCTION_LIMITS.memoryMb), 1);
  if (!file) return;
  let mounted: { name?: unknown; code?: unknown; limits?: { memoryMb?: unknown } };
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.trimStart().startsWith('{')) return;
    mounted = JSON.parse(text);
  } catch {
    return;
  }
  // A pod given the operator's bundle compiles nothing (compile/mounted-bundle.ts).
  const compiles = !env[RUNTIME_ENV.bundleFile];
  if (compiles && typeof mounted.name === 'string' && typeof mounted.code === 'string')
    precompileHandler(mounted.code, { filename: handlerFilename(mounted.name) });
  const memoryMb = Number(mounted.limits?.memoryMb ?? DEFAULT_FUNCTION_LIMITS.memoryMb);
  if (!Number.isInteger(memoryMb) || memoryMb < MEMORY_MB_RANGE.min || memoryMb > MEMORY_MB_RANGE.max) return;
  // One thread: the first response needs one, and the pool starts the others once it serves.
  prewarmThreads(servingThread(memoryMb), 1);
}
