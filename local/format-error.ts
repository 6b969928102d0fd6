import { isBbfnError } from '../runtime-image/src/errors.ts';

/**
 * One error as a command prints it: its stable code when it has one, its message, and
 * the chain of causes, so that no failure reaches the terminal as "undefined". Without
 * causes, one line (a compile error's message already says where).
 */
export function formatCliError(error: unknown, options: { causes?: boolean } = {}): string {
  if (options.causes === false) return describe(error);
  const parts = [describe(error)];
  const seen = new Set<unknown>([error]);
  for (let cause = causeOf(error); cause !== undefined && !seen.has(cause); cause = causeOf(cause)) {
    seen.add(cause);
    parts.push(describe(cause));
  }
  return parts.join('\n  caused by: ');
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

function describe(error: unknown): string {
  if (isBbfnError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // pg reports a refused connection to every address it tried as one AggregateError without a message.
    const message =
      error.message || (error instanceof AggregateError ? error.errors.map(describe).join('; ') : error.name);
    return `${code && !message.includes(code) ? `${code}: ` : ''}${message}`;
  }
  if (error === undefined || error === null) return `failed without saying why (${String(error)})`;
  return String(error);
}
