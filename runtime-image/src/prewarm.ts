import { readFileSync } from 'node:fs';
import { DEFAULT_FUNCTION_LIMITS } from '../../api/v1alpha1/function-limits.ts';
import { handlerFilename, precompileHandler } from './compile/compile.ts';
import { RUNTIME_ENV } from './runtime-env.ts';
import { prewarmSandboxThreads } from './sandbox/sandbox-thread.ts';

/**
 * Starts what takes longest at a pod's start before the host has loaded: a sandbox
 * thread of the mounted function and its compile (esbuild, in its own process).
 * It reads only what that needs, without the schema machinery. Best effort: a file
 * it cannot read this way (YAML, broken) is left to config.ts, which reads it again
 * and says what is wrong; a compile nobody asks for is dropped with the process.
 */
export function prewarmFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[RUNTIME_ENV.functionFile];
  if (!file) return;
  let mounted: { name?: unknown; code?: unknown; limits?: { memoryMb?: unknown } };
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.trimStart().startsWith('{')) return;
    mounted = JSON.parse(text);
  } catch {
    return;
  }
  if (typeof mounted.name === 'string' && typeof mounted.code === 'string')
    precompileHandler(mounted.code, { filename: handlerFilename(mounted.name) });
  const memoryMb = Number(mounted.limits?.memoryMb ?? DEFAULT_FUNCTION_LIMITS.memoryMb);
  if (!Number.isInteger(memoryMb) || memoryMb < 16 || memoryMb > 4096) return;
  // One thread: the first response needs one, and more booting at once would slow the
  // host's own loading on a small node; the sandbox starts the others when it deploys.
  prewarmSandboxThreads(1, memoryMb);
}
