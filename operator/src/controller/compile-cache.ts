import type { FunctionResource } from '../../../api/v1alpha1/function.types.ts';
import { compileHandler, handlerFilename } from '../../../runtime-image/src/compile/compile.ts';
import { isCodeError } from '../reconcile/function-state.ts';

type Compiler = (code: string, filename: string) => Promise<string>;

const esbuildCompiler: Compiler = async (code, filename) => (await compileHandler(code, { filename })).code;

/** Bundles kept, by source and name: a reconcile that changes nothing compiles nothing. */
const KEPT = 256;

/**
 * Compiled handlers, least recently used out first. Code that does not compile stays
 * cached as its failure (function-state.ts isCodeError: a BbfnError with line and
 * column): the same source fails the same way, so it is not compiled again until the
 * spec changes. A failure of the compiler itself (INTERNAL, or any other error) is
 * dropped at once, so the retry compiles afresh.
 */
export class CompileCache {
  private readonly bundles = new Map<string, Promise<string>>();
  private readonly compiler: Compiler;

  /** `compiler`: the runtime's esbuild compile, unless a test gives another. */
  constructor(compiler: Compiler = esbuildCompiler) {
    this.compiler = compiler;
  }

  compile(fn: FunctionResource): Promise<string> {
    const key = `${fn.metadata.name}\0${fn.spec.code}`;
    const cached = this.bundles.get(key);
    if (cached) {
      this.bundles.delete(key);
      this.bundles.set(key, cached);
      return cached;
    }
    const bundle = this.compiler(fn.spec.code, handlerFilename(fn.metadata.name));
    bundle.catch((error: unknown) => {
      if (!isCodeError(error) && this.bundles.get(key) === bundle) this.bundles.delete(key);
    });
    if (this.bundles.size >= KEPT) this.bundles.delete(this.bundles.keys().next().value!);
    this.bundles.set(key, bundle);
    return bundle;
  }
}
