/**
 * The one check that a loaded module really has a `handler` function. Compilation
 * can only see that something named `handler` is exported; whether it is callable is
 * known once the module has run, so the host calls this at load time.
 */
import { BbfnError } from '../errors.ts';

/**
 * A user's handler as the host calls it. `ctx` is typed `unknown` here because this
 * module does not own the context's shape (the sandbox does); callers narrow it.
 */
export type Handler = (request: Request, ctx: unknown) => Promise<Response>;

export const MISSING_HANDLER_MESSAGE =
  'Code must export a function named "handler": export async function handler(req, ctx) { ... }';

export function assertHandlerExport(moduleNamespace: unknown): Handler {
  if (moduleNamespace === null || typeof moduleNamespace !== 'object' || !('handler' in moduleNamespace)) {
    throw new BbfnError('VALIDATION_INVALID_SCHEMA', MISSING_HANDLER_MESSAGE);
  }
  const handler: unknown = moduleNamespace.handler;
  if (typeof handler !== 'function') {
    const got = handler === null ? 'null' : typeof handler;
    throw new BbfnError('VALIDATION_INVALID_SCHEMA', `The export "handler" must be a function, got ${got}`, {
      details: { export: 'handler', got },
    });
  }
  // A sync function returning a Response is accepted too: the host awaits the result
  // and checks it is a Response, so "async" is advice, not a load-time rule.
  return handler as Handler;
}
