import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';
import { type CompiledHandler, compileHandler, handlerFilename } from './compile.ts';

/**
 * A handler the operator compiled (compile.ts, at deploy time) and mounted beside the
 * function definition, from the revision's content-hashed ConfigMap. A pod serves it
 * as it is, with no compiler process of its own beside it at start. Its imports are
 * held to Node's built-ins again when it loads (load.ts).
 */
export function compiledFromBundle(code: string): CompiledHandler {
  const hash = createHash('sha256').update(code).digest('hex');
  return { code, hash, shortHash: hash.slice(0, 12), warnings: [] };
}

/**
 * The handler a pod serves: the operator's bundle when one is mounted
 * (BBFN_BUNDLE_FILE), else the function's source compiled here (a pod run by hand).
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
  return compiledFromBundle(code);
}
