import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';
import { type CompiledHandler, compiledHandler, compileHandler, handlerFilename } from './compile.ts';

/**
 * The handler a pod serves: the operator's bundle when one is mounted
 * (BBFN_BUNDLE_FILE), else the function's source compiled here (a pod run by hand).
 * The operator compiles at deploy time (compile.ts) and mounts the bundle from the
 * revision's content-hashed ConfigMap; the pod serves it as it is, with no compiler
 * process of its own beside it at start. Its imports are held to Node's built-ins
 * again when it loads (load.ts).
 */
export async function podHandler(
  fn: { name: string; code: string },
  bundleFile: string | undefined,
): Promise<CompiledHandler> {
  if (bundleFile === undefined) return compileHandler(fn.code, { filename: handlerFilename(fn.name) });
  let code: string;
  try {
    code = readFileSync(bundleFile, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the compiled handler at ${bundleFile}`, { cause: error });
  }
  return compiledHandler(code);
}
