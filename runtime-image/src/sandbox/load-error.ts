import { BbfnError } from '../errors.ts';
import type { SerializedError } from './protocol.ts';

/** What a deploy reports when the handler module cannot load (missing export, top-level throw). */
export function loadError(error: SerializedError): BbfnError {
  // The message names the handler's problem; keep it.
  const code = error.code === 'FUNCTION_THREW' ? 'FUNCTION_LOAD_FAILED' : error.code;
  return new BbfnError(
    code,
    error.code === 'FUNCTION_THREW'
      ? `The handler module threw while loading: ${firstLine(error.internal)}`
      : error.message,
  );
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}
