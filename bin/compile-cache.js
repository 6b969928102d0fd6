// V8's compiled code of the CLI's modules, kept between runs (in NODE_COMPILE_CACHE, else
// Node's default directory under the OS's temp dir). Plain JavaScript, and enabled by
// bin/bbfn.js before it imports bbfn.ts: Node keeps a TypeScript file's type-stripped
// form in this cache too, so with the cache on first, no .ts file of a restart is
// stripped and Node never instantiates its TypeScript stripper (a WebAssembly module),
// which cost ~80–100 ms of every `bbfn start` when bbfn.ts was the entry (README,
// "Benchmarks"). Passed on to the sandbox threads of `bbfn start` too
// (threads/prewarmed-threads.ts), which then compile their bundle once.
import module from 'node:module';

export function enableBbfnCompileCache() {
  // Node < 22.1 has no compile cache; the CLI re-runs under the project's Node then.
  const cache = module.enableCompileCache?.();
  if (cache?.directory) process.env.NODE_COMPILE_CACHE ??= cache.directory;
}
