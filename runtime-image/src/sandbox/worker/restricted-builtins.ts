/**
 * The built-in modules whose use reaches past a handler's own invocation to the
 * whole process: a nested Worker has none of this thread's guards (its
 * `process.kill(process.pid)` ends every request), a child process or the inspector
 * reaches the host's memory and signals, `module.registerHooks` would run before
 * these hooks, `v8.setFlagsFromString` changes the process's VM. A handler may still
 * import them (a bundle that imports one keeps loading); what they offer beyond
 * harmless data throws FUNCTION_PROCESS_EXIT in the invocation that calls it.
 *
 * Served through module hooks for every importer in a sandbox thread (ESM `import`,
 * `require` through `createRequire`), and through `process.getBuiltinModule`
 * (process-guards.ts), so the three ways to reach a built-in give the same stand-in.
 */
import { registerHooks } from 'node:module';
import { BbfnError } from '../../errors.ts';

/** Module → the exports refused; `'*'` refuses every function it exports. */
const RESTRICTED: Record<string, readonly string[] | '*'> = {
  worker_threads: ['Worker'],
  child_process: '*',
  cluster: '*',
  inspector: '*',
  'inspector/promises': '*',
  module: ['register', 'registerHooks'],
  v8: ['setFlagsFromString', 'writeHeapSnapshot', 'setHeapSnapshotNearHeapLimit'],
  wasi: '*',
  trace_events: '*',
};

const STAND_IN_SCHEME = 'bbfn-restricted:';
const REGISTRY = Symbol.for('bbfn.restrictedBuiltins');

export function refusal(what: string): BbfnError {
  return new BbfnError(
    'FUNCTION_PROCESS_EXIT',
    `The handler called ${what}, which is not allowed in a function: it reaches past its own invocation`,
  );
}

function refused(module: string, name: string): (...args: unknown[]) => never {
  // A function that throws when called and when constructed (`new Worker()`).
  return function refusedBuiltin() {
    throw refusal(`${module}.${name}()`);
  };
}

/** `worker_threads` → `worker_threads`; `node:fs` → `fs`; undefined for what is not restricted. */
export function restrictedName(specifier: string): string | undefined {
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return Object.hasOwn(RESTRICTED, name) ? name : undefined;
}

const standIns = new Map<string, Record<string, unknown>>();
/** Taken before process-guards.ts replaces it with one that hands out stand-ins. */
const realBuiltin = process.getBuiltinModule;

/** The stand-in of a restricted built-in: its exports, with the refused ones throwing. */
export function standIn(name: string): Record<string, unknown> {
  let made = standIns.get(name);
  if (made) return made;
  const real = realBuiltin(`node:${name}`) as Record<string, unknown>;
  const refusedNames = RESTRICTED[name]!;
  made = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(real)) {
    const value = real[key];
    const refuse =
      refusedNames === '*' ? typeof value === 'function' : (refusedNames as readonly string[]).includes(key);
    made[key] = refuse ? refused(name, key) : value;
  }
  Object.freeze(made);
  standIns.set(name, made);
  return made;
}

let installed = false;

/** Serves the stand-ins to every module this thread loads from now on. Once per thread. */
export function restrictBuiltins(): void {
  if (installed) return;
  installed = true;
  (globalThis as Record<symbol, unknown>)[REGISTRY] = standIn;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const name = restrictedName(specifier);
      if (name !== undefined)
        return { url: `${STAND_IN_SCHEME}${name}`, format: 'module', shortCircuit: true };
      return nextResolve(specifier, context);
    },
    load(url, context, nextLoad) {
      if (!url.startsWith(STAND_IN_SCHEME)) return nextLoad(url, context);
      const name = url.slice(STAND_IN_SCHEME.length);
      const names = Object.keys(standIn(name)).filter(
        (key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default',
      );
      const source = [
        `const m = globalThis[Symbol.for('bbfn.restrictedBuiltins')](${JSON.stringify(name)});`,
        'export default m;',
        ...names.map((key) => `export const ${key} = m.${key};`),
      ].join('\n');
      return { format: 'module', source, shortCircuit: true };
    },
  });
}
