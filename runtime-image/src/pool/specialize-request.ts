import { z } from 'zod';
import { RUNTIME_ENV } from '../runtime-env.ts';

/**
 * Settings a warm pool process was started with and keeps: where it listens, what it
 * may read and write (permission.ts computed its flags from them before it knew its
 * function), and the pool's own. A specialize request may not change them.
 */
const PROCESS_SETTINGS: ReadonlySet<string> = new Set([
  RUNTIME_ENV.port,
  RUNTIME_ENV.address,
  RUNTIME_ENV.functionFile,
  RUNTIME_ENV.bundleFile,
  RUNTIME_ENV.spoolDir,
  RUNTIME_ENV.permission,
  RUNTIME_ENV.poolPort,
  RUNTIME_ENV.poolToken,
]);

/** The runtime settings (runtime-env.ts) a function brings with it: its app's database login, auth… */
export const FUNCTION_SETTINGS: readonly string[] = Object.values(RUNTIME_ENV).filter(
  (name) => !PROCESS_SETTINGS.has(name),
);

/**
 * What a warm pool process is given to become one function's pod: what the operator
 * would otherwise mount (the function's definition and its compiled bundle) and set in
 * the pod's environment. The function definition is checked by config.ts's schema.
 */
export const specializeRequestSchema = z.strictObject({
  function: z.record(z.string(), z.unknown()),
  /** The handler as the operator compiled it (compile/compile.ts): the process compiles nothing. */
  bundle: z.string().min(1),
  env: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((env, context) => {
      for (const name of Object.keys(env)) {
        if (!FUNCTION_SETTINGS.includes(name))
          context.addIssue({ code: 'custom', path: [name], message: `${name} is not a function's setting` });
      }
    }),
});
export type SpecializeRequest = z.infer<typeof specializeRequestSchema>;
