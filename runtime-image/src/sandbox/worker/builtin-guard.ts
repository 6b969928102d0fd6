import { deniedBuiltinMessage, isDeniedBuiltin } from '../../compile/builtin-policy.ts';
import { BbfnError } from '../../errors.ts';

/**
 * The sandbox's half of builtin-policy.ts: `process.getBuiltinModule` (what a
 * handler's `require('x')` becomes) refuses the denied built-ins, and the ways around
 * the module system (`process.binding`, `_linkedBinding`, `dlopen`) and the process
 * report (it lists the environment) are gone. Installed before the handler loads; the
 * host's own modules are loaded by then and keep what they imported.
 */
export function installBuiltinGuard(): void {
  const getBuiltinModule = process.getBuiltinModule.bind(process);
  const refuse = (what: string) => {
    throw new BbfnError('VALIDATION_UNSUPPORTED_IMPORT', deniedBuiltinMessage(what), {
      details: { specifier: what },
    });
  };
  const guarded = ((id: string) => {
    if (typeof id === 'string' && isDeniedBuiltin(id)) refuse(id);
    return getBuiltinModule(id);
  }) as typeof process.getBuiltinModule;
  Object.defineProperty(process, 'getBuiltinModule', {
    value: guarded,
    writable: false,
    configurable: false,
  });
  for (const name of ['binding', '_linkedBinding', 'dlopen']) {
    Object.defineProperty(process, name, {
      value: () => refuse(`process.${name}`),
      writable: false,
      configurable: false,
    });
  }
  Object.defineProperty(process, 'report', { value: undefined, writable: false, configurable: false });
}
