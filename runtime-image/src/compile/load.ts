/**
 * Loads a compiled handler bundle as an ES module without writing it to disk (the
 * runtime pod's root filesystem is read-only).
 *
 * Why not a plain `data:` URL: Node 24 cannot source-map a `data:` module (its
 * source-map lookup treats a URL without `//` as a path), and every stack frame would
 * carry the whole base64 bundle. Instead, in-thread module hooks serve the code under
 * a virtual `file:///bbfn-handler-<hash>.mjs` URL, so frames read `/handler.ts:6:9`
 * once the inline source map is applied. The same hooks hold non-literal `import(x)`
 * inside the handler to the compile-time rule: built-ins only.
 */
import { createHash } from 'node:crypto';
import { getSourceMapsSupport, isBuiltin, registerHooks, setSourceMapsSupport } from 'node:module';
import { BbfnError } from '../errors.ts';
import { deniedBuiltinMessage, isDeniedBuiltin } from './builtin-policy.ts';
import { assertHandlerExport, type Handler } from './handler-export.ts';

const HANDLER_URL_PREFIX = 'file:///bbfn-handler-';

/** Sources served by the hooks, by virtual URL. Kept: V8 keeps each module's source anyway. */
const sources = new Map<string, string>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (sources.has(specifier)) return { url: specifier, format: 'module', shortCircuit: true };
      if (context.parentURL?.startsWith(HANDLER_URL_PREFIX) && isDeniedBuiltin(specifier)) {
        throw new BbfnError('VALIDATION_UNSUPPORTED_IMPORT', deniedBuiltinMessage(specifier), {
          details: { specifier },
        });
      }
      if (context.parentURL?.startsWith(HANDLER_URL_PREFIX) && !isBuiltin(specifier)) {
        throw new BbfnError(
          'VALIDATION_UNSUPPORTED_IMPORT',
          `Cannot import "${specifier}": only Node.js built-in modules can be imported`,
          {
            details: { specifier },
          },
        );
      }
      return nextResolve(specifier, context);
    },
    load(url, context, nextLoad) {
      const source = sources.get(url);
      if (source !== undefined) return { format: 'module', source, shortCircuit: true };
      return nextLoad(url, context);
    },
  });
}

export interface LoadOptions {
  /**
   * Turn on Node's source-map support for this thread (default true) so the bundle's
   * inline map rewrites stack traces. Thread-wide, which is right in a sandbox worker
   * that exists to run this one handler.
   */
  sourceMaps?: boolean;
}

/** Imports a bundle from compileHandler and returns its `handler` (VALIDATION_INVALID_SCHEMA if unusable). */
export async function loadHandlerModule(code: string, options: LoadOptions = {}): Promise<Handler> {
  installHooks();
  if (options.sourceMaps !== false && !getSourceMapsSupport().enabled) setSourceMapsSupport(true);
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const url = `${HANDLER_URL_PREFIX}${digest}.mjs`;
  sources.set(url, code);
  let namespace: unknown;
  try {
    // Imported through a one-line data: module rather than `import(url)` directly: test
    // runners such as vitest rewrite `import()` in the modules they transform and would
    // look for the virtual file on disk, while data: imports stay native. The handler is
    // a named export, which `export *` carries.
    namespace = await import(
      `data:text/javascript,export * from ${encodeURIComponent(JSON.stringify(url))};`
    );
  } catch (error) {
    if (error instanceof BbfnError) throw error;
    // The message names the developer's own top-level error; it is their code, like a syntax error.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new BbfnError('FUNCTION_LOAD_FAILED', `The handler module failed to load: ${reason}`, {
      cause: error,
    });
  }
  return assertHandlerExport(namespace);
}
