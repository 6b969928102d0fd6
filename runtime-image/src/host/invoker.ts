import { type ErrorCode, ErrorCodes } from '../errors.ts';
import type { InvocationOutcome, InvocationTrigger } from '../invocations/types.ts';
import { uuidV7 } from '../invocations/uuid-v7.ts';
import { JSONStringify, nullObject } from '../primordials.ts';
import type { CallerData, SerializedError, WebhookInvocation } from '../sandbox/protocol.ts';
import type { FunctionDeployment } from './deployment.ts';
import type { InvocationSink } from './invocation-sink.ts';

export interface InvokeRequest {
  method: string;
  /** Absolute URL the handler sees as `request.url`. */
  url: string;
  /** Path without the query, for the invocation record. */
  path: string;
  headers: string[];
  body: Uint8Array | null;
  caller: CallerData;
  trigger: InvocationTrigger;
  /** A verified webhook delivery: `ctx.webhook`, deduped in the sandbox. */
  webhook?: WebhookInvocation;
}

export interface InvokeResponse {
  invocationId: string;
  status: number;
  headers: [string, string][];
  /** A string when the handler's Response was built from one. */
  body: string | Uint8Array | null;
  /** Set when the host (not the handler) produced the response. */
  errorCode: ErrorCode | null;
}

export const INVOCATION_ID_HEADER = 'x-bbfn-invocation-id';

const OUTCOME_BY_CODE: Partial<Record<ErrorCode, InvocationOutcome>> = {
  FUNCTION_TIMEOUT: 'timeout',
  FUNCTION_MEMORY_LIMIT: 'memory_limit',
  FUNCTION_CRASHED: 'crashed',
  FUNCTION_INVALID_RESPONSE: 'invalid_response',
  FUNCTION_UNHANDLED_REJECTION: 'unhandled_rejection',
  FUNCTION_PROCESS_EXIT: 'process_exit',
};

/** The JSON body of a host-made error; 5xx bodies carry no internals. */
export function errorBody(code: ErrorCode, message: string, invocationId?: string): string {
  const error = nullObject(invocationId ? { code, message, invocationId } : { code, message });
  return JSONStringify(nullObject({ error }));
}

function callerMessage(error: SerializedError): string {
  // Codes the handler author chose to surface (e.g. FUNCTION_PROCESS_EXIT) keep their message;
  // a generic throw gets the generic text, the detail stays in the log.
  return error.code === 'FUNCTION_THREW' ? ErrorCodes.FUNCTION_THREW.message : error.message;
}

/** Runs one invocation of a deployed revision and records it, whatever happens. */
export async function invokeFunction(
  deployment: FunctionDeployment,
  request: InvokeRequest,
  sink: InvocationSink,
): Promise<InvokeResponse> {
  // Time-ordered: the stored invocation is found through its batch's time range.
  const invocationId = uuidV7();
  const startedAt = new Date();
  const started = performance.now();
  const result = await deployment.sandbox.invoke({
    id: invocationId,
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body,
    caller: request.caller,
    ...(request.webhook ? { webhook: request.webhook } : {}),
  });
  let response: InvokeResponse;
  let errorMessage: string | null = null;
  if (result.ok) {
    response = {
      invocationId,
      status: result.status,
      headers: result.headers,
      body: result.body,
      errorCode: null,
    };
  } else {
    const code = result.error.code;
    const status = code in ErrorCodes ? ErrorCodes[code].status : 500;
    errorMessage = result.error.internal ?? result.error.message;
    response = {
      invocationId,
      status,
      headers: [['content-type', 'application/json; charset=utf-8']],
      body: errorBody(code, callerMessage(result.error), invocationId),
      errorCode: code,
    };
  }
  sink.recordInvocation({
    id: invocationId,
    appId: deployment.appId,
    functionName: deployment.name,
    functionId: deployment.functionId,
    revision: deployment.revision,
    trigger: request.trigger,
    userId: request.caller.kind === 'user' ? request.caller.userId : null,
    method: request.trigger === 'cron' ? null : request.method,
    path: request.trigger === 'cron' ? null : request.path,
    statusCode: response.status,
    outcome: response.errorCode
      ? (OUTCOME_BY_CODE[response.errorCode] ?? 'error')
      : result.ok && result.duplicate
        ? 'duplicate'
        : 'ok',
    errorCode: response.errorCode,
    errorMessage,
    startedAt,
    durationMs: performance.now() - started,
  });
  return response;
}
