/**
 * Every error a caller or an operator can see has a stable code, grouped by area
 * (`<AREA>_<WHAT>`); the seed's codes (`VALIDATION_INVALID_SCHEMA`, `RESOURCE_NOT_FOUND`)
 * are kept exactly as written. This file is the one home of those codes.
 */
import { nullObject } from './primordials.ts';

export const ErrorCodes = {
  // Deploy-time validation of handler code and manifests (seed codes first).
  VALIDATION_INVALID_SCHEMA: { status: 400, message: 'Code must export an async function named `handler`' },
  VALIDATION_SYNTAX_ERROR: { status: 400, message: 'Code must be valid TypeScript/JavaScript' },
  VALIDATION_UNSUPPORTED_IMPORT: {
    status: 400,
    message: 'Only Node.js built-in modules (`node:*`) can be imported',
  },
  VALIDATION_INVALID_MANIFEST: { status: 400, message: 'The manifest does not match the schema' },
  VALIDATION_UNSUPPORTED_TRIGGER: { status: 400, message: 'This trigger type is not yet implemented' },
  VALIDATION_WEBHOOK_SECRET: {
    status: 400,
    message: "The webhook's signing secret is missing or unusable",
  },
  VALIDATION_ROUTE_CONFLICT: { status: 409, message: 'Another function already serves this route' },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Not found' },
  // The management API's request did not match its schema (the code itself is checked by the codes above).
  VALIDATION_INVALID_REQUEST: { status: 400, message: 'The request does not match the schema' },
  // Invocation (HTTP) errors.
  HTTP_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed for this function' },
  HTTP_UPGRADE_REQUIRED: { status: 426, message: 'This function is reached over WebSocket' },
  HTTP_BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  HTTP_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  HTTP_BODY_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  // A webhook delivery the host refused before the handler ran (trigger type webhook).
  WEBHOOK_SIGNATURE_MISSING: { status: 401, message: 'The delivery carries no signature' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, message: 'The delivery signature does not match' },
  WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE: { status: 401, message: "The delivery's signed timestamp is too old" },
  WEBHOOK_PAYLOAD_INVALID: { status: 400, message: 'The signed delivery cannot be read' },
  HTTP_TOO_MANY_MESSAGES: {
    status: 429,
    message: 'Too many WebSocket messages were sent before the connection was authenticated',
  },
  AUTH_REQUIRED: { status: 401, message: 'Authentication required' },
  AUTH_INVALID_TOKEN: { status: 401, message: 'The bearer token is invalid or expired' },
  // A token without `exp` would be valid forever (BBFN_JWT_REQUIRE_EXP=false accepts them).
  AUTH_TOKEN_WITHOUT_EXPIRY: { status: 401, message: 'The bearer token has no "exp" claim' },
  AUTH_INVALID_API_KEY: { status: 401, message: 'The API key is not valid for this app' },
  // The identity provider's JWKS could not be fetched: not the caller's fault, so not a 401.
  AUTH_PROVIDER_UNAVAILABLE: {
    status: 503,
    message: 'The identity provider could not be reached; retry later',
  },
  // The handler failed in one of the ways the host can name.
  FUNCTION_INVALID_RESPONSE: { status: 502, message: 'The handler must return a Response object' },
  FUNCTION_RESPONSE_TOO_LARGE: {
    status: 502,
    message: "The handler's response body is larger than the host sends (BBFN_RESPONSE_LIMIT_BYTES)",
  },
  FUNCTION_THREW: { status: 500, message: 'The handler threw an error' },
  FUNCTION_UNHANDLED_REJECTION: { status: 500, message: 'The handler left a promise rejection unhandled' },
  FUNCTION_TIMEOUT: { status: 504, message: 'The handler did not respond within its time limit' },
  FUNCTION_MEMORY_LIMIT: { status: 500, message: 'The handler exceeded its memory limit' },
  FUNCTION_PROCESS_EXIT: { status: 500, message: 'The handler called process.exit()' },
  FUNCTION_CRASHED: { status: 500, message: 'The function sandbox stopped while handling this request' },
  FUNCTION_LOAD_FAILED: { status: 500, message: 'The handler module failed to load' },
  FUNCTION_UNAVAILABLE: { status: 503, message: 'The function is not ready to serve' },
  // Dependencies.
  DATABASE_UNAVAILABLE: { status: 503, message: 'The app database is unavailable; retry later' },
  // An App's own migration (spec.database.migrations) was refused by Postgres.
  DATABASE_MIGRATION_FAILED: { status: 500, message: 'An app database migration failed' },
  DATABASE_INVALID_QUERY: {
    status: 500,
    message: 'Only parameterised queries with a text and a params array are allowed',
  },
  IDEMPOTENCY_INVALID_KEY: { status: 500, message: 'Idempotency keys and scopes must be non-empty strings' },
  HOST_STARTING: { status: 503, message: 'The functions are still being deployed; retry in a moment' },
  HOST_SHUTTING_DOWN: { status: 503, message: 'The function host is shutting down' },
  INTERNAL: { status: 500, message: 'Internal error' },
  // A warm pool process (pool/specialize-server.ts), before it is given its function.
  POOL_UNAUTHORIZED: { status: 401, message: 'The specialize request carries no valid pool token' },
  POOL_ALREADY_SPECIALIZED: { status: 409, message: 'This warm process already serves a function' },
  // The local platform (`bbfn start` and the commands that talk to it).
  LOCAL_ALREADY_RUNNING: { status: 409, message: 'A local platform already runs on this data directory' },
  LOCAL_NOT_RUNNING: { status: 503, message: 'The local platform is not running on this data directory' },
  LOCAL_POSTGRES_FAILED: { status: 503, message: 'The embedded Postgres did not start' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class BbfnError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable detail safe to show the caller (line/column, field path…). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(
      message ?? ErrorCodes[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'BbfnError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.details = options?.details;
  }

  /** The JSON body a caller sees: never a stack or an internal message for 5xx. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    // Without prototypes: a handler that polluted Object.prototype (a `toJSON`) must not
    // change the host's error bodies (primordials.ts).
    const error = nullObject({ code: this.code, message: this.message });
    if (this.details) (error as { details?: Record<string, unknown> }).details = this.details;
    return nullObject({ error });
  }
}

export function isBbfnError(value: unknown): value is BbfnError {
  return value instanceof BbfnError;
}
