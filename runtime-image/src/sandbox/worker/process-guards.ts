import { refusal, restrictBuiltins, restrictedName, standIn } from './restricted-builtins.ts';

/**
 * A worker shares the process with the host: `process.exit()` would only end the
 * worker, but `process.kill(process.pid)` (or its binding `process._kill`),
 * `process.abort()`, a native addon or a raw binding would end or corrupt everything.
 * Turn each into an error of the calling invocation (FUNCTION_PROCESS_EXIT), and
 * serve the built-ins that reach past the thread as stand-ins (restricted-builtins.ts).
 * In a pod, Node's permission model refuses child processes, addons and reads of
 * /proc as well (pod/permission-flags.ts); these guards are what `npm start` has.
 */
export function installProcessGuards(): void {
  const refuse = (what: string) => () => {
    throw refusal(what);
  };
  const target = process as unknown as Record<string, unknown>;
  for (const name of [
    'exit',
    'abort',
    'kill',
    // Undocumented, but reachable from user code: the bindings behind exit() and kill().
    'reallyExit',
    '_kill',
    'binding',
    '_linkedBinding',
    'dlopen',
    'execve',
  ]) {
    if (name in target) target[name] = refuse(`process.${name}()`);
  }
  const getBuiltinModule = process.getBuiltinModule;
  process.getBuiltinModule = ((id: string) => {
    const name = typeof id === 'string' ? restrictedName(id) : undefined;
    return name === undefined ? getBuiltinModule(id) : standIn(name);
  }) as typeof process.getBuiltinModule;
  // A diagnostic report lists the process's environment and command line.
  Object.defineProperty(process, 'report', {
    configurable: true,
    enumerable: true,
    value: Object.freeze({
      getReport: refuse('process.report.getReport()'),
      writeReport: refuse('process.report.writeReport()'),
    }),
  });
  restrictBuiltins();
}
