/**
 * esbuild plugin that enforces "a handler is one file that may import only Node.js
 * built-ins". Every specifier esbuild meets (static imports, literal `import()` and
 * `require()`, re-exports) passes through `onResolve`, so this is the single gate.
 */
import { isBuiltin } from 'node:module';
import type { Plugin } from 'esbuild';
import { deniedBuiltinMessage, isDeniedBuiltin } from './builtin-policy.ts';

export const IMPORT_POLICY_PLUGIN = 'bbfn-import-policy';

/** Namespace of the tiny CommonJS shims that serve `require()` of a built-in. */
const REQUIRE_NAMESPACE = 'bbfn-builtin-require';

/** What the plugin attaches to a rejected import, read back by build-errors.ts. */
export interface UnsupportedImportDetail {
  kind: 'unsupported-import';
  specifier: string;
}

export function isUnsupportedImportDetail(value: unknown): value is UnsupportedImportDetail {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'unsupported-import'
  );
}

/** `fs` → `node:fs`; `node:test`-style names that exist only with the prefix stay as they are. */
export function toNodeSpecifier(specifier: string): string | undefined {
  if (!isBuiltin(specifier)) return undefined;
  return specifier.startsWith('node:') ? specifier : `node:${specifier}`;
}

function rejection(specifier: string): string {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return `Cannot import "${specifier}": a handler is a single file, so relative and absolute imports are not supported`;
  }
  return `Cannot import "${specifier}": only Node.js built-in modules (such as "node:crypto") can be imported; types can come in with "import type"`;
}

export function importPolicyPlugin(): Plugin {
  return {
    name: IMPORT_POLICY_PLUGIN,
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const nodeSpecifier = toNodeSpecifier(args.path);
        if (nodeSpecifier === undefined || isDeniedBuiltin(nodeSpecifier)) {
          const detail: UnsupportedImportDetail = { kind: 'unsupported-import', specifier: args.path };
          const text = nodeSpecifier === undefined ? rejection(args.path) : deniedBuiltinMessage(args.path);
          return { errors: [{ text, detail }] };
        }
        // In ESM output esbuild turns an external `require()` into a shim that throws
        // "Dynamic require is not supported" at run time; serve it from a CommonJS
        // module that asks the process for the built-in instead, so `require('fs')` works.
        if (args.kind === 'require-call') return { path: nodeSpecifier, namespace: REQUIRE_NAMESPACE };
        return { path: nodeSpecifier, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: REQUIRE_NAMESPACE }, (args) => ({
        contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}
