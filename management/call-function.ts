import { functionPath } from '../api/v1alpha1/urls.ts';
import { BbfnError } from '../runtime-image/src/errors.ts';
import { INVOCATION_ID_HEADER } from '../runtime-image/src/host/invoker.ts';
import type { Invocation, InvokeInput, InvokeOutput } from './schemas.ts';

/** The credentials invoke_function sends for each `run_as`. */
export interface RunAsCredentials {
  /** The App's platform API key: the service role. */
  apiKey: () => Promise<string>;
  /** A short-lived end-user JWT for `userId`, signed as the App's users' tokens are. */
  userToken: (userId: string) => Promise<string>;
}

export interface FunctionCallResult {
  invocationId: string | null;
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
}

/** How long invoke waits for the function's answer beyond its own time limit. */
const CALL_MARGIN_MS = 10_000;

/**
 * invoke_function as a real request to the function's URL (`baseUrl` is where its
 * host listens: the local platform, or the function's Service in a cluster), so it
 * goes through the same route, method check and auth as any caller's.
 */
export async function callFunction(
  baseUrl: string,
  input: InvokeInput,
  credentials: RunAsCredentials,
  timeoutSeconds: number,
): Promise<FunctionCallResult> {
  const headers = new Headers(input.headers);
  if (input.run_as === 'service') headers.set('authorization', `Bearer ${await credentials.apiKey()}`);
  else if (input.run_as === 'user')
    headers.set('authorization', `Bearer ${await credentials.userToken(input.user_id ?? '')}`);
  else headers.delete('authorization');
  const url = `${baseUrl.replace(/\/+$/, '')}${functionPath(input.app_id, input.name)}${input.path}`;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: input.method,
      headers,
      ...(input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD'
        ? { body: input.body }
        : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000 + CALL_MARGIN_MS),
    });
  } catch (error) {
    throw new BbfnError('FUNCTION_UNAVAILABLE', `Function "${input.name}" could not be reached`, {
      cause: error,
    });
  }
  const body = await response.text();
  const durationMs = performance.now() - started;
  const responseHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    responseHeaders[name] = value;
  });
  return {
    invocationId: response.headers.get(INVOCATION_ID_HEADER),
    status: response.status,
    headers: responseHeaders,
    body,
    durationMs,
  };
}

/**
 * invoke_function's answer: what the function returned, with its stored record (outcome,
 * error, console lines) when the record came in time; the call's own timing otherwise.
 */
export function invokeOutput(result: FunctionCallResult, record: Invocation | null): InvokeOutput {
  return {
    invocation_id: result.invocationId ?? '',
    status: result.status,
    headers: result.headers,
    body: result.body,
    duration_ms: record?.duration_ms ?? result.durationMs,
    outcome: record?.outcome ?? null,
    error: record?.error ?? null,
    logs: record?.logs ?? [],
  };
}
