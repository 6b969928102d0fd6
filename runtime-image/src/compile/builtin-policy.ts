/**
 * The Node.js built-ins a handler may not import, in a pod as under `npm start`: the
 * ones that reach the filesystem, other processes or threads, native code, the module
 * loader or the inspector. Without them a handler cannot read the local platform's data
 * directory (every app's secrets, the Postgres files), a pod's `/proc/self/environ`, or
 * load npm packages through `createRequire(process.cwd() + '/')`. Everything else
 * (crypto, net, http, zlib, streams…) stays. One list, enforced three times: at compile
 * (import-policy.plugin.ts), by the loader hooks for `import(x)` (load.ts), and on
 * `process.getBuiltinModule` and `process.binding` in the sandbox (builtin-guard.ts).
 *
 * Why not Node's permission model (`--permission --allow-fs-read=…`): it does not reach
 * worker threads, where handlers run ("The model does not inherit to a worker thread",
 * nodejs/node#62222; seen here on Node 24.21: a Worker of a process started with
 * `--permission` read a file its main thread could not).
 */
const DENIED = [
  'fs',
  'fs/promises',
  'child_process',
  'cluster',
  'worker_threads',
  'module',
  'wasi',
  'inspector',
  'inspector/promises',
  'sqlite',
  'repl',
  'v8',
  'trace_events',
  // Its run() starts Node processes.
  'test',
  'test/reporters',
] as const;

const DENIED_SET = new Set<string>(DENIED);

/** Whether a built-in specifier (`fs`, `node:fs`) is one a handler may not import. */
export function isDeniedBuiltin(specifier: string): boolean {
  return DENIED_SET.has(specifier.startsWith('node:') ? specifier.slice(5) : specifier);
}

export function deniedBuiltinMessage(specifier: string): string {
  return `Cannot import "${specifier}": a function cannot reach the filesystem, other processes or threads, native code or the module loader (allowed: the other Node.js built-ins, such as "node:crypto")`;
}
